"""Payments: applied to a customer's invoices (their Balance falls), unapplied credit, void.
A mixin of `entities.Books`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .applications import applied_lines
from .catalog import MAX_DOC_NUMBER
from .values import as_json_number, iso, money, ref_value
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store



class Payments:
    """The Payment saver: applications to invoices, and their undoing."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

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
        def own(txn_id: str, invoice: dict) -> None:
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

        lines, applied, new = applied_lines(
            data, txn_type="Invoice", payer="payments", target="invoice", old=old,
            find=lambda txn_id: self.store.entity(self.realm, "Invoice", txn_id), check=own)
        for line in lines:  # an invoice is applied whole, never by its line
            for link in line["LinkedTxn"]:
                link.pop("TxnLineId", None)
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


def _home_balance(invoice: dict) -> Any:
    """An invoice's open balance in home units, at its own exchange rate."""
    rate = Decimal(str(invoice.get("ExchangeRate") or 1))
    return as_json_number(money(Decimal(str(invoice["Balance"])) * rate))

