"""Invoices: numbering, totals against what is applied, the customer-facing link, void.
A mixin of `entities.Books` (lines, tax and totals are `sales_lines`)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import MAX_DOC_NUMBER
from .values import as_json_number, money, ref_value
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store



class Invoices:
    """The Invoice saver, its number, its link and its void."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

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
        estimates = self._estimate_links(data, current, customer["Id"])  # type: ignore
        data["LinkedTxn"] = [link for link in (current or {}).get("LinkedTxn", [])
                             if link.get("TxnType") != "Estimate"] + estimates
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
        self._relink_estimates(data["Id"], (current or {}).get("LinkedTxn", []),  # type: ignore
                               estimates)
        self._refresh_customer_balance(customer["Id"])
        if current and ref_value(current.get("CustomerRef")) != customer["Id"]:
            self._refresh_customer_balance(ref_value(current.get("CustomerRef")))
        return data
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
    def _applied_to(self, invoice: dict) -> Decimal:
        return money(Decimal(str(invoice["TotalAmt"])) - Decimal(str(invoice["Balance"])))

    def _void_invoice(self, invoice: dict) -> dict:
        self._relink_estimates(invoice["Id"], invoice.get("LinkedTxn", []), [])  # type: ignore
        self._unlink_invoice_payments(invoice)
        self._move_stock(invoice, +1)
        invoice = self.store.entity(self.realm, "Invoice", invoice["Id"])
        self._voided(invoice)
        invoice.update(HomeBalance=0, LinkedTxn=[])
        self.store.put_entity(self.realm, "Invoice", invoice)
        self._refresh_customer_balance(ref_value(invoice["CustomerRef"]))
        return invoice
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
