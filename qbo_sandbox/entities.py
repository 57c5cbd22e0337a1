"""QBO's business rules per entity: validation, numbering, totals, tax, balances and payments.

`Books` works on one company (realm) inside one store transaction. Every write validates
first and only then stores, so a fault leaves nothing half-written (a batch relies on this).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from . import faults, query
from .currencies import Currencies
from .faults import QBOFault
from .lists import LISTS, NameLists, base_name
from .sales import SALES_FORMS, SalesForms
from .store import Store
from .tracking import TRACKING_PREFS, Tracking
from .us_sales_tax import us_tax_detail
from .values import CENT, as_json_number, clean, iso, money, ref_value, tax_line

GRATUITY_ITEM_ID = "GRATUITY_ITEM_ID"
MAX_DOC_NUMBER = 21
# The dates a transaction can carry (TxnDate, DueDate...): outside them QuickBooks answers a
# validation fault, never a server error. Intuit publishes no range; hatsync's note on issue
# 20 says why these years.
EARLIEST_DATE, LATEST_DATE = "1900-01-01", "2099-12-31"
DATE_FIELDS = ("TxnDate", "DueDate", "ShipDate")
MAX_ITEM_NAME = 100
MAX_DISPLAY_NAME = 500
US_TAX_CODES = ("TAX", "NON")

# Path segment (lower case, as python-quickbooks sends it) -> entity name.
ENTITY_PATHS = {
    "customer": "Customer",
    "item": "Item",
    "invoice": "Invoice",
    "payment": "Payment",
    "taxcode": "TaxCode",
    "taxrate": "TaxRate",
    "account": "Account",
    "preferences": "Preferences",
    "companyinfo": "CompanyInfo",
    "paymentmethod": "PaymentMethod",
    "term": "Term",
    "class": "Class",
    "department": "Department",
    "vendor": "Vendor",
    "employee": "Employee",
    "salesreceipt": "SalesReceipt",
    "refundreceipt": "RefundReceipt",
    "creditmemo": "CreditMemo",
    "deposit": "Deposit",
    "purchase": "Purchase",
    "companycurrency": "CompanyCurrency",
    "exchangerate": "ExchangeRate",
}
TRANSACTIONS = ("Invoice", "Payment", *SALES_FORMS)
WRITABLE = {"Customer", "Item", "CompanyCurrency", *LISTS, *TRANSACTIONS}
# Ids: name lists count on their own; transactions share one sequence, as in QBO.
ID_SPACES = {entity: "txn" for entity in TRANSACTIONS}
VOIDABLE = ("Invoice", "Payment", "SalesReceipt")
# The US pseudo tax codes, returned by TaxCode queries besides the stored codes (and, as
# Intuit's do, outside MAXRESULTS: a python-quickbooks integration test counts on it).
US_SYSTEM_TAX_CODES = ("TAX", "NON", "CustomSalesTax")
_BAD_NAME = re.compile(r"[:\x00-\x1f\x7f]")
_NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")

ISO3 = {"US": "USA", "CA": "CAN", "GB": "GBR", "AU": "AUS"}






CDC_MAX_DAYS = 30
CDC_MAX_OBJECTS = 1000


def _parse_time(value: str, element: str) -> float:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise faults.request_malformed(f"{element}={value}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()






def _decimal(value: Any, element: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise faults.request_malformed(element) from None


class Books(NameLists, SalesForms, Currencies, Tracking):
    """One company's books, read and written by the API handlers."""

    def __init__(self, store: Store, company: dict[str, Any], now: float) -> None:
        self.store = store
        self.company = company
        self.realm = company["realm_id"]
        self.prefs = company["preferences"]
        self.country = company["country"]
        self.now = now

    # reading ----------------------------------------------------------------------------
    def get(self, entity: str, entity_id: str) -> dict[str, Any]:
        if entity == "Preferences":
            return self.preferences()
        if entity == "CompanyInfo":
            return self.company_info()
        if entity == "TaxCode" and self.country == "US" and entity_id in US_SYSTEM_TAX_CODES:
            return self._us_system_tax_code(entity_id)
        found = self.store.entity(self.realm, entity, str(entity_id))
        if found is None:
            if entity in TRANSACTIONS and self.store.row(
                    "SELECT 1 FROM deleted WHERE realm_id = ? AND type = ? AND id = ?",
                    (self.realm, entity, str(entity_id))):
                raise faults.transaction_deleted(entity, entity_id)
            raise faults.object_not_found(entity, entity_id)
        return found

    def all(self, entity: str) -> list[dict[str, Any]]:
        if entity == "Preferences":
            return [self.preferences()]
        if entity == "CompanyInfo":
            return [self.company_info()]
        if entity == "ExchangeRate":
            return self.exchange_rates()
        if entity == "CompanyCurrency" and not self.multicurrency_enabled():
            return []
        return self.store.entities(self.realm, entity)

    def cdc(self, entities: str, changed_since: str) -> dict[str, Any]:
        """Change data capture: per entity, what changed since `changed_since` (ISO 8601),
        oldest first, deleted ones as `{"Id", "status": "Deleted", "MetaData"}`; at most
        CDC_MAX_OBJECTS per entity and CDC_MAX_DAYS back, as Intuit's."""
        names = [name.strip() for name in (entities or "").split(",") if name.strip()]
        if not names:
            raise faults.required_missing("entities")
        known = {value.lower(): value for value in ENTITY_PATHS.values()}
        unknown = [name for name in names if name.lower() not in known]
        if unknown:
            raise faults.request_malformed(f"entities={','.join(unknown)}")
        since = _parse_time(changed_since, "changedSince")
        if since < self.now - CDC_MAX_DAYS * 86400:
            raise faults.business_rule(
                f"changedSince may be at most {CDC_MAX_DAYS} days in the past.", "changedSince")
        responses = []
        for name in (known[n.lower()] for n in names):
            changed = [(_parse_time(e["MetaData"]["LastUpdatedTime"], "LastUpdatedTime"), e)
                       for e in self.store.entities(self.realm, name)
                       if e.get("MetaData", {}).get("LastUpdatedTime")]
            changed = [(t, e) for t, e in changed if t >= since]
            changed += [(row["time"], {"domain": "QBO", "status": "Deleted", "Id": row["id"],
                                       "MetaData": {"LastUpdatedTime": iso(row["time"])}})
                        for row in self.store.rows(
                            "SELECT id, time FROM deleted WHERE realm_id = ? AND type = ? "
                            "AND time >= ?", (self.realm, name, since))]
            changed.sort(key=lambda pair: pair[0])
            page = [entity for _, entity in changed[:CDC_MAX_OBJECTS]]
            responses.append({name: page, "startPosition": 1, "maxResults": len(page)})
        return {"CDCResponse": [{"QueryResponse": responses}]}

    def query(self, text: str) -> dict[str, Any]:
        parsed = query.parse(text)
        result = query.run(parsed, self._candidates(parsed))
        if parsed.entity == "TaxCode" and self.country == "US" and not parsed.count:
            system = query.run(dataclasses.replace(parsed, max_results=query.MAX_RESULTS), [
                self._us_system_tax_code(code) for code in US_SYSTEM_TAX_CODES])
            if system.get("TaxCode") and parsed.start_position == 1:
                codes = system["TaxCode"] + result.get("TaxCode", [])
                result = {"TaxCode": codes, "startPosition": 1, "maxResults": len(codes)}
        return result

    def _us_system_tax_code(self, code: str) -> dict[str, Any]:
        created = iso(self.company["created_at"])
        return {"Id": code, "SyncToken": "0", "Name": code, "Description": code,
                "Active": True, "Hidden": False, "Taxable": code != "NON",
                "TaxGroup": code != "NON", "domain": "QBO", "sparse": False,
                "MetaData": {"CreateTime": created, "LastUpdatedTime": created}}

    def _candidates(self, parsed: query.Query) -> list[dict[str, Any]]:
        """The entities a query can match: for `=` or `in` on a name or number, only those
        the database finds (a superset; `query.run` still decides), else all of them."""
        for cond in parsed.conditions:
            path = _NARROWED.get((parsed.entity, cond.field))
            values = cond.value if cond.op == "in" else [cond.value]
            if path and cond.op in ("=", "in") and all(
                isinstance(v, str) and v.isascii() and not _NUMBER.fullmatch(v) for v in values
            ):
                return self.store.entities_matching(self.realm, parsed.entity, path,
                                                    [v.lower() for v in values])
        return self.all(parsed.entity)

    def preferences(self) -> dict[str, Any]:
        """The complete Preferences object, as Intuit's sample companies answer it: what an
        app changed (stored), with the settings the control API owns laid over it."""
        prefs = self.store.entity(self.realm, "Preferences", "1") or self._default_preferences()
        gratuity = [{"Name": "SalesFormsPrefs.AllowGratuity",
                     "Value": "true" if self.prefs.get("gratuity") else "false"}]
        other = [pair for pair in prefs["OtherPrefs"]["NameValue"]
                 if pair["Name"] != "SalesFormsPrefs.AllowGratuity"]
        prefs["OtherPrefs"]["NameValue"] = other + (gratuity if self.country != "CA" else [])
        prefs["SalesFormsPrefs"]["CustomTxnNumbers"] = bool(self.prefs.get("custom_txn_numbers"))
        prefs["TaxPrefs"]["UsingSalesTax"] = bool(self.prefs.get("sales_tax"))
        prefs["TaxPrefs"]["PartnerTaxEnabled"] = (
            self.country == "US" and bool(self.prefs.get("automated_sales_tax", True)))
        prefs["CurrencyPrefs"]["HomeCurrency"] = {"value": self._home_currency()}
        prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = bool(self.prefs.get("multicurrency"))
        info = prefs["AccountingInfoPrefs"]
        for key, setting in TRACKING_PREFS.items():
            if setting in self.prefs:
                info[key] = self.prefs[setting]
        prefs["AccountingInfoPrefs"]["BookCloseDate"] = self.prefs.get("book_close_date", "")
        if self.prefs.get("plan") == "simple_start":  # the plan lacks these features
            prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = False
            prefs["AccountingInfoPrefs"].update(ClassTrackingPerTxn=False,
                                                ClassTrackingPerTxnLine=False,
                                                TrackDepartments=False)
        prefs.update(domain="QBO", sparse=False)
        return prefs

    def _iso_now(self) -> str:
        return iso(self.now)

    def _default_preferences(self) -> dict[str, Any]:
        created = iso(self.company["created_at"])
        message = "Thank you for your business and have a great day!"
        discounts = next((a for a in self.store.entities(self.realm, "Account")
                          if a.get("AccountSubType") == "DiscountsRefundsGiven"), None)
        email = {
            kind: {"Subject": f"{label} from {self.company['name']}",
                   "Message": f"Dear [Name],\n\nPlease find our {label.lower()} attached. "
                              "We appreciate your business.\n\nHave a great day!"}
            for kind, label in (("InvoiceMessage", "Invoice"), ("EstimateMessage", "Estimate"),
                                ("SalesReceiptMessage", "Sales Receipt"),
                                ("StatementMessage", "Statement"))
        }
        return {
            "Id": "1",
            "SyncToken": "0",
            "AccountingInfoPrefs": {
                "FirstMonthOfFiscalYear": "January", "UseAccountNumbers": True,
                "TaxYearMonth": "January", "ClassTrackingPerTxn": False,
                "ClassTrackingPerTxnLine": True, "TrackDepartments": True, "TaxForm": "6",
                "CustomerTerminology": "Customers", "BookCloseDate": "",
                "DepartmentTerminology": "Location",
            },
            "ProductAndServicesPrefs": {
                "ForSales": True, "ForPurchase": True, "QuantityWithPriceAndRate": True,
                "QuantityOnHand": True, "RevenueRecognition": False,
                "RevenueRecognitionFrequency": "Monthly",
            },
            "SalesFormsPrefs": {
                "CustomField": [], "CustomTxnNumbers": True, "AllowDeposit": True,
                "AllowDiscount": True, "DefaultDiscountAccount": discounts["Id"] if discounts
                else "", "AllowEstimates": True, "EstimateMessage": message,
                "ETransactionEnabledStatus": "NotApplicable", "ETransactionAttachPDF": False,
                "ETransactionPaymentEnabled": False, "IPNSupportEnabled": False,
                "AllowServiceDate": False, "AllowShipping": False,
                "DefaultShippingAccount": False, "DefaultTerms": {"value": "3"},
                "DefaultCustomerMessage": message, "EmailCopyToCompany": False,
                "UsingPriceLevels": False, "UsingProgressInvoicing": False,
                "AutoApplyCredit": True, "AutoApplyPayments": True, "PrintItemWithZeroAmount":
                False,
            },
            "EmailMessagesPrefs": email,
            "VendorAndPurchasesPrefs": {
                "TrackingByCustomer": True, "BillableExpenseTracking": True,
                "TPAREnabled": False, "DefaultTerms": {"value": "3"},
                "DefaultMarkupAccount": {}, "POCustomField": [],
            },
            "TimeTrackingPrefs": {
                "UseServices": True, "BillCustomers": True, "ShowBillRateToAll": False,
                "WorkWeekStartDate": "Monday", "MarkTimeEntriesBillable": True,
            },
            "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": self.country == "US"},
            "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": ""}},
            "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
            "OtherPrefs": {"NameValue": [
                {"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": message},
                {"Name": "SalesFormsPrefs.DefaultItem", "Value": "1"},
                {"Name": "DTXCopyMemo", "Value": "false"},
                {"Name": "UncategorizedAssetAccountId", "Value": ""},
                {"Name": "VendorAndPurchasesPrefs.UseBillPaymentMethod", "Value": "false"},
                {"Name": "SalesFormsPrefs.SalesEmailBcc", "Value": ""},
            ]},
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }

    def company_info(self) -> dict[str, Any]:
        created = iso(self.company["created_at"])
        return {
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CompanyName": self.company["name"],
            "LegalName": self.company["name"],
            "Country": self.country,
            # Intuit's 2025 answers: these three addresses name the country in ISO 3 letters.
            **{name: {"Id": str(n), "Country": ISO3.get(self.country, self.country)}
               for n, name in enumerate(("CompanyAddr", "CustomerCommunicationAddr",
                                         "LegalAddr"), start=1)},
            "SupportedLanguages": "en",
            "FiscalYearStartMonth": "January",
            "CompanyStartDate": created[:10],
            "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            ],
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }

    # writing ----------------------------------------------------------------------------
    def create(self, entity: str, payload: dict[str, Any], params: dict[str, str]) -> dict:
        if entity == "ExchangeRate":  # no Id: a rate is set for a currency and a date
            return self.set_exchange_rate(clean(payload))
        if entity not in WRITABLE:
            raise faults.unsupported_operation(f"create {entity}")
        data = clean(payload)
        for key in ("Id", "SyncToken", "sparse", "domain", "MetaData"):
            data.pop(key, None)
        data["Id"] = self.store.next_id(self.realm, ID_SPACES.get(entity, entity))
        data["SyncToken"] = "0"
        data["MetaData"] = {"CreateTime": iso(self.now), "LastUpdatedTime": iso(self.now)}
        self._dates_in_range(data)
        self._books_open(entity, data)
        return self._save(entity, data, None, params)

    def update(self, entity: str, payload: dict[str, Any], params: dict[str, str]) -> dict:
        if entity == "Preferences":
            data = clean(payload)
            return self._update_preferences(data, self._current(entity, data), params)
        if entity not in WRITABLE:
            raise faults.unsupported_operation(f"update {entity}")
        data = clean(payload)
        current = self._current(entity, data)
        if data.get("sparse") in (True, "true"):
            merged = copy.deepcopy(current)
            merged.update(data)
            data = merged
        data.pop("sparse", None)
        data.pop("domain", None)
        data["Id"] = current["Id"]
        data["SyncToken"] = str(int(current["SyncToken"]) + 1)
        data["MetaData"] = {
            "CreateTime": current["MetaData"]["CreateTime"],
            "LastUpdatedTime": iso(self.now),
        }
        self._dates_in_range(data)
        self._books_open(entity, current, data)
        return self._save(entity, data, current, params)

    @staticmethod
    def _dates_in_range(data: dict[str, Any]) -> None:
        """A date QuickBooks cannot hold (9999-12-31) is refused as an invalid property, as a
        date it cannot read is: 400, code 2010."""
        for field_name in DATE_FIELDS:
            value = data.get(field_name)
            if not value:
                continue
            try:
                parsed = datetime.strptime(str(value)[:10], "%Y-%m-%d").date().isoformat()
            except ValueError:
                raise faults.request_malformed(field_name) from None
            if not EARLIEST_DATE <= parsed <= LATEST_DATE:
                raise faults.request_malformed(field_name)

    def _books_open(self, entity: str, *versions: dict[str, Any]) -> None:
        """A transaction dated on or before the closing date cannot be added, changed, voided
        or deleted (the one being changed is checked as it is and as it would become)."""
        closed = self.prefs.get("book_close_date")
        if not closed or entity not in TRANSACTIONS:
            return
        today = datetime.fromtimestamp(self.now, UTC).date().isoformat()
        if any(str(v.get("TxnDate") or today)[:10] <= closed for v in versions):
            raise faults.account_period_closed(closed)

    def void(self, entity: str, payload: dict[str, Any]) -> dict:
        data = clean(payload)
        current = self._current(entity, data)
        self._books_open(entity, current)
        if entity == "Invoice":
            return self._void_invoice(current)
        if entity == "Payment":
            return self._void_payment(current)
        if entity == "SalesReceipt":
            return self._void_sales_form(entity, current)
        raise faults.unsupported_operation(f"void {entity}")

    def delete(self, entity: str, payload: dict[str, Any]) -> dict:
        if entity not in TRANSACTIONS:
            raise faults.unsupported_operation(
                f"delete {entity}" + (" (make it inactive instead: Active false)"
                                      if entity in WRITABLE else ""))
        current = self._current(entity, clean(payload))
        self._books_open(entity, current)
        if entity == "Payment":
            self._unapply_payment(current)
        elif entity == "Invoice":
            self._unlink_invoice_payments(current)
            self._move_stock(current, +1)
        else:
            self._undo_sales_form(entity, current)
        self.store.execute(
            "DELETE FROM entities WHERE realm_id = ? AND type = ? AND id = ?",
            (self.realm, entity, current["Id"]),
        )
        self.store.execute(  # remembered for change data capture
            "INSERT INTO deleted (realm_id, type, id, time) VALUES (?, ?, ?, ?)",
            (self.realm, entity, current["Id"], self.now),
        )
        self._refresh_customer_balance(ref_value(current.get("CustomerRef")))
        return {"Id": current["Id"], "status": "Deleted", "domain": "QBO"}

    def _current(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        if "Id" not in data:
            raise faults.required_missing("Id")
        if "SyncToken" not in data:
            raise faults.required_missing("SyncToken")
        current = self.get(entity, str(data["Id"]))
        if str(data["SyncToken"]) != str(current["SyncToken"]):
            raise faults.stale_object(entity, data["SyncToken"])
        return current

    def _save(self, entity: str, data: dict, current: dict | None, params: dict) -> dict:
        if entity in TRANSACTIONS:
            self._tracking_refs(data)
        if entity == "CompanyCurrency":
            return self._company_currency(data, current, params)
        if entity in LISTS:
            return self._named(entity, data, current, params)
        if entity in SALES_FORMS:
            return self._sales_form(entity, data, current, params)
        saver = {
            "Customer": self._customer,
            "Item": self._item,
            "Invoice": self._invoice,
            "Payment": self._payment,
        }[entity]
        return saver(data, current, params)

    # Customer ---------------------------------------------------------------------------
    def _customer(self, data: dict, current: dict | None, params: dict) -> dict:
        if not data.get("DisplayName"):
            parts = [str(data[p]) for p in _NAME_PARTS if data.get(p)]
            if parts:
                data["DisplayName"] = " ".join(parts)
            elif data.get("CompanyName"):
                data["DisplayName"] = data["CompanyName"]
            else:
                raise faults.required_missing("DisplayName")
        name = str(data["DisplayName"])
        if data.get("Active") is False and not name.endswith(" (deleted)"):
            name = f"{name} (deleted)"  # QBO renames inactive names so they stay unique
            data["DisplayName"] = name
        elif data.get("Active") is not False and name.endswith(" (deleted)"):
            name = name[: -len(" (deleted)")]  # made active again: the suffix goes
            data["DisplayName"] = name
        self._check_name(name, "DisplayName", MAX_DISPLAY_NAME)
        self._check_person_name(name, "Customer", data["Id"])
        self._customer_currency(data, current)
        data.setdefault("Active", True)
        data["FullyQualifiedName"] = name
        data.setdefault("PrintOnCheckName", name)
        data["Balance"] = current["Balance"] if current else 0
        data["BalanceWithJobs"] = data["Balance"]
        data.setdefault("Taxable", self.country == "US")
        data["Job"] = False
        data["BillWithParent"] = False
        data["Level"] = 0
        data.pop("IsProject", None)
        data.setdefault("PreferredDeliveryMethod", "Print")
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Customer", data)
        return data

    # Item -------------------------------------------------------------------------------
    def _item(self, data: dict, current: dict | None, params: dict) -> dict:
        name = data.get("Name")
        if not name:
            raise faults.required_missing("Name")
        name = str(name)
        if data.get("Active") is False and not name.endswith(" (deleted)"):
            name = f"{name} (deleted)"
            data["Name"] = name
        elif data.get("Active") is not False and name.endswith(" (deleted)"):
            name = name[: -len(" (deleted)")]
            data["Name"] = name
        self._check_name(name, "Name", MAX_ITEM_NAME)
        data.setdefault("Type", "Service")
        if data["Type"] not in ("Service", "NonInventory", "Inventory"):
            raise faults.business_rule(
                f"Item Type {data['Type']} is not supported by this sandbox; use Service, "
                "NonInventory or Inventory.", "Type",
            )
        self._item_account(data, "IncomeAccountRef", ("Revenue",), required=True)
        inventory = data["Type"] == "Inventory"
        self._item_account(data, "ExpenseAccountRef", ("Expense",), required=inventory)
        self._item_account(data, "AssetAccountRef", ("Asset",), required=inventory)
        if inventory:
            if data.get("TrackQtyOnHand") is not True:
                raise faults.business_rule(
                    "An inventory item must track its quantity (TrackQtyOnHand true).",
                    "TrackQtyOnHand")
            if current is None and data.get("QtyOnHand") is None:
                raise faults.required_missing("QtyOnHand")
            if not data.get("InvStartDate"):
                raise faults.required_missing("InvStartDate")
            qty = _decimal(data.get("QtyOnHand"), "QtyOnHand")
            if current is not None:
                qty = Decimal(str(current.get("QtyOnHand", 0)))  # moved by transactions only
            data["QtyOnHand"] = as_json_number(qty or Decimal(0))
        else:
            data["TrackQtyOnHand"] = False
            for key in ("QtyOnHand", "InvStartDate", "ReorderPoint"):
                data.pop(key, None)
        for other_id, other_name in self.store.values(self.realm, "Item", "$.Name"):
            if other_id != data["Id"] and base_name(str(other_name)) == base_name(name):
                raise faults.duplicate_item_name()
        data.setdefault("Active", True)
        data["FullyQualifiedName"] = name
        data.setdefault("UnitPrice", 0)
        data.setdefault("Taxable", False)
        data["SubItem"] = False
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Item", data)
        return data

    def _item_account(self, data: dict, key: str, classes: tuple[str, ...], *,
                      required: bool) -> None:
        account_id = ref_value(data.get(key))
        if account_id is None:
            if required:
                raise faults.required_missing(key)
            data.pop(key, None)
            return
        account = self.store.entity(self.realm, "Account", account_id)
        if account is None or account.get("Classification") not in classes:
            raise faults.invalid_reference(key, account_id)
        data[key] = {"value": account_id, "name": account["Name"]}

    def _check_name(self, name: str, element: str, limit: int) -> None:
        if _BAD_NAME.search(name):
            raise faults.invalid_name_characters(element)
        if len(name) > limit or not name.strip():
            raise faults.string_length(element)

    # Invoice ----------------------------------------------------------------------------
    def _invoice(self, data: dict, current: dict | None, params: dict) -> dict:
        if current is not None and current.get("PrivateNote") == "Voided":
            raise faults.business_rule("A voided transaction can't be edited.")
        customer = self._customer_ref(data)
        code, rate = self._txn_currency(data, customer)
        self._invoice_number(data, current, params)
        self._invoice_dates(data)
        total = self._sales_totals(data)
        applied = self._applied_to(current) if current else Decimal(0)
        deposit = money(_decimal(data.get("Deposit"), "Deposit") or 0)
        if deposit:
            self._deposit_account(data, required=False)
        if total < applied + deposit:
            raise faults.business_rule(
                "The invoice total can't be less than the payments already applied to it"
                + (" plus its deposit." if deposit else ".")
            )
        data["TotalAmt"] = as_json_number(money(total))
        data["HomeTotalAmt"] = data["TotalAmt"]
        data["Balance"] = as_json_number(money(total - applied - deposit))
        data["HomeBalance"] = data["Balance"]
        self._home_amounts(data, rate)
        if code != self._home_currency():
            receivable = self._receivable_account(code)
            data["ARAccountRef"] = {"value": receivable["Id"], "name": receivable["Name"]}
        data["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
        data["LinkedTxn"] = current.get("LinkedTxn", []) if current else []
        data.setdefault("GlobalTaxCalculation", "TaxExcluded")
        data.setdefault("PrintStatus", "NotSet")
        data.setdefault("EmailStatus", "NotSet")
        for key in ("Deposit", "AllowIPNPayment", "AllowOnlinePayment", "FreeFormAddress",
                    "AllowOnlineCreditCardPayment", "AllowOnlineACHPayment"):
            if data.get(key) in (0, False):
                data.pop(key, None)  # python-quickbooks defaults, not part of QBO's answer
        if not deposit:
            data.pop("DepositToAccountRef", None)
        data.pop("InvoiceLink", None)  # read only: answered on request (include=invoiceLink)
        data.update(domain="QBO", sparse=False)
        if current is not None:
            self._move_stock(current, +1)
        self._move_stock(data, -1)
        self.store.put_entity(self.realm, "Invoice", data)
        self._refresh_customer_balance(customer["Id"])
        if current and ref_value(current.get("CustomerRef")) != customer["Id"]:
            self._refresh_customer_balance(ref_value(current.get("CustomerRef")))
        return data

    def _sales_totals(self, data: dict) -> Decimal:
        """Lines, discount, tax and the subtotal line of a sales form (invoice, sales or
        refund receipt, credit memo), as QuickBooks computes them; returns the total. A
        discount applies, before tax, to the sales lines above it (a tip line after it is not
        discounted): each tax code's taxable amount above it shrinks in proportion."""
        if not data.get("Line"):
            raise faults.required_missing("Line")
        lines, _ = self._invoice_lines(data["Line"])
        subtotal = Decimal(0)
        discount = Decimal(0)
        above: dict[str, Decimal] = {}  # taxable amounts per code not yet under a discount
        taxable: dict[str, Decimal] = {}
        for line in lines:
            if line["DetailType"] == "SalesItemLineDetail":
                amount = Decimal(str(line["Amount"]))
                subtotal += amount
                code = ref_value(line["SalesItemLineDetail"].get("TaxCodeRef"))
                if code is not None:
                    above[code] = above.get(code, Decimal(0)) + amount
            elif line["DetailType"] == "DiscountLineDetail":
                base = subtotal - discount
                amount = self._discount(line, base)
                if amount and base:
                    share = (base - amount) / base
                    above = {code: value * share for code, value in above.items()}
                discount += amount
                for code, value in above.items():
                    taxable[code] = taxable.get(code, Decimal(0)) + value
                above = {}
        for code, value in above.items():
            taxable[code] = taxable.get(code, Decimal(0)) + value
        tax, tax_detail, inclusive = self._invoice_tax(data, taxable)
        total = subtotal - discount + (Decimal(0) if inclusive else tax)
        lines.append({
            "Amount": as_json_number(money(subtotal)),
            "DetailType": "SubTotalLineDetail",
            "SubTotalLineDetail": {},
        })
        data["Line"] = lines
        data["TxnTaxDetail"] = tax_detail
        return total

    def _discount(self, line: dict, base: Decimal) -> Decimal:
        """One DiscountLineDetail line: a percent of the sales lines above it or an amount,
        posted to a discount account (default: the company's "Discounts given")."""
        detail = line.setdefault("DiscountLineDetail", {})
        percent = _decimal(detail.get("DiscountPercent"), "DiscountPercent")
        if detail.get("PercentBased") in (True, "true") or (
                percent and line.get("Amount") in (None, 0, "0")):
            if percent is None or not 0 <= percent <= 100:
                raise faults.business_rule(
                    "A percent-based discount needs DiscountPercent between 0 and 100.",
                    "DiscountPercent")
            amount = money(base * percent / 100)
            detail.update(PercentBased=True, DiscountPercent=as_json_number(percent))
        else:
            amount = money(_decimal(line.get("Amount"), "Amount") or 0)
            detail["PercentBased"] = False
            detail.pop("DiscountPercent", None)
        if amount < 0:
            raise faults.business_rule("A discount can't be negative.", "Amount")
        if amount > base:
            raise faults.business_rule(
                f"The discount ({amount}) is more than the subtotal above it ({base}).", "Line")
        account_id = ref_value(detail.get("DiscountAccountRef"))
        if account_id is None:
            default = next((a for a in self.store.entities(self.realm, "Account")
                            if a.get("AccountSubType") == "DiscountsRefundsGiven"), None)
            account_id = default["Id"] if default else None
        if account_id is not None:
            account = self.store.entity(self.realm, "Account", account_id)
            if account is None:
                raise faults.invalid_reference("DiscountAccountRef", account_id)
            detail["DiscountAccountRef"] = {"value": account_id, "name": account["Name"]}
        line["Amount"] = as_json_number(amount)
        return amount

    def _deposit_account(self, data: dict, *, required: bool,
                         key: str = "DepositToAccountRef") -> dict | None:
        """Where money lands (or leaves from): a bank, credit card or other current asset
        account (e.g. Undeposited Funds, the default when absent and not required)."""
        account_id = ref_value(data.get(key))
        if account_id is None:
            if required:
                raise faults.required_missing(key)
            default = next((a for a in self.store.entities(self.realm, "Account")
                            if a.get("AccountSubType") == "UndepositedFunds"), None)
            if default is None:
                data.pop(key, None)
                return None
            account_id = default["Id"]
        account = self.store.entity(self.realm, "Account", account_id)
        if account is None or account.get("AccountType") not in (
                "Bank", "Other Current Asset", "Credit Card"):
            raise faults.invalid_reference(key, account_id)
        data[key] = {"value": account_id, "name": account["Name"]}
        return account

    def _move_stock(self, txn: dict, sign: int) -> None:
        """Inventory items' QtyOnHand moves with the quantities sold (-1) or returned and
        bought (+1), as QuickBooks does; a voided transaction has moved nothing."""
        if txn.get("PrivateNote") == "Voided":
            return
        for line in txn.get("Line", []):
            detail = line.get("SalesItemLineDetail") or line.get("ItemBasedExpenseLineDetail")
            item_id = ref_value((detail or {}).get("ItemRef"))
            if item_id is None or item_id == GRATUITY_ITEM_ID:
                continue
            item = self.store.entity(self.realm, "Item", item_id)
            if item is None or not item.get("TrackQtyOnHand"):
                continue
            qty = Decimal(str(detail.get("Qty") or 1))
            item["QtyOnHand"] = as_json_number(Decimal(str(item.get("QtyOnHand", 0)))
                                               + sign * qty)
            item["SyncToken"] = str(int(item["SyncToken"]) + 1)
            item["MetaData"]["LastUpdatedTime"] = iso(self.now)
            self.store.put_entity(self.realm, "Item", item)

    def invoice_link(self, invoice: dict, base_url: str) -> dict:
        """`include=invoiceLink`: QuickBooks answers a customer-facing https link when the
        invoice can be paid online and has a BillEmail."""
        online = any(invoice.get(key) for key in (
            "AllowOnlinePayment", "AllowOnlineCreditCardPayment", "AllowOnlineACHPayment"))
        email = (invoice.get("BillEmail") or {}).get("Address")
        if online and email and invoice.get("PrivateNote") != "Voided":
            token = hashlib.sha256(f"{self.realm}:{invoice['Id']}".encode()).hexdigest()[:32]
            host = base_url.split("://", 1)[-1]
            invoice = {**invoice, "InvoiceLink":
                       f"https://{host}/portal/app/CommerceNetwork/view/scs-v1-{token}"}
        return invoice

    def _customer_ref(self, data: dict) -> dict:
        customer_id = ref_value(data.get("CustomerRef"))
        if customer_id is None:
            raise faults.required_missing("CustomerRef")
        customer = self.store.entity(self.realm, "Customer", customer_id)
        if customer is None or not customer.get("Active", True):
            raise faults.invalid_reference("CustomerRef", customer_id)
        return customer

    def _invoice_number(self, data: dict, current: dict | None, params: dict) -> None:
        custom = bool(self.prefs.get("custom_txn_numbers"))
        sent = data.get("DocNumber")
        if not custom:
            # QBO numbers the invoice itself and ignores a number sent with the create.
            data["DocNumber"] = current["DocNumber"] if current else self._next_doc_number()
            return
        if sent is None:
            data["DocNumber"] = current["DocNumber"] if current else self._next_doc_number()
            return
        sent = str(sent)
        if len(sent) > MAX_DOC_NUMBER:
            raise faults.string_length("DocNumber")
        data["DocNumber"] = sent
        allow_duplicate = "allowduplicatedocnum" in params.get("include", "").lower()
        if self.prefs.get("duplicate_doc_number_check", True) and not allow_duplicate:
            # One number whatever its capitals, as QuickBooks' queries compare it (README).
            for other in self.store.entities_matching(self.realm, "Invoice", "$.DocNumber",
                                                      [sent.lower()]):
                if (other["Id"] != data["Id"]
                        and str(other.get("DocNumber", "")).casefold() == sent.casefold()):
                    raise faults.duplicate_doc_number(sent, "Invoice", other["Id"])

    def _next_doc_number(self) -> str:
        numbers = [
            int(number) for _, number in self.store.values(self.realm, "Invoice", "$.DocNumber")
            if str(number or "").isdigit()
        ]
        return str(max([1000, *numbers]) + 1)

    def _invoice_dates(self, data: dict) -> None:
        today = datetime.fromtimestamp(self.now, UTC).date()
        txn_date = data.get("TxnDate") or today.isoformat()
        try:
            parsed = datetime.strptime(str(txn_date)[:10], "%Y-%m-%d").date()
        except ValueError:
            raise faults.request_malformed("TxnDate") from None
        data["TxnDate"] = parsed.isoformat()
        if not data.get("DueDate"):  # computed only when needed: 30 days on may not exist
            data["DueDate"] = min(parsed + timedelta(days=30),
                                  date.fromisoformat(LATEST_DATE)).isoformat()

    def _invoice_lines(self, sent: list[dict]) -> tuple[list[dict], dict[str, Decimal]]:
        """Validate and complete the lines; also sum the taxable amounts per tax code."""
        lines: list[dict] = []
        taxable: dict[str, Decimal] = {}
        for raw in sent:
            line = clean(raw)
            for empty in ("LinkedTxn", "CustomField", "LineNum"):
                if not line.get(empty):
                    line.pop(empty, None)
            kind = line.get("DetailType")
            if kind == "SubTotalLineDetail":
                continue  # QBO recomputes the subtotal
            if kind == "DescriptionOnly":
                line["Amount"] = 0
                line.setdefault("DescriptionLineDetail", {})
                line["DetailType"] = "DescriptionOnly"
            elif kind == "DiscountLineDetail":
                line["Amount"] = as_json_number(money(_decimal(line.get("Amount"), "Amount")
                                                      or 0))
            elif kind == "SalesItemLineDetail":
                code, amount = self._sales_line(line)
                if code is not None:
                    taxable[code] = taxable.get(code, Decimal(0)) + amount
            elif not kind:
                raise faults.required_missing("DetailType")
            else:
                raise faults.request_malformed(f"Line.DetailType={kind}")
            line["Id"] = str(len(lines) + 1)
            line["LineNum"] = len(lines) + 1
            lines.append(line)
        if not any(line["DetailType"] == "SalesItemLineDetail" for line in lines):
            raise faults.required_missing("Line")
        return lines, taxable

    def _sales_line(self, line: dict) -> tuple[str | None, Decimal]:
        detail = line.setdefault("SalesItemLineDetail", {})
        item_id = ref_value(detail.get("ItemRef")) or "1"  # QBO's default "Services" item
        if item_id == GRATUITY_ITEM_ID:
            if self.country == "CA" or not self.prefs.get("gratuity"):
                raise faults.business_rule(
                    "Gratuity is not enabled for this company. Turn on tips (Account and "
                    "Settings > Sales > Tips) before sending a line with ItemRef "
                    "GRATUITY_ITEM_ID.", "ItemRef",
                )
            detail["ItemRef"] = {"value": GRATUITY_ITEM_ID, "name": "Gratuity"}
        else:
            item = self.store.entity(self.realm, "Item", item_id)
            if item is None or not item.get("Active", True):
                raise faults.invalid_reference("ItemRef", item_id)
            detail["ItemRef"] = {"value": item_id, "name": item["Name"]}
        amount = self._line_amount(line, detail)
        if item_id == GRATUITY_ITEM_ID:
            detail.pop("TaxCodeRef", None)
            return None, amount
        code = ref_value(detail.get("TaxCodeRef"))
        if self.country == "US":
            code = (code or "NON").upper()
            if code not in US_TAX_CODES:
                raise faults.business_rule(
                    f"Invalid tax code {code!r}: US sales lines use TaxCodeRef TAX or NON.",
                    "TaxCodeRef",
                )
            detail["TaxCodeRef"] = {"value": code}
            return code, amount
        if code is None:
            label = {"CA": "GST/HST", "GB": "VAT", "AU": "GST"}[self.country]
            raise faults.business_rule(
                f"Make sure all your transactions have a {label} rate before you save. Every "
                "sales line needs SalesItemLineDetail.TaxCodeRef (the Id of a TaxCode).",
                "TaxCodeRef",
            )
        tax_code = self.store.entity(self.realm, "TaxCode", code)
        if tax_code is None:
            raise faults.invalid_reference("TaxCodeRef", code)
        detail["TaxCodeRef"] = {"value": code}
        return code, amount

    def _line_amount(self, line: dict, detail: dict) -> Decimal:
        amount = _decimal(line.get("Amount"), "Amount")
        qty = _decimal(detail.get("Qty"), "Qty") or None  # the library sends 0 when unset
        price = _decimal(detail.get("UnitPrice"), "UnitPrice") or None
        if amount is None:
            if price is None:
                raise faults.required_missing("Amount")
            amount = (qty or Decimal(1)) * price
            detail.setdefault("Qty", as_json_number(qty or Decimal(1)))
        elif qty is not None and price is not None:
            if abs(qty * price - amount) > CENT:
                raise QBOFault(
                    6070,
                    "Amount is not equal to UnitPrice * Qty",
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                    element="Amount",
                )
        for key in ("Qty", "UnitPrice"):
            if detail.get(key) in (0, "0"):
                detail.pop(key)
        if not detail.get("TaxInclusiveAmt"):
            detail.pop("TaxInclusiveAmt", None)
        amount = money(amount)
        line["Amount"] = as_json_number(amount)
        return amount

    def _invoice_tax(
        self, data: dict, taxable: dict[str, Decimal]
    ) -> tuple[Decimal, dict, bool]:
        mode = data.get("GlobalTaxCalculation", "TaxExcluded")
        inclusive = mode == "TaxInclusive"
        sent = data.get("TxnTaxDetail") or {}
        if self.country == "US":
            _decimal(sent.get("TotalTax"), "TotalTax")
            total, detail = us_tax_detail(self.store, self.realm, self.prefs, sent,
                                          taxable.get("TAX", Decimal(0)))
            return total, detail, False
        if mode == "NotApplicable":
            return Decimal(0), {"TotalTax": 0}, False
        tax_lines = []
        total = Decimal(0)
        for code_id, base in taxable.items():
            code = self.store.entity(self.realm, "TaxCode", code_id)
            for rate_detail in code["SalesTaxRateList"]["TaxRateDetail"]:
                rate = self.store.entity(self.realm, "TaxRate",
                                         rate_detail["TaxRateRef"]["value"])
                percent = Decimal(str(rate["RateValue"]))
                if inclusive:
                    amount = money(base * percent / (100 + percent))
                    net = base - amount
                else:
                    amount = money(base * percent / 100)
                    net = base
                total += amount
                tax_lines.append(tax_line(rate, percent, amount, net))
        return total, {"TotalTax": as_json_number(money(total)), "TaxLine": tax_lines}, inclusive

    def _applied_to(self, invoice: dict) -> Decimal:
        return money(Decimal(str(invoice["TotalAmt"])) - Decimal(str(invoice["Balance"])))

    def _void_invoice(self, invoice: dict) -> dict:
        self._unlink_invoice_payments(invoice)
        self._move_stock(invoice, +1)
        invoice = self.store.entity(self.realm, "Invoice", invoice["Id"])
        self._voided(invoice)
        invoice.update(HomeBalance=0, LinkedTxn=[])
        self.store.put_entity(self.realm, "Invoice", invoice)
        self._refresh_customer_balance(ref_value(invoice["CustomerRef"]))
        return invoice

    def _voided(self, txn: dict) -> None:
        """A sales form as QuickBooks keeps it once voided: every amount 0, "Voided"."""
        for line in txn.get("Line", []):
            line["Amount"] = 0
            detail = line.get("SalesItemLineDetail")
            if detail:
                detail.pop("Qty", None)
                detail["UnitPrice"] = 0
        txn["TxnTaxDetail"] = {"TotalTax": 0}
        txn.update(TotalAmt=0, HomeTotalAmt=0, Balance=0, PrivateNote="Voided")
        txn["SyncToken"] = str(int(txn["SyncToken"]) + 1)
        txn["MetaData"]["LastUpdatedTime"] = iso(self.now)

    def _unlink_invoice_payments(self, invoice: dict) -> None:
        """Payments applied to a voided or deleted invoice become unapplied credit."""
        for link in invoice.get("LinkedTxn", []):
            if link.get("TxnType") != "Payment":
                continue
            payment = self.store.entity(self.realm, "Payment", str(link["TxnId"]))
            if payment is None:
                continue
            kept = []
            for line in payment.get("Line", []):
                ids = [str(t.get("TxnId")) for t in line.get("LinkedTxn", [])]
                if invoice["Id"] in ids:
                    payment["UnappliedAmt"] = as_json_number(money(
                        Decimal(str(payment.get("UnappliedAmt", 0))) + Decimal(str(line["Amount"]))
                    ))
                else:
                    kept.append(line)
            payment["Line"] = kept
            payment["SyncToken"] = str(int(payment["SyncToken"]) + 1)
            self.store.put_entity(self.realm, "Payment", payment)

    # Payment ----------------------------------------------------------------------------
    def _payment(self, data: dict, current: dict | None, params: dict) -> dict:
        if current is not None and current.get("PrivateNote") == "Voided":
            raise faults.business_rule("A voided transaction can't be edited.")
        customer = self._customer_ref(data)
        code, rate = self._txn_currency(data, customer)
        total = _decimal(data.get("TotalAmt"), "TotalAmt")
        if total is None:
            raise faults.required_missing("TotalAmt")
        total = money(total)
        if total < 0:
            raise faults.business_rule("The payment amount can't be negative.", "TotalAmt")
        ref_num = data.get("PaymentRefNum")
        if ref_num is not None and len(str(ref_num)) > MAX_DOC_NUMBER:
            raise faults.string_length("PaymentRefNum")
        self._invoice_dates(data)
        data.pop("DueDate", None)
        self._money_account_currency(self._deposit_account(data, required=False), code,
                                     "DepositToAccountRef")
        self._payment_method(data)
        # Work out the new applications against balances without this payment's old ones.
        old = self._applications(current) if current else {}
        lines, applied = [], Decimal(0)
        new: dict[str, Decimal] = {}
        for raw in data.get("Line", []):
            line = clean(raw)
            amount = money(_decimal(line.get("Amount"), "Amount") or 0)
            links = [t for t in line.get("LinkedTxn", []) if t]
            if not links:
                raise faults.required_missing("Line.LinkedTxn")
            for link in links:
                txn_id = str(link.get("TxnId", ""))
                if link.get("TxnType", "Invoice") != "Invoice":
                    raise faults.business_rule(
                        f"This sandbox applies payments to invoices only, not "
                        f"{link.get('TxnType')}.", "LinkedTxn")
                invoice = self.store.entity(self.realm, "Invoice", txn_id)
                if invoice is None:
                    raise faults.invalid_reference("LinkedTxn", txn_id)
                invoice_code = self._currency_code(invoice.get("CurrencyRef"))
                if invoice_code and invoice_code != code:
                    raise faults.business_rule(
                        f"Invoice {txn_id} is in {invoice_code} and the payment in {code}: a "
                        "payment is applied only to transactions in its own currency.",
                        "LinkedTxn")
                if ref_value(invoice["CustomerRef"]) != customer["Id"]:
                    raise faults.business_rule(
                        f"Invoice {txn_id} belongs to a different customer than the payment's "
                        "CustomerRef; a payment can only be applied to its own customer's "
                        "invoices.", "LinkedTxn")
                open_balance = Decimal(str(invoice["Balance"])) + old.get(txn_id, Decimal(0))
                if amount + new.get(txn_id, Decimal(0)) > open_balance:
                    raise faults.business_rule(
                        f"The amount applied to invoice {txn_id} ({amount}) is more than its open "
                        f"balance ({open_balance}).", "Line.Amount")
                new[txn_id] = new.get(txn_id, Decimal(0)) + amount
                link["TxnId"] = txn_id
                link["TxnType"] = "Invoice"
                link.pop("TxnLineId", None)
            line["Amount"] = as_json_number(amount)
            line["LinkedTxn"] = links
            applied += amount
            lines.append(line)
        if applied > total:
            raise faults.business_rule(
                f"The amounts applied ({applied}) add up to more than the payment's TotalAmt "
                f"({total}).", "TotalAmt")
        if current:
            self._unapply_payment(current)
        data["Line"] = lines
        data["TotalAmt"] = as_json_number(total)
        data["UnappliedAmt"] = as_json_number(total - applied)
        if code != self._home_currency():
            self._home_amounts(data, rate)
            receivable = self._receivable_account(code)
            data["ARAccountRef"] = {"value": receivable["Id"], "name": receivable["Name"]}
        data["ProcessPayment"] = False
        data["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Payment", data)
        for txn_id, amount in new.items():
            self._apply_to_invoice(txn_id, data["Id"], amount)
        self._refresh_customer_balance(customer["Id"])
        return data

    def _payment_method(self, data: dict) -> None:
        method_id = ref_value(data.get("PaymentMethodRef"))
        if method_id is None:
            data.pop("PaymentMethodRef", None)
            return
        method = self.store.entity(self.realm, "PaymentMethod", method_id)
        if method is None or not method.get("Active", True):  # as an inactive customer's
            raise faults.invalid_reference("PaymentMethodRef", method_id)
        data["PaymentMethodRef"] = {"value": method_id, "name": method["Name"]}

    def _applications(self, payment: dict) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for line in payment.get("Line", []):
            for link in line.get("LinkedTxn", []):
                txn_id = str(link["TxnId"])
                result[txn_id] = result.get(txn_id, Decimal(0)) + Decimal(str(line["Amount"]))
        return result

    def _apply_to_invoice(self, txn_id: str, payment_id: str, amount: Decimal) -> None:
        invoice = self.store.entity(self.realm, "Invoice", txn_id)
        invoice["Balance"] = as_json_number(money(Decimal(str(invoice["Balance"])) - amount))
        invoice["HomeBalance"] = _home_balance(invoice)
        links = invoice.setdefault("LinkedTxn", [])
        if not any(link.get("TxnId") == payment_id for link in links):
            links.append({"TxnId": payment_id, "TxnType": "Payment"})
        invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
        invoice["MetaData"]["LastUpdatedTime"] = iso(self.now)
        self.store.put_entity(self.realm, "Invoice", invoice)

    def _unapply_payment(self, payment: dict) -> None:
        for txn_id, amount in self._applications(payment).items():
            invoice = self.store.entity(self.realm, "Invoice", txn_id)
            if invoice is None:
                continue
            invoice["Balance"] = as_json_number(money(Decimal(str(invoice["Balance"])) + amount))
            invoice["HomeBalance"] = _home_balance(invoice)
            invoice["LinkedTxn"] = [
                link for link in invoice.get("LinkedTxn", []) if link.get("TxnId") != payment["Id"]
            ]
            invoice["SyncToken"] = str(int(invoice["SyncToken"]) + 1)
            self.store.put_entity(self.realm, "Invoice", invoice)

    def _void_payment(self, payment: dict) -> dict:
        self._unapply_payment(payment)
        payment.update(TotalAmt=0, UnappliedAmt=0, PrivateNote="Voided")
        for line in payment.get("Line", []):
            line["Amount"] = 0
        payment["SyncToken"] = str(int(payment["SyncToken"]) + 1)
        payment["MetaData"]["LastUpdatedTime"] = iso(self.now)
        self.store.put_entity(self.realm, "Payment", payment)
        self._refresh_customer_balance(ref_value(payment["CustomerRef"]))
        return payment

    def _refresh_customer_balance(self, customer_id: str | None) -> None:
        if customer_id is None:
            return
        customer = self.store.entity(self.realm, "Customer", customer_id)
        if customer is None:
            return
        balance = Decimal(0)
        mine = ("$.CustomerRef.value", customer_id)
        for _, open_balance in self.store.values(self.realm, "Invoice", "$.Balance", mine):
            balance += Decimal(str(open_balance))
        for _, unapplied in self.store.values(self.realm, "Payment", "$.UnappliedAmt", mine):
            balance -= Decimal(str(unapplied or 0))
        for _, credit in self.store.values(self.realm, "CreditMemo", "$.RemainingCredit", mine):
            balance -= Decimal(str(credit or 0))
        customer["Balance"] = as_json_number(money(balance))
        customer["BalanceWithJobs"] = customer["Balance"]
        self.store.put_entity(self.realm, "Customer", customer)


def _home_balance(invoice: dict) -> Any:
    """An invoice's open balance in home units, at its own exchange rate."""
    rate = Decimal(str(invoice.get("ExchangeRate") or 1))
    return as_json_number(money(Decimal(str(invoice["Balance"])) * rate))


_NARROWED = {("Invoice", "DocNumber"): "$.DocNumber", ("Customer", "DisplayName"): "$.DisplayName",
             ("Item", "Name"): "$.Name"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")  # the query compares these as numbers

