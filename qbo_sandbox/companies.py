"""Creating sandbox companies: the four sample ones and any a test asks for.

Each company gets what a fresh QBO company has that the integration touches: income accounts,
the default "Services" item (Id 1), and its country's tax codes and rates; with `sample_data`,
also Intuit-like sample data (`samples.py`).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from .catalog import GRATUITY_ITEM_ID
from .samples import SAMPLE_NAMES, fill_company
from .store import Store
from .tracking import DEPARTMENT_TERMS
from .values import as_json_number, iso

COUNTRIES = ("US", "CA", "GB", "AU")
DEFAULT_PREFERENCES = {
    "custom_txn_numbers": True,
    "gratuity": False,
    "duplicate_doc_number_check": True,
    "sales_tax": True,
    # US: automated sales tax (Preferences.TaxPrefs.PartnerTaxEnabled); off = an older company
    "automated_sales_tax": True,
}
# Settings with a rule of their own (control API `PATCH .../preferences`; Preferences shows
# them): multicurrency (off by default; never off again once on; not on Simple Start) and
# class / location tracking (Preferences.AccountingInfoPrefs; unset = Intuit's defaults).
COMPANY_SETTINGS = ("multicurrency", "class_tracking_per_txn", "class_tracking_per_line",
                    "track_departments", "department_terminology")
DEFAULT_TAX_CODES: dict[str, list[dict[str, Any]]] = {
    "US": [],  # US lines use the pseudo codes TAX / NON
    "CA": [
        {"name": "GST", "rate": 5},
        {"name": "HST ON", "rate": 13},
        {"name": "PST BC", "rate": 7},
        {"name": "Zero-rated", "rate": 0},
        {"name": "Exempt", "rate": 0},
    ],
    "GB": [
        {"name": "20.0% S", "rate": 20},
        {"name": "5.0% R", "rate": 5},
        {"name": "0.0% Z", "rate": 0},
        {"name": "Exempt", "rate": 0},
    ],
    "AU": [
        {"name": "GST", "rate": 10},
        {"name": "GST free", "rate": 0},
    ],
}
# A US company without automated sales tax keeps its own codes (a rate, or a group of rates).
US_LEGACY_TAX_CODES: list[dict[str, Any]] = [
    {"name": "California", "rate": 8},
    {"name": "Out of state", "rate": 0},
]
INCOME_ACCOUNTS = [
    ("Services", "ServiceFeeIncome"),
    ("Sales of Product Income", "SalesOfProductIncome"),
    ("Tips Income", "OtherPrimaryIncome"),
]

# Fixed realm ids so a demo and its docs can rely on them.
SAMPLE_COMPANIES: list[dict[str, Any]] = [
    {
        "realm_id": "9341453108260001",
        "name": "Sandbox Studio US",
        "country": "US",
        "preferences": {"custom_txn_numbers": True, "gratuity": True,
                        "duplicate_doc_number_check": True, "sales_tax": True},
    },
    {
        "realm_id": "9341453108260002",
        "name": "Sandbox Studio Canada",
        "country": "CA",
        "preferences": {"custom_txn_numbers": True, "gratuity": False,
                        "duplicate_doc_number_check": True, "sales_tax": True},
    },
    {
        "realm_id": "9341453108260003",
        "name": "Sandbox Studio UK",
        "country": "GB",
        "preferences": {"custom_txn_numbers": True, "gratuity": True,
                        "duplicate_doc_number_check": True, "sales_tax": True},
    },
    {
        "realm_id": "9341453108260004",
        "name": "Sandbox Studio Australia",
        "country": "AU",
        "preferences": {"custom_txn_numbers": True, "gratuity": False,
                        "duplicate_doc_number_check": True, "sales_tax": True},
    },
]


def create_company(
    store: Store,
    now: float,
    *,
    name: str,
    country: str,
    preferences: dict[str, Any] | None = None,
    tax_codes: list[dict[str, Any]] | None = None,
    realm_id: str | None = None,
    sample_data: bool = False,
) -> dict[str, Any]:
    """Create a company with its accounts, default item and tax codes; return its summary.
    With `sample_data`, also fill it with Intuit-like sample data (`samples.fill_company`)."""
    country = country.upper()
    if country not in COUNTRIES:
        raise ValueError(f"country must be one of {', '.join(COUNTRIES)}")
    prefs = dict(DEFAULT_PREFERENCES)
    for key, value in (preferences or {}).items():
        if key not in DEFAULT_PREFERENCES and key not in COMPANY_SETTINGS:
            known = sorted([*DEFAULT_PREFERENCES, *COMPANY_SETTINGS])
            raise ValueError(f"unknown preference {key!r}; known: {known}")
        if key == "department_terminology" and value not in DEPARTMENT_TERMS:
            raise ValueError(f"department_terminology must be one of {', '.join(DEPARTMENT_TERMS)}")
        prefs[key] = value if key == "department_terminology" else bool(value)
    if country == "CA":
        prefs["gratuity"] = False  # QBO Canada has no tips setting
    realm_id = realm_id or "9341" + "".join(secrets.choice("0123456789") for _ in range(12))
    company = {"realm_id": realm_id, "name": name, "country": country, "preferences": prefs}
    meta = {"CreateTime": iso(now), "LastUpdatedTime": iso(now)}
    with store.transaction():
        store.save_company(company, now)
        for account_name, sub_type in INCOME_ACCOUNTS:
            store.put_entity(realm_id, "Account", {
                "Id": store.next_id(realm_id, "Account"), "SyncToken": "0", "Name": account_name,
                "FullyQualifiedName": account_name, "AccountType": "Income",
                "AccountSubType": sub_type, "Classification": "Revenue", "Active": True,
                "SubAccount": False, "CurrentBalance": 0, "domain": "QBO", "sparse": False,
                "MetaData": dict(meta),
            })
        store.put_entity(realm_id, "Item", {
            "Id": store.next_id(realm_id, "Item"), "SyncToken": "0", "Name": "Services",
            "FullyQualifiedName": "Services", "Type": "Service", "Active": True,
            "IncomeAccountRef": {"value": "1", "name": "Services"}, "UnitPrice": 0,
            "Taxable": country == "US", "TrackQtyOnHand": False, "SubItem": False,
            "domain": "QBO", "sparse": False, "MetaData": dict(meta),
        })
        codes = DEFAULT_TAX_CODES[country] if tax_codes is None else tax_codes
        if (tax_codes is None and country == "US" and not prefs["automated_sales_tax"]
                and not sample_data):  # sample data brings Intuit's own US codes
            codes = US_LEGACY_TAX_CODES
        for code in codes:
            add_tax_code(store, realm_id, now, name=code["name"], rate=code["rate"])
        if sample_data:
            fill_company(store, realm_id, now)
    created = store.company(realm_id)
    assert created is not None
    return summary(store, created)


def add_tax_code(store: Store, realm_id: str, now: float, *, name: str, rate: float) -> dict:
    meta = {"CreateTime": iso(now), "LastUpdatedTime": iso(now)}
    rate_id = store.next_id(realm_id, "TaxRate")
    store.put_entity(realm_id, "TaxRate", {
        "Id": rate_id, "SyncToken": "0", "Name": f"{name} (sales)", "Description": name,
        "Active": True, "RateValue": rate, "AgencyRef": {"value": "1"},
        "SpecialTaxType": "ZERO_RATE" if not rate else "NONE", "DisplayType": "ReadOnly",
        "domain": "QBO", "sparse": False, "MetaData": dict(meta),
    })
    code = {
        "Id": store.next_id(realm_id, "TaxCode"), "SyncToken": "0", "Name": name,
        "Description": name, "Active": True, "Taxable": True, "TaxGroup": False,
        "Hidden": False,
        "SalesTaxRateList": {"TaxRateDetail": [{
            "TaxRateRef": {"value": rate_id, "name": f"{name} (sales)"},
            "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0,
        }]},
        "PurchaseTaxRateList": {"TaxRateDetail": []},
        "domain": "QBO", "sparse": False, "MetaData": dict(meta),
    }
    store.put_entity(realm_id, "TaxCode", code)
    return code


PLANS = ("simple_start", "essentials", "plus", "advanced")
STATUSES = ("active", "lapsed")


def set_closing_date(company: dict[str, Any], close_date: str | None) -> None:
    """Close the books through `close_date` (YYYY-MM-DD), or open them (None or "")."""
    if close_date:
        datetime.strptime(close_date, "%Y-%m-%d")  # ValueError: the control API answers 400
    company["preferences"]["book_close_date"] = close_date or ""


def closed_through(company: dict[str, Any]) -> str:
    """The closing date ("" when the books are open)."""
    return str(company["preferences"].get("book_close_date") or "")


def set_status(company: dict[str, Any], *, status: str | None = None,
               plan: str | None = None) -> None:
    """A company's subscription: "active", or "lapsed" (writes answer 6190); and its plan
    (Simple Start has no multi-currency, classes or locations)."""
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        company["preferences"]["company_status"] = status
    if plan is not None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        if plan == "simple_start" and company["preferences"].get("multicurrency"):
            raise ValueError("a company with multicurrency on cannot move to Simple Start")
        company["preferences"]["plan"] = plan


def set_multicurrency(company: dict[str, Any], on: bool) -> None:
    """Turn multicurrency on; as in QuickBooks it cannot be turned off again, and Simple
    Start does not have it."""
    prefs = company["preferences"]
    if not on:
        if prefs.get("multicurrency"):
            raise ValueError("multicurrency cannot be turned off once it is on")
        return
    if plan_of(company) == "simple_start":
        raise ValueError("multicurrency is not available on Simple Start")
    prefs["multicurrency"] = True


def accepts_writes(company: dict[str, Any]) -> bool:
    return company["preferences"].get("company_status", "active") == "active"


def plan_of(company: dict[str, Any]) -> str:
    return str(company["preferences"].get("plan") or "plus")


def create_samples(store: Store, now: float, *, sample_data: bool = False) -> list[dict[str, Any]]:
    """The four fixed-realm companies: bare ("Sandbox Studio US", ...), or with Intuit-like
    sample data and names ("Craig's Design and Landscaping Services", ...)."""
    made = []
    for sample in SAMPLE_COMPANIES:
        fields = dict(sample)
        if sample_data:
            fields["name"] = SAMPLE_NAMES[sample["country"]]
        made.append(create_company(store, now, **fields, sample_data=sample_data))
    return made


def summary(store: Store, company: dict[str, Any]) -> dict[str, Any]:
    """What the control API shows about a company."""
    realm = company["realm_id"]
    rates = {r["Id"]: r["RateValue"] for r in store.entities(realm, "TaxRate")}
    return {
        "realm_id": realm,
        "name": company["name"],
        "country": company["country"],
        "preferences": company["preferences"],
        "tax_codes": [
            {"id": c["Id"], "name": c["Name"], "rate": _code_rate(c, rates)}
            for c in store.entities(realm, "TaxCode")
        ],
        "income_accounts": [
            {"id": a["Id"], "name": a["Name"]} for a in store.entities(realm, "Account")
            if a.get("AccountType") == "Income"
        ],
        "gratuity_item_id": GRATUITY_ITEM_ID,
    }


def _code_rate(code: dict[str, Any], rates: dict[str, Any]) -> float | int | None:
    """A tax code's rate: its one rate's, or the sum of a group's (US "Tucson": 7.1 + 0.5)."""
    found = [rates.get(d["TaxRateRef"]["value"])
             for d in code.get("SalesTaxRateList", {}).get("TaxRateDetail", [])]
    found = [r for r in found if r is not None]
    if not found:
        return None
    if len(found) == 1:
        return found[0]
    return as_json_number(sum((Decimal(str(r)) for r in found), Decimal(0)))
