"""The QuickBooks company's settings the sync depends on: reading them (at connect and on
"Re-check settings") and the Integrations page's checklist of them against the CRM."""

from collections.abc import Sequence
from datetime import date

from django.utils import timezone

from invoices.localisation import local_date
from invoices.models import Product

from .. import currencies, rules
from ..models import QuickBooksConnection
from ..qbo import client as qbo
from ..tracking import tracking_settings
from . import classes_locations
from .accounts import ACCOUNTS_QUERY, accounts_checklist, accounts_from_qbo
from .tax_codes import rates_to_map
from .tokens import client_for


def read_company_settings(client: qbo.QboClient) -> dict:
    prefs = client.preferences()
    sales = prefs.get("SalesFormsPrefs", {})
    other = {
        pair.get("Name"): str(pair.get("Value", "")).lower()
        for pair in prefs.get("OtherPrefs", {}).get("NameValue", [])
    }
    tax_codes = {
        code["Name"]: code["Id"]
        for code in client.query("select * from TaxCode where Active = true maxresults 1000")
    }
    raw_chart = client.query(ACCOUNTS_QUERY)  # one query: also the accounts money goes to
    chart = accounts_from_qbo(raw_chart)
    # one query: the payment methods payments and refunds name (never read per payment)
    methods = client.query("select * from PaymentMethod maxresults 1000")
    currency_prefs = prefs.get("CurrencyPrefs", {})
    # one query, and only with multicurrency on: the currencies the company may use
    listed = (client.query("select * from CompanyCurrency maxresults 1000")
              if currency_prefs.get("MultiCurrencyEnabled") else [])
    accounts = [{"Id": a["id"], "Name": a["name"]} for a in chart if a["type"] == "Income"]
    preferred = ("services", "sales of product income", "sales", "income")
    accounts.sort(key=lambda a: next(
        (i for i, name in enumerate(preferred) if a.get("Name", "").lower() == name), 99))
    return {
        "custom_txn_numbers": bool(sales.get("CustomTxnNumbers")),
        "gratuity": other.get("SalesFormsPrefs.AllowGratuity") == "true",
        "sales_tax": bool(prefs.get("TaxPrefs", {}).get("UsingSalesTax")),
        "automated_sales_tax": bool(prefs.get("TaxPrefs", {}).get("PartnerTaxEnabled")),
        "tax_codes": tax_codes,
        "income_account_id": accounts[0]["Id"] if accounts else "",
        "income_account_name": accounts[0].get("Name", "") if accounts else "",
        "accounts": chart,
        "payment_methods": rules.payment_methods_from_quickbooks(methods),
        "home_currency": str((currency_prefs.get("HomeCurrency") or {}).get("value") or ""),
        "currencies": sorted(str(c["Code"]) for c in listed if c.get("Active", True)),
        # the accounts held in a foreign currency (a foreign payment may go only to one in
        # the home currency or its own)
        "account_currencies": foreign_accounts(raw_chart, currency_prefs),
        **plan_features(prefs),
    }


def foreign_accounts(rows: list[dict], currency_prefs: dict) -> dict[str, str]:
    """{account id: currency} of the accounts not in the home currency."""
    home = str((currency_prefs.get("HomeCurrency") or {}).get("value") or "")
    return {str(row["Id"]): str(row["CurrencyRef"]["value"]) for row in rows
            if (row.get("CurrencyRef") or {}).get("value") not in (None, "", home)}


def plan_features(prefs: dict) -> dict:
    """The closing date and the features the company's plan has, from the Preferences already
    read (Simple Start has no multi-currency, classes or locations)."""
    accounting = prefs.get("AccountingInfoPrefs", {})
    return {
        "book_close_date": str(accounting.get("BookCloseDate") or "")[:10],
        "multi_currency": bool(prefs.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled")),
        "class_tracking": bool(accounting.get("ClassTrackingPerTxn")
                               or accounting.get("ClassTrackingPerTxnLine")),
        "locations": bool(accounting.get("TrackDepartments")),
        **tracking_settings(accounting),  # how classes go, what a location is called
    }


def plan_checklist(*, snapshot: dict, country: str,
                   foreign_currencies: Sequence[str] = ()) -> list[dict]:
    """What the company has closed or lacks, shown for information: hatsync never needs it."""
    close_date = snapshot.get("book_close_date", "")
    items = [{
        "key": "book_close_date", "applicable": True, "ok": True,
        "label": (f"Books closed through {local_date(date.fromisoformat(close_date), country)}"
                  if close_date else "Books are open (no closing date)"),
        "info": ("QuickBooks refuses changes dated then or earlier: such an invoice, void or "
                 "payment waits here for you." if close_date else ""),
    }]
    for key, name in (("multi_currency", "Multi-currency"), ("class_tracking", "Classes"),
                      ("locations", "Locations")):
        if key in snapshot and not snapshot[key]:
            items.append({"key": key, "applicable": True, "ok": True,
                          "label": f"{name}: not on in this QuickBooks company",
                          "info": "hatsync does not use it; nothing is sent that needs it."})
    return currency_checklist(items, snapshot=snapshot, country=country,
                              foreign_currencies=foreign_currencies)


def currency_checklist(items: list[dict], *, snapshot: dict, country: str,
                       foreign_currencies: Sequence[str]) -> list[dict]:
    """The multi-currency line: what is on, or, while it is off, what turning it on means
    (QBO-FACTS "Multicurrency"); not ok when contacts here are billed in another currency."""
    home = currencies.home_currency_of(country=country, snapshot=snapshot)
    used = ", ".join(sorted(set(foreign_currencies)))
    for item in items:
        if item["key"] == "multi_currency":  # off
            item["ok"] = not used
            item["info"] = (
                (f"Contacts here are billed in {used}: their invoices wait until it is on. "
                 if used else f"Needed only to bill a contact in another currency than "
                 f"{home}. ") + "Turn it on in QuickBooks (Settings > Account and settings > "
                "Advanced > Currency), then press Re-check settings. Once on it cannot be "
                "turned off, and QuickBooks Simple Start does not have it.")
            if used:
                item["fix"], item["info"] = item["info"], ""
            return items
    if snapshot.get("multi_currency"):
        listed = ", ".join(snapshot.get("currencies") or []) or "none yet"
        items.append({
            "key": "multi_currency", "applicable": True, "ok": True,
            "label": f"Multi-currency: on (home currency {home}; other currencies: {listed})",
            "info": ("An invoice in another currency goes with its currency and the rate "
                     "entered on it, else QuickBooks' rate for its date; hatsync adds a "
                     "currency QuickBooks lacks. A contact billed in another currency is a "
                     "customer of its own there, e.g. “Ana Silva (USD)”. Multi-currency "
                     "cannot be turned off in QuickBooks.")})
    return items


def connection_check_settings(
    *, connection: QuickBooksConnection, client: qbo.QboClient | None = None
) -> dict:
    """Read the QuickBooks settings the sync depends on (at connect and on “Re-check”)."""
    client = client or client_for(connection)
    snapshot = read_company_settings(client)
    connection.settings_snapshot = snapshot
    connection.settings_checked_at = timezone.now()
    connection.save(update_fields=["settings_snapshot", "settings_checked_at"])
    return snapshot


def connection_checklist(*, connection: QuickBooksConnection) -> list[dict]:
    account = connection.account
    untaxable = Product.objects.filter(account=account, taxable=False)
    return rules.settings_checklist(
        country=connection.country,
        snapshot=connection.settings_snapshot,
        crm_tax_rates=rates_to_map(connection).values_list("pk", "name"),
        untaxable_products=untaxable.values_list("display_name", flat=True),
        tax_map=connection.tax_code_map or {},
    ) + accounts_checklist(connection) + plan_checklist(
        snapshot=connection.settings_snapshot or {}, country=connection.country,
        foreign_currencies=billed_currencies(account),
    ) + classes_locations.checklist(connection)


def billed_currencies(account) -> list[str]:
    """The currencies other than the account's own its contacts are billed in."""
    return sorted(set(account.contacts.exclude(billing_currency__in=["", account.currency])
                      .values_list("billing_currency", flat=True)))
