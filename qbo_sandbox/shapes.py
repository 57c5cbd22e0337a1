"""The finishing of an answer, so its keys, types and formats are those of Intuit's real
answers (compared with recorded ones in tests/qbo_sandbox/test_answer_shapes.py).

Applied to a copy of every successful API answer on its way out; what is stored stays as
the entity modules write it (UTC times), so the rules never see these read-only keys.
"""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .currencies import CURRENCY_NAMES
from .values import money

# Where Intuit's sandbox companies of each country keep their clocks.
TIME_ZONES = {"US": "America/Los_Angeles", "CA": "America/Toronto", "GB": "Europe/London",
              "AU": "Australia/Sydney"}
ENTITY_KEYS = ("Customer", "Item", "Invoice", "Payment", "SalesReceipt", "RefundReceipt",
               "CreditMemo", "Purchase", "Deposit", "Vendor", "Account", "TaxCode", "TaxRate",
               "Term", "PaymentMethod", "Class", "Department", "Employee", "Estimate",
               "CompanyInfo", "Preferences", "CompanyCurrency", "ExchangeRate", "Bill",
               "BillPayment", "VendorCredit", "PurchaseOrder", "Transfer", "CreditCardPaymentTxn",
               "JournalEntry", "TimeActivity", "Attachable", "TaxAgency")
ADDRESS_KEYS = {"BillAddr": 0, "ShipAddr": 1}
NAME_VALUE = {"name": "{http://schema.intuit.com/finance/v3}NameValue",
              "declaredType": "com.intuit.schema.finance.v3.NameValue",
              "scope": "javax.xml.bind.JAXBElement$GlobalScope", "nil": False,
              "globalScope": True, "typeSubstituted": False}


def company_zone(country: str) -> Any:
    try:
        return ZoneInfo(TIME_ZONES.get(country, "UTC"))
    except ZoneInfoNotFoundError:  # no tz database on this machine: stay in UTC
        return None


def local_time(stamp: str, zone: Any, *, milliseconds: bool = False) -> str:
    """A UTC timestamp the sandbox stored, as Intuit writes it: in the company's offset."""
    if zone is None:
        return stamp
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone(zone).isoformat(
        timespec="milliseconds" if milliseconds else "seconds")


def dress(body: dict[str, Any], books: Any) -> dict[str, Any]:
    """A copy of `body` (an API answer) in Intuit's shape for the company of `books`."""
    body = copy.deepcopy(body)
    zone = company_zone(books.country)
    if isinstance(body.get("time"), str):
        body["time"] = local_time(body["time"], zone, milliseconds=True)
    _walk(body, books, zone)
    return body


def _walk(node: Any, books: Any, zone: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, books, zone)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ENTITY_KEYS and isinstance(value, dict):
            _entity(key, value, books, zone)
        elif key in ENTITY_KEYS and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _entity(key, item, books, zone)
        elif isinstance(value, dict | list):
            _walk(value, books, zone)


def _entity(name: str, entity: dict, books: Any, zone: Any) -> None:
    meta = entity.get("MetaData")
    if isinstance(meta, dict):
        for key in ("CreateTime", "LastUpdatedTime"):
            if isinstance(meta.get(key), str):
                meta[key] = local_time(meta[key], zone)
    delivery = entity.get("DeliveryInfo")  # a sent form's (form_delivery.py)
    if isinstance(delivery, dict) and isinstance(delivery.get("DeliveryTime"), str):
        delivery["DeliveryTime"] = local_time(delivery["DeliveryTime"], zone)
    if entity.get("status") == "Deleted":
        return
    for key, index in ADDRESS_KEYS.items():
        address = entity.get(key)
        if isinstance(address, dict) and address and str(entity.get("Id", "")).isdigit():
            # Intuit numbers addresses in a sequence of their own; here: stable per entity.
            address.setdefault("Id", str(int(entity["Id"]) * 2 + index + 100))
            address.pop("Lat", None)
            address.pop("Long", None)
    if name in ("Customer", "Vendor", "Invoice", "Payment", "SalesReceipt", "RefundReceipt",
                "CreditMemo", "Purchase", "Deposit", "Estimate", "Bill", "BillPayment",
                "VendorCredit", "PurchaseOrder", "Transfer", "CreditCardPaymentTxn",
                "JournalEntry"):
        _currency(entity, books)
    if name == "Customer":
        entity.setdefault("IsProject", False)
        entity.setdefault("ClientEntityId", "0")
    if name in ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt"):
        entity.setdefault("ApplyTaxAfterDiscount", False)
        entity.setdefault("CustomField", [])
        entity.setdefault("PrintStatus", "NotSet")
        entity.setdefault("EmailStatus", "NotSet")
    if name == "Invoice":
        for flag in ("AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
                     "AllowOnlineACHPayment"):
            entity.setdefault(flag, False)
    if name == "Payment":
        _payment_line_ex(entity, books)
    if name == "Purchase":
        entity.setdefault("PurchaseEx", {"any": [dict(NAME_VALUE, value={
            "Name": "TxnType", "Value": "54"})]})
        for line in entity.get("Line") or []:
            detail = line.get("AccountBasedExpenseLineDetail")
            if isinstance(detail, dict) and books.country == "US":
                detail.setdefault("TaxCodeRef", {"value": "NON"})


def _currency(entity: dict, books: Any) -> None:
    ref = entity.get("CurrencyRef")
    if not isinstance(ref, dict) or not ref.get("value"):
        ref = {"value": books._home_currency()}
    ref.setdefault("name", CURRENCY_NAMES.get(str(ref["value"]), str(ref["value"])))
    entity["CurrencyRef"] = ref


def _payment_line_ex(payment: dict, books: Any) -> None:
    """Each line's LineEx: the invoice it pays (txnId), that invoice's open balance before
    this payment (txnOpenBalance) and its number (txnReferenceNumber)."""
    for line in payment.get("Line") or []:
        links = [link for link in line.get("LinkedTxn") or [] if isinstance(link, dict)]
        if not links or "LineEx" in line:
            continue
        txn_id = str(links[0].get("TxnId", ""))
        invoice = books.store.entity(books.realm, "Invoice", txn_id) or {}
        pairs = [("txnId", txn_id)]
        if invoice:
            open_balance = money(Decimal(str(invoice.get("Balance", 0)))
                                 + Decimal(str(line.get("Amount", 0))))
            pairs.append(("txnOpenBalance", f"{open_balance:.2f}"))
            if invoice.get("DocNumber"):
                pairs.append(("txnReferenceNumber", str(invoice["DocNumber"])))
        line["LineEx"] = {"any": [dict(NAME_VALUE, value={"Name": n, "Value": v})
                                  for n, v in pairs]}
