"""QBO's business rules per entity: validation, numbering, totals, tax, balances and payments.

`Books` works on one company (realm) inside one store transaction. Every write validates
first and only then stores, so a fault leaves nothing half-written (a batch relies on this).
This module holds what every entity shares: reading, querying, and the write path (create,
update, void, delete, chosen by operation and Id); each family's rules are a mixin in its own
module (customers_items, invoices, payments, sales_lines, sales, lists, currencies, tracking,
company_settings), the registry of entities is `catalog`.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

from . import cdc, faults, query
from .attachables import Attachables
from .banking import Banking
from .catalog import (
    BANKING_TXNS,
    DATE_FIELDS,
    DELETABLE,
    EARLIEST_DATE,
    ID_SPACES,
    LATEST_DATE,
    TRANSACTIONS,
    VENDOR_TXNS,
    WRITABLE,
)
from .company_settings import CompanySettings
from .currencies import Currencies
from .customers_items import CustomersItems
from .estimates import Estimates
from .invoices import Invoices
from .lists import LISTS, NameLists
from .payments import Payments
from .purchases import VendorTransactions
from .recurring import Recurring
from .sales import SALES_FORMS, SalesForms
from .sales_lines import SalesLines
from .store import Store
from .taxes import TaxSetup
from .time_activities import TimeActivities
from .tracking import Tracking
from .values import clean, iso, ref_value

# The US pseudo tax codes, returned by TaxCode queries besides the stored codes (and, as
# Intuit's do, outside MAXRESULTS: a python-quickbooks integration test counts on it).
US_SYSTEM_TAX_CODES = ("TAX", "NON", "CustomSalesTax")


class Books(CustomersItems, Invoices, Payments, SalesLines, Estimates, VendorTransactions,
            Banking, Attachables, TimeActivities, Recurring, TaxSetup, CompanySettings,
            NameLists, SalesForms, Currencies, Tracking):

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
        if entity == "RecurringTransaction":
            return self.recurring_answer(found)
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
        """Change data capture: see `cdc.changes`."""
        return cdc.changes(self.store, self.realm, self.now, entities, changed_since)


    def query(self, text: str) -> dict[str, Any]:
        parsed = query.parse(text)
        result = query.run(parsed, self._candidates(parsed))
        if parsed.entity == "TaxCode" and self.country == "US" and not parsed.count:
            system = query.run(dataclasses.replace(parsed, max_results=query.MAX_RESULTS), [
                self._us_system_tax_code(code) for code in US_SYSTEM_TAX_CODES])
            if system.get("TaxCode") and parsed.start_position == 1:
                codes = system["TaxCode"] + result.get("TaxCode", [])
                result = {"TaxCode": codes, "startPosition": 1, "maxResults": len(codes)}
        if parsed.entity == "RecurringTransaction" and result.get("RecurringTransaction"):
            result["RecurringTransaction"] = [self.recurring_answer(row)
                                              for row in result["RecurringTransaction"]]
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

    # writing ----------------------------------------------------------------------------
    def create(self, entity: str, payload: dict[str, Any], params: dict[str, str]) -> dict:
        if entity == "ExchangeRate":  # no Id: a rate is set for a currency and a date
            return self.set_exchange_rate(clean(payload))
        if entity == "RecurringTransaction":  # the Id is the template's, inside it
            return self.recurring_write(payload, params)
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
        if entity == "RecurringTransaction":
            return self.recurring_write(payload, params)
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
        if entity == "BillPayment":
            return self._void_bill_payment(current)
        raise faults.unsupported_operation(f"void {entity}")

    def delete(self, entity: str, payload: dict[str, Any]) -> dict:
        if entity == "RecurringTransaction":
            return self.recurring_write(payload, {"operation": "delete"})
        if entity not in DELETABLE:
            raise faults.unsupported_operation(
                f"delete {entity}" + (" (make it inactive instead: Active false)"
                                      if entity in WRITABLE else ""))
        current = self._current(entity, clean(payload))
        self._books_open(entity, current)
        if entity == "Payment":
            self._unapply_payment(current)
        elif entity == "Invoice":
            self._relink_estimates(current["Id"], current.get("LinkedTxn", []), [])
            self._unlink_invoice_payments(current)
            self._move_stock(current, +1)
        elif entity in SALES_FORMS:
            self._undo_sales_form(entity, current)
        elif entity == "BillPayment":
            self._unapply_bill_payment(current)
        elif entity in VENDOR_TXNS:
            self._undo_vendor_form(entity, current)
        elif entity in BANKING_TXNS:
            self._post(entity, current, -1)
        elif entity == "Estimate":
            self._unlink_estimate(current)
        self.store.execute(
            "DELETE FROM entities WHERE realm_id = ? AND type = ? AND id = ?",
            (self.realm, entity, current["Id"]),
        )
        self.store.execute(  # remembered for change data capture
            "INSERT INTO deleted (realm_id, type, id, time) VALUES (?, ?, ?, ?)",
            (self.realm, entity, current["Id"], self.now),
        )
        self._refresh_customer_balance(ref_value(current.get("CustomerRef")))
        self._refresh_vendor_balance(ref_value(current.get("VendorRef")))
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
        if entity in ("Bill", "VendorCredit", "PurchaseOrder"):
            return self._vendor_form(entity, data, current, params)
        if entity in BANKING_TXNS:
            return self._banking(entity, data, current, params)
        saver = {
            "Customer": self._customer,
            "Item": self._item,
            "Invoice": self._invoice,
            "Payment": self._payment,
            "BillPayment": self._bill_payment,
            "Estimate": self._estimate,
            "TimeActivity": self._time_activity,
            "Attachable": self._attachable,
            "TaxAgency": self._tax_agency,
        }[entity]
        return saver(data, current, params)



    def write(self, entity: str, payload: dict, params: Any) -> dict:
        """One create/update/void/delete, chosen like QBO: by `operation` and by Id."""
        operation = params.get("operation", "")
        include = params.get("include", "")
        if entity == "RecurringTransaction":
            return self.recurring_write(payload, params)
        if operation == "void" or (operation == "update" and include == "void"):
            return self.void(entity, payload)
        if operation == "delete":
            return self.delete(entity, payload)
        if operation not in ("", "create", "update"):
            raise faults.unsupported_operation(operation)
        options = {"include": include}
        if payload.get("Id") not in (None, "", 0, "0"):
            return self.update(entity, payload, options)
        return self.create(entity, payload, options)



_NARROWED = {("Invoice", "DocNumber"): "$.DocNumber", ("Customer", "DisplayName"): "$.DisplayName",
             ("Item", "Name"): "$.Name"}
_NUMBER = re.compile(r"-?\d+(\.\d+)?")  # the query compares these as numbers

