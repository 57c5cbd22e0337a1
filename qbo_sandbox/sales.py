"""Sales receipts, refund receipts, credit memos, bank deposits and expenses (Purchase): a mixin
of `entities.Books`, which provides lines, tax, totals, accounts and stock.

What each checks, as QuickBooks does (see README's behaviour table):
- SalesReceipt: money received at the sale; lands in DepositToAccountRef (default Undeposited
  Funds); stock goes out. Voidable.
- RefundReceipt: money paid back; DepositToAccountRef (the account it leaves from) required;
  stock comes back.
- CreditMemo: credit without money moving; needs a customer; lowers the customer's balance by
  its RemainingCredit; stock comes back.
- Deposit: a bank deposit of lines on accounts or of payments and sales receipts waiting in
  Undeposited Funds (each at most once, in full).
- Purchase: an expense (Cash, Check or CreditCard) paid from AccountRef, with account- or
  item-based lines; inventory bought comes in.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .values import as_json_number, clean, money, ref_value

if TYPE_CHECKING:
    from .store import Store

SALES_FORMS = ("SalesReceipt", "RefundReceipt", "CreditMemo", "Deposit", "Purchase")
_STOCK_SIGN = {"SalesReceipt": -1, "RefundReceipt": +1, "CreditMemo": +1, "Purchase": +1}
PAYMENT_TYPES = {"Cash": ("Bank", "Other Current Asset"), "Check": ("Bank",),
                 "CreditCard": ("Credit Card",)}


class SalesForms:
    """Savers for the transactions other than invoices and payments."""

    store: Store
    realm: str
    country: str
    now: float

    def _sales_form(self, entity: str, data: dict, current: dict | None, params: dict) -> dict:

        if current is not None and current.get("PrivateNote") == "Voided":
            raise faults.business_rule("A voided transaction can't be edited.")
        self._doc_number(data, entity)
        self._invoice_dates(data)  # type: ignore[attr-defined]
        data.pop("DueDate", None)
        if entity in ("SalesReceipt", "RefundReceipt", "CreditMemo"):
            total = self._receipt(entity, data)
        elif entity == "Deposit":
            total = self._deposit(data, current)
        else:
            total = self._purchase(data)
        rate = Decimal(str(data.get("ExchangeRate") or 1))
        data["TotalAmt"] = as_json_number(money(total))
        self._home_amounts(data, rate)  # type: ignore[attr-defined]
        if entity == "CreditMemo":
            data["Balance"] = data["RemainingCredit"] = data["TotalAmt"]
        elif entity in ("SalesReceipt", "RefundReceipt"):
            data["Balance"] = 0
        data.update(domain="QBO", sparse=False)
        if current is not None:
            self._move_stock(current, -_STOCK_SIGN.get(entity, 0))  # type: ignore
        self._move_stock(data, _STOCK_SIGN.get(entity, 0))  # type: ignore[attr-defined]
        self.store.put_entity(self.realm, entity, data)
        for customer_id in {ref_value(data.get("CustomerRef")),
                            ref_value((current or {}).get("CustomerRef"))} - {None}:
            self._refresh_customer_balance(customer_id)  # type: ignore[attr-defined]
        return data

    def _doc_number(self, data: dict, entity: str) -> None:
        number = data.get("DocNumber")
        if number in (None, ""):
            if entity in ("SalesReceipt", "RefundReceipt", "CreditMemo"):
                numbers = [int(n) for _, n in self.store.values(self.realm, entity,
                                                                 "$.DocNumber")
                           if str(n or "").isdigit()]
                data["DocNumber"] = str(max([1000, *numbers]) + 1)
            return
        if len(str(number)) > 21:
            raise faults.string_length("DocNumber")
        data["DocNumber"] = str(number)

    def _receipt(self, entity: str, data: dict) -> Decimal:
        customer = None
        if entity == "CreditMemo" or ref_value(data.get("CustomerRef")) is not None:
            customer = self._customer_ref(data)  # type: ignore[attr-defined]
            data["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
        code, _ = self._txn_currency(data, customer)  # type: ignore[attr-defined]
        if entity != "CreditMemo":
            account = self._deposit_account(data, required=entity == "RefundReceipt")  # type: ignore
            self._money_account_currency(account, code, "DepositToAccountRef")  # type: ignore
            self._payment_method(data)  # type: ignore[attr-defined]
        else:
            data.pop("DepositToAccountRef", None)
        data.setdefault("PrintStatus", "NotSet")
        data.setdefault("EmailStatus", "NotSet")
        data.setdefault("GlobalTaxCalculation", "TaxExcluded")
        return self._sales_totals(data)  # type: ignore[attr-defined]

    # Deposit ----------------------------------------------------------------------------
    def _deposit(self, data: dict, current: dict | None) -> Decimal:

        account = self._deposit_account(data, required=True)  # type: ignore[attr-defined]
        if account is None or account["AccountType"] != "Bank":
            raise faults.business_rule("A deposit goes to a bank account.",
                                       "DepositToAccountRef")
        self._account_txn_currency(data, account)
        lines, total = [], Decimal(0)
        taken = self._deposited_txns(exclude=data.get("Id"))
        for raw in data.get("Line") or []:
            line = clean(raw)
            amount = money(Decimal(str(line.get("Amount", 0))))
            links = [link for link in line.get("LinkedTxn", []) if link]
            if links:
                for link in links:
                    self._deposit_link(link, amount, taken)
                line.pop("DepositLineDetail", None)
                line.pop("DetailType", None)
            else:
                detail = line.get("DepositLineDetail") or {}
                self._resolve(detail, "AccountRef", "Account",
                              required_as="DepositLineDetail.AccountRef")
                if ref_value(detail.get("PaymentMethodRef")) is not None:
                    self._payment_method(detail)  # type: ignore[attr-defined]
                line["DetailType"] = "DepositLineDetail"
                line["DepositLineDetail"] = detail
            line["Id"] = str(len(lines) + 1)
            line["LineNum"] = len(lines) + 1
            line["Amount"] = as_json_number(amount)
            lines.append(line)
            total += amount
        if not lines:
            raise faults.required_missing("Line")
        data["Line"] = lines
        return total

    def _deposited_txns(self, exclude: Any) -> set[tuple[str, str]]:
        taken = set()
        for deposit in self.store.entities(self.realm, "Deposit"):
            if deposit["Id"] == exclude:
                continue
            for line in deposit.get("Line", []):
                for link in line.get("LinkedTxn", []):
                    taken.add((link["TxnType"], str(link["TxnId"])))
        return taken

    def _deposit_link(self, link: dict, amount: Decimal, taken: set) -> None:
        kind, txn_id = link.get("TxnType", ""), str(link.get("TxnId", ""))
        if kind not in ("Payment", "SalesReceipt"):
            raise faults.business_rule(
                f"A deposit can include payments and sales receipts, not {kind}.", "LinkedTxn")
        txn = self.store.entity(self.realm, kind, txn_id)
        if txn is None:
            raise faults.invalid_reference("LinkedTxn", txn_id)
        account = self.store.entity(self.realm, "Account",
                                    ref_value(txn.get("DepositToAccountRef")) or "")
        if account is None or account.get("AccountSubType") != "UndepositedFunds":
            raise faults.business_rule(
                f"{kind} {txn_id} was not put in Undeposited Funds, so it can't be deposited.",
                "LinkedTxn")
        if (kind, txn_id) in taken:
            raise faults.business_rule(f"{kind} {txn_id} is already in another deposit.",
                                       "LinkedTxn")
        if Decimal(str(txn["TotalAmt"])) != amount:
            raise faults.business_rule(
                f"The deposit line for {kind} {txn_id} must be its full amount "
                f"({txn['TotalAmt']}).", "Amount")
        taken.add((kind, txn_id))
        link.update(TxnId=txn_id, TxnType=kind)
        link.setdefault("TxnLineId", "0")

    # Purchase ---------------------------------------------------------------------------
    def _purchase(self, data: dict) -> Decimal:

        kind = data.get("PaymentType")
        if kind is None:
            raise faults.required_missing("PaymentType")
        if kind not in PAYMENT_TYPES:
            raise faults.QBOFault(2170, "Invalid Enumeration", f"Invalid Enumeration : {kind}",
                                  element="PaymentType")
        account = self._resolve(data, "AccountRef", "Account", required_as="AccountRef")
        if account["AccountType"] not in PAYMENT_TYPES[kind]:
            raise faults.business_rule(
                f"A {kind} expense is paid from a {' or '.join(PAYMENT_TYPES[kind])} account; "
                f"{account['Name']} is {account['AccountType']}.", "AccountRef")
        self._account_txn_currency(data, account)
        entity_ref = data.get("EntityRef")
        if ref_value(entity_ref) is not None:
            data["EntityRef"] = self._payee(entity_ref)
        else:
            data.pop("EntityRef", None)
        lines, total = self._expense_lines(data)
        data["Line"] = lines
        tax = money(Decimal(str((data.get("TxnTaxDetail") or {}).get("TotalTax") or 0)))
        data["TxnTaxDetail"] = {"TotalTax": as_json_number(tax)}
        data.setdefault("Credit", False)
        return total + tax

    def _expense_lines(self, data: dict) -> tuple[list[dict], Decimal]:
        """An expense's, bill's, vendor credit's or purchase order's lines (account- or
        item-based), checked and completed, and their sum."""
        lines, total = [], Decimal(0)
        for raw in data.get("Line") or []:
            line = clean(raw)
            kind_of_line = line.get("DetailType") or (
                "ItemBasedExpenseLineDetail" if "ItemBasedExpenseLineDetail" in line
                else "AccountBasedExpenseLineDetail")
            detail = line.get(kind_of_line) or {}
            if kind_of_line == "AccountBasedExpenseLineDetail":
                self._resolve(detail, "AccountRef", "Account",
                              required_as="AccountBasedExpenseLineDetail.AccountRef")
                amount = money(Decimal(str(line.get("Amount") or 0)))
            elif kind_of_line == "ItemBasedExpenseLineDetail":
                item_id = ref_value(detail.get("ItemRef"))
                item = self.store.entity(self.realm, "Item", item_id or "")
                if item is None:
                    raise faults.invalid_reference("ItemRef", item_id)
                detail["ItemRef"] = {"value": item_id, "name": item["Name"]}
                amount = self._line_amount(line, detail)  # type: ignore[attr-defined]
            else:
                raise faults.request_malformed(f"Line.DetailType={kind_of_line}")
            if ref_value(detail.get("CustomerRef")) is not None:
                customer = self._customer_ref(detail)  # type: ignore[attr-defined]
                detail["CustomerRef"] = {"value": customer["Id"],
                                         "name": customer["DisplayName"]}
            detail.setdefault("BillableStatus", "NotBillable")
            self._purchase_tax_code(detail)
            line.update(DetailType=kind_of_line, Amount=as_json_number(amount),
                        Id=str(len(lines) + 1))
            line[kind_of_line] = detail
            line.pop("LineNum", None)
            lines.append(line)
            total += amount
        if not lines:
            raise faults.required_missing("Line")
        return lines, total

    def _account_txn_currency(self, data: dict, account: dict) -> None:
        """A deposit's or expense's currency: the one sent (default: the account's); the
        account must hold the home currency or that one."""
        held = self._currency_code(account.get("CurrencyRef"))  # type: ignore[attr-defined]
        if not self._currency_code(data.get("CurrencyRef")) and held:  # type: ignore
            data["CurrencyRef"] = {"value": held}
        code, _ = self._txn_currency(data, None)  # type: ignore[attr-defined]
        self._money_account_currency(account, code, "AccountRef")  # type: ignore

    def _resolve(self, holder: dict, key: str, kind: str, *, required_as: str) -> dict:
        """The `kind` object `holder[key]` names, with the reference completed to
        {value, name}: 2020 when there is none, 2500 when no such object exists."""
        target = ref_value(holder.get(key))
        if target is None:
            raise faults.required_missing(required_as)
        found = self.store.entity(self.realm, kind, target)
        if found is None:
            raise faults.invalid_reference(key, target)
        holder[key] = {"value": target, "name": found["Name"]}
        return found

    def _payee(self, ref: Any) -> dict:
        payee_id = ref_value(ref)
        for kind in ("Vendor", "Customer", "Employee"):
            wanted = ref.get("type") if isinstance(ref, dict) else None
            if wanted and wanted != kind:
                continue
            payee = self.store.entity(self.realm, kind, payee_id or "")
            if payee is not None:
                return {"value": payee_id, "name": payee["DisplayName"], "type": kind}
        raise faults.invalid_reference("EntityRef", payee_id)

    def _purchase_tax_code(self, detail: dict) -> None:
        code = ref_value(detail.get("TaxCodeRef"))
        if code is None:
            detail.pop("TaxCodeRef", None)
            return
        if self.country == "US" and code.upper() in ("TAX", "NON"):
            detail["TaxCodeRef"] = {"value": code.upper()}
            return
        if self.store.entity(self.realm, "TaxCode", code) is None:
            raise faults.invalid_reference("TaxCodeRef", code)
        detail["TaxCodeRef"] = {"value": code}

    # void and delete --------------------------------------------------------------------
    def _void_sales_form(self, entity: str, txn: dict) -> dict:
        self._undo_sales_form(entity, txn)
        self._voided(txn)  # type: ignore[attr-defined]
        self.store.put_entity(self.realm, entity, txn)
        return txn

    def _undo_sales_form(self, entity: str, txn: dict) -> None:
        """What deleting or voiding takes back: the stock moved. (A deposit's payments are
        free again by themselves; a credit memo's credit leaves with it.)"""
        if entity in ("SalesReceipt", "Deposit") and (entity, txn["Id"]) in \
                self._deposited_txns(exclude=None):
            raise faults.business_rule(
                f"This {entity} is part of a deposit; remove it from the deposit first.")
        self._move_stock(txn, -_STOCK_SIGN.get(entity, 0))  # type: ignore[attr-defined]

