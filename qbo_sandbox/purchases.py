"""What a company owes its vendors: bills, vendor credits, purchase orders and bill payments.
A mixin of `entities.Books` (expense lines are `sales.SalesForms._expense_lines`).

As QuickBooks does:
- Bill: a vendor's bill (VendorRef, lines on accounts or items) owed on APAccountRef (default:
  the Accounts Payable account); Balance is what is left to pay; stock bought comes in; the
  vendor's Balance is its open bills less its vendor credits.
- VendorCredit: a vendor's credit, the opposite of a bill (stock goes back).
- PurchaseOrder: an order, not posting: POStatus Open (Closed once billed in full).
- BillPayment: pays bills (PayType Check from CheckPayment.BankAccountRef, or CreditCard from
  CreditCardPayment.CCAccountRef); each line's Amount lowers the linked bill's Balance, never
  below 0, and only bills of its own vendor. Void (update, include=void) sets every amount to
  0 and gives the bills their balance back; so does delete.
"""

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

PAY_TYPES = {"Check": ("CheckPayment", "BankAccountRef", ("Bank",)),
             "CreditCard": ("CreditCardPayment", "CCAccountRef", ("Credit Card",))}
_STOCK_SIGN = {"Bill": +1, "VendorCredit": -1, "PurchaseOrder": 0}


class VendorTransactions:
    """Savers for Bill, VendorCredit, PurchaseOrder and BillPayment."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    # Bill, VendorCredit, PurchaseOrder --------------------------------------------------
    def _vendor_form(self, entity: str, data: dict, current: dict | None, params: dict) -> dict:
        vendor = self._vendor_ref(data)
        number = data.get("DocNumber")
        if number not in (None, "") and len(str(number)) > MAX_DOC_NUMBER:
            raise faults.string_length("DocNumber")
        self._invoice_dates(data)  # type: ignore[attr-defined]
        if entity != "Bill":
            data.pop("DueDate", None)
        if not self._currency_code(data.get("CurrencyRef")) and vendor.get(  # type: ignore
                "CurrencyRef"):
            data["CurrencyRef"] = dict(vendor["CurrencyRef"])
        _, rate = self._txn_currency(data, None)  # type: ignore[attr-defined]
        lines, total = self._expense_lines(data)  # type: ignore[attr-defined]
        data["Line"] = lines
        total = money(total)
        data["TotalAmt"] = as_json_number(total)
        self._home_amounts(data, rate)  # type: ignore[attr-defined]
        self._payable_account(data, any_account=entity == "PurchaseOrder")
        if entity == "Bill":
            paid = self._paid_on_bill(current) if current else Decimal(0)
            if total < paid:
                raise faults.business_rule(
                    f"The bill total ({total}) can't be less than the payments already applied "
                    f"to it ({paid}).", "TotalAmt")
            data["Balance"] = as_json_number(total - paid)
            data["LinkedTxn"] = current.get("LinkedTxn", []) if current else []
        elif entity == "VendorCredit":
            data["Balance"] = data["TotalAmt"]
        else:
            data.setdefault("POStatus", "Open")
            data.setdefault("EmailStatus", "NotSet")
        data.update(domain="QBO", sparse=False)
        if current is not None:
            self._move_stock(current, -_STOCK_SIGN[entity])  # type: ignore[attr-defined]
        self._move_stock(data, _STOCK_SIGN[entity])  # type: ignore[attr-defined]
        self.store.put_entity(self.realm, entity, data)
        for vendor_id in {vendor["Id"], ref_value((current or {}).get("VendorRef"))} - {None}:
            self._refresh_vendor_balance(vendor_id)
        return data

    def _vendor_ref(self, data: dict) -> dict:
        vendor_id = ref_value(data.get("VendorRef"))
        if vendor_id is None:
            raise faults.required_missing("VendorRef")
        vendor = self.store.entity(self.realm, "Vendor", vendor_id)
        if vendor is None or not vendor.get("Active", True):
            raise faults.invalid_reference("VendorRef", vendor_id)
        data["VendorRef"] = {"value": vendor_id, "name": vendor["DisplayName"]}
        return vendor

    def _payable_account(self, data: dict, *, any_account: bool = False) -> None:
        """APAccountRef: the one sent (an Accounts Payable account; a purchase order takes any
        account, as Intuit's does), else the company's first Accounts Payable account."""
        account_id = ref_value(data.get("APAccountRef"))
        if account_id is None:
            default = next((a for a in self.store.entities(self.realm, "Account")
                            if a.get("AccountType") == "Accounts Payable"), None)
            if default is None:
                data.pop("APAccountRef", None)
                return
            account_id = default["Id"]
        account = self.store.entity(self.realm, "Account", account_id)
        if account is None or (not any_account
                               and account.get("AccountType") != "Accounts Payable"):
            raise faults.invalid_reference("APAccountRef", account_id)
        data["APAccountRef"] = {"value": account_id, "name": account["Name"]}

    def _paid_on_bill(self, bill: dict) -> Decimal:
        return money(Decimal(str(bill["TotalAmt"])) - Decimal(str(bill["Balance"])))

    def _refresh_vendor_balance(self, vendor_id: str | None) -> None:
        vendor = self.store.entity(self.realm, "Vendor", vendor_id or "")
        if vendor is None:
            return
        mine = ("$.VendorRef.value", vendor["Id"])
        balance = sum((Decimal(str(b or 0)) for _, b in self.store.values(
            self.realm, "Bill", "$.Balance", mine)), Decimal(0))
        balance -= sum((Decimal(str(b or 0)) for _, b in self.store.values(
            self.realm, "VendorCredit", "$.Balance", mine)), Decimal(0))
        if Decimal(str(vendor.get("Balance", 0))) != balance:
            vendor["Balance"] = as_json_number(money(balance))
            self.store.put_entity(self.realm, "Vendor", vendor)

    def _undo_vendor_form(self, entity: str, txn: dict) -> None:
        """What deleting a bill, vendor credit or purchase order takes back: its stock. A
        bill with payments applied is refused (delete or void the payments first)."""
        if entity == "Bill" and self._paid_on_bill(txn) > 0:
            raise faults.business_rule(
                "This bill has payments applied to it; delete or void the bill payments first.")
        self._move_stock(txn, -_STOCK_SIGN[entity])  # type: ignore[attr-defined]

    # BillPayment --------------------------------------------------------------------------
    def _bill_payment(self, data: dict, current: dict | None, params: dict) -> dict:
        if current is not None and current.get("PrivateNote") == "Voided":
            raise faults.business_rule("A voided transaction can't be edited.")
        vendor = self._vendor_ref(data)
        self._invoice_dates(data)  # type: ignore[attr-defined]
        data.pop("DueDate", None)
        kind = data.get("PayType")
        if kind is None:
            raise faults.required_missing("PayType")
        if kind not in PAY_TYPES:
            raise faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {kind}",
                                  element="PayType")
        holder_key, account_key, types = PAY_TYPES[kind]
        holder = data.get(holder_key) or {}
        account_id = ref_value(holder.get(account_key))
        if account_id is None:
            raise faults.required_missing(f"{holder_key}.{account_key}")
        account = self.store.entity(self.realm, "Account", account_id)
        if account is None or account.get("AccountType") not in types:
            raise faults.invalid_reference(f"{holder_key}.{account_key}", account_id)
        holder[account_key] = {"value": account_id, "name": account["Name"]}
        if kind == "Check":
            holder.setdefault("PrintStatus", "NeedToPrint")
        data[holder_key] = holder
        data.pop("CreditCardPayment" if kind == "Check" else "CheckPayment", None)
        self._payable_account(data)
        _, rate = self._txn_currency(data, None)  # type: ignore[attr-defined]
        total = _decimal(data.get("TotalAmt"), "TotalAmt")
        if total is None:
            raise faults.required_missing("TotalAmt")
        total = money(total)
        if total < 0:
            raise faults.business_rule("The payment amount can't be negative.", "TotalAmt")
        old = self._bill_applications(current) if current else {}
        def own(txn_id: str, bill: dict) -> None:
            if ref_value(bill.get("VendorRef")) != vendor["Id"]:
                raise faults.business_rule(
                    f"Bill {txn_id} belongs to a different vendor than the payment's "
                    "VendorRef.", "LinkedTxn")

        lines, applied, new = applied_lines(
            data, txn_type="Bill", payer="bill payments", target="bill", old=old,
            find=lambda txn_id: self.store.entity(self.realm, "Bill", txn_id), check=own)
        if applied > total:
            raise faults.business_rule(
                f"The amounts applied ({applied}) add up to more than the payment's TotalAmt "
                f"({total}).", "TotalAmt")
        if current:
            self._unapply_bill_payment(current)
        data["Line"] = lines
        data["TotalAmt"] = as_json_number(total)
        self._home_amounts(data, rate)  # type: ignore[attr-defined]
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "BillPayment", data)
        for txn_id, amount in new.items():
            self._apply_to_bill(txn_id, data["Id"], amount)
        self._refresh_vendor_balance(vendor["Id"])
        return data

    def _bill_applications(self, payment: dict) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for line in payment.get("Line", []):
            for link in line.get("LinkedTxn", []):
                txn_id = str(link["TxnId"])
                result[txn_id] = result.get(txn_id, Decimal(0)) + Decimal(str(line["Amount"]))
        return result

    def _apply_to_bill(self, txn_id: str, payment_id: str, amount: Decimal) -> None:
        bill = self.store.entity(self.realm, "Bill", txn_id)
        assert bill is not None
        bill["Balance"] = as_json_number(money(Decimal(str(bill["Balance"])) - amount))
        links = bill.setdefault("LinkedTxn", [])
        if not any(link.get("TxnId") == payment_id for link in links):
            links.append({"TxnId": payment_id, "TxnType": "BillPaymentCheck"
                          if self._pay_type(payment_id) == "Check" else "BillPaymentCreditCard"})
        self._touch(bill)
        self.store.put_entity(self.realm, "Bill", bill)

    def _pay_type(self, payment_id: str) -> str:
        payment = self.store.entity(self.realm, "BillPayment", payment_id) or {}
        return str(payment.get("PayType", "Check"))

    def _unapply_bill_payment(self, payment: dict) -> None:
        for txn_id, amount in self._bill_applications(payment).items():
            bill = self.store.entity(self.realm, "Bill", txn_id)
            if bill is None:
                continue
            bill["Balance"] = as_json_number(money(Decimal(str(bill["Balance"])) + amount))
            bill["LinkedTxn"] = [link for link in bill.get("LinkedTxn", [])
                                 if link.get("TxnId") != payment["Id"]]
            self._touch(bill)
            self.store.put_entity(self.realm, "Bill", bill)

    def _void_bill_payment(self, payment: dict) -> dict:
        self._unapply_bill_payment(payment)
        payment.update(TotalAmt=0, PrivateNote="Voided")
        for line in payment.get("Line", []):
            line["Amount"] = 0
        self._touch(payment)
        self.store.put_entity(self.realm, "BillPayment", payment)
        self._refresh_vendor_balance(ref_value(payment.get("VendorRef")))
        return payment

    def _touch(self, txn: dict) -> None:
        txn["SyncToken"] = str(int(txn["SyncToken"]) + 1)
        txn["MetaData"]["LastUpdatedTime"] = iso(self.now)
