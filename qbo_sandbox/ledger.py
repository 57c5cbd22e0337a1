"""The company's general ledger, derived from its stored transactions: the postings reports
are computed from (reports.py). Nothing here is stored; the books stay the entity modules'.

Each transaction becomes balanced postings (debits = credits), in the home currency at the
transaction's `ExchangeRate`:

- Invoice: A/R debit `TotalAmt`; each sales line's item income account credited (a discount
  line debits its discount account), the tax (`TxnTaxDetail.TotalTax`) credited to the tax
  agency's payable account; an invoice `Deposit` moves from A/R to its deposit account.
- SalesReceipt: as an invoice, with the deposit account (default Undeposited Funds) instead
  of A/R. RefundReceipt and CreditMemo: the reverse (from the deposit account, from A/R).
- Payment: deposit account (default Undeposited Funds) debit, A/R credit.
- Deposit: its bank account debit; a line linking a payment or sales receipt credits
  Undeposited Funds, another line its `DepositLineDetail.AccountRef`.
- Purchase: the paying account credit (a card `Credit` the reverse); each expense line's
  account (item lines: the item's expense account, an inventory item's asset account) debit.
- Bill, VendorCredit, BillPayment, JournalEntry, Transfer, CreditCardPayment (when the
  company has them): A/P and their accounts, as QuickBooks posts them.
- Inventory sold on an invoice or sales receipt: cost of goods sold debit, inventory asset
  credit, at the item's `PurchaseCost`; an inventory item's starting quantity: inventory
  asset debit, Opening Balance Equity credit, on its `InvStartDate`.

When lines and total disagree (tax-inclusive amounts, purchase tax), the lines share the
total in proportion to their amounts, so every transaction still balances.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .values import CENT, iso, money, ref_value

# Account types by where they appear: balance sheet, or profit and loss.
DEBIT_NORMAL = ("Bank", "Accounts Receivable", "Other Current Asset", "Fixed Asset",
                "Other Asset", "Cost of Goods Sold", "Expense", "Other Expense")
PROFIT_AND_LOSS = ("Income", "Other Income", "Cost of Goods Sold", "Expense", "Other Expense")
# Transactions a cash-basis profit and loss takes when money moves, not when billed.
BILLED = ("Invoice", "CreditMemo", "Bill", "VendorCredit")
LEDGER_ENTITIES = ("Invoice", "Payment", "SalesReceipt", "RefundReceipt", "CreditMemo",
                   "Deposit", "Purchase", "Bill", "VendorCredit", "BillPayment",
                   "JournalEntry", "Transfer", "CreditCardPayment")
# Accounts a company may lack (a bare sandbox company has income accounts only).
_STAND_INS = {
    "AccountsReceivable": ("Accounts Receivable (A/R)", "Accounts Receivable"),
    "AccountsPayable": ("Accounts Payable (A/P)", "Accounts Payable"),
    "UndepositedFunds": ("Undeposited Funds", "Other Current Asset"),
    "GlobalTaxPayable": ("Sales Tax Payable", "Other Current Liability"),
    "OpeningBalanceEquity": ("Opening Balance Equity", "Equity"),
    "RetainedEarnings": ("Retained Earnings", "Equity"),
    "UncategorizedIncome": ("Uncategorized Income", "Income"),
    "UncategorizedExpense": ("Uncategorized Expense", "Expense"),
    "DiscountsRefundsGiven": ("Discounts given", "Income"),
    "SuppliesMaterialsCogs": ("Cost of Goods Sold", "Cost of Goods Sold"),
    "Inventory": ("Inventory Asset", "Other Current Asset"),
}
_UNCATEGORIZED = {"UncategorizedIncome": "Uncategorized Income",
                  "UncategorizedExpense": "Uncategorized Expense"}


@dataclass(frozen=True)
class Posting:
    """One side of a transaction on one account: `amount` > 0 a debit, < 0 a credit."""

    date: str
    account_id: str
    amount: Decimal
    txn_type: str
    txn_id: str
    doc_number: str = ""
    name_id: str = ""  # the customer, vendor or employee
    name: str = ""
    memo: str = ""


@dataclass
class Ledger:
    """Every posting of one company, with the accounts they name."""

    accounts: dict[str, dict[str, Any]]
    postings: list[Posting] = field(default_factory=list)

    def account(self, account_id: str) -> dict[str, Any]:
        return self.accounts[account_id]

    def balance(self, account_id: str, postings: Iterable[Posting]) -> Decimal:
        """The account's balance from these postings, in its normal sign (a bank's debits,
        an income account's credits, are positive)."""
        total = sum((p.amount for p in postings if p.account_id == account_id), Decimal(0))
        return total if self.debit_normal(account_id) else -total

    def debit_normal(self, account_id: str) -> bool:
        return self.accounts[account_id].get("AccountType") in DEBIT_NORMAL


def build(store: Any, realm: str, *, basis: str = "Accrual") -> Ledger:
    """The ledger of company `realm` from what `store` holds. `basis` "Cash": invoices,
    credit memos, bills and vendor credits reach income and expense accounts only when paid
    (by their payments, in proportion), as a cash-basis report reads them."""
    builder = _Builder(store, realm)
    builder.run(cash=basis == "Cash")
    return Ledger(builder.accounts, builder.postings)


class _Builder:
    def __init__(self, store: Any, realm: str) -> None:
        self.store, self.realm = store, realm
        self.accounts = {str(a["Id"]): a for a in store.entities(realm, "Account")}
        self.items = {str(i["Id"]): i for i in store.entities(realm, "Item")}
        self.postings: list[Posting] = []
        self._by_subtype: dict[str, str] = {}
        for account in sorted(self.accounts.values(), key=lambda a: int(a["Id"])
                              if str(a["Id"]).isdigit() else 0):
            self._by_subtype.setdefault(str(account.get("AccountSubType", "")),
                                        str(account["Id"]))
        for account in self.accounts.values():
            if account.get("Name") in _UNCATEGORIZED.values():
                key = next(k for k, v in _UNCATEGORIZED.items() if v == account["Name"])
                self._by_subtype.setdefault(key, str(account["Id"]))

    # accounts -------------------------------------------------------------------------
    def special(self, subtype: str) -> str:
        """The company's account of this sub-type, else a stand-in account of that name."""
        if subtype in self._by_subtype:
            return self._by_subtype[subtype]
        name, kind = _STAND_INS[subtype]
        key = f"standin:{subtype}"
        self.accounts.setdefault(key, {"Id": "", "Name": name, "FullyQualifiedName": name,
                                       "AccountType": kind, "AccountSubType": subtype})
        self._by_subtype[subtype] = key
        return key

    def account_of(self, ref: Any, fallback: str) -> str:
        account_id = ref_value(ref)
        if account_id is not None and account_id in self.accounts:
            return account_id
        return self.special(fallback)

    def by_type(self, kind: str, fallback: str) -> str:
        for account_id, account in sorted(self.accounts.items()):
            if account.get("AccountType") == kind and not account_id.startswith("standin:"):
                return account_id
        return self.special(fallback)

    def ar(self, txn: dict) -> str:
        return self.account_of(txn.get("ARAccountRef"), "AccountsReceivable") \
            if txn.get("ARAccountRef") else self.by_type("Accounts Receivable",
                                                         "AccountsReceivable")

    def ap(self, txn: dict) -> str:
        return self.account_of(txn.get("APAccountRef"), "AccountsPayable") \
            if txn.get("APAccountRef") else self.by_type("Accounts Payable", "AccountsPayable")

    def tax_account(self) -> str:
        return self.special("GlobalTaxPayable") if "GlobalTaxPayable" in self._by_subtype \
            else self.special("SalesTaxPayable") if "SalesTaxPayable" in self._by_subtype \
            else self.special("GlobalTaxPayable")

    # postings -------------------------------------------------------------------------
    def run(self, *, cash: bool) -> None:
        company = self.store.company(self.realm) or {}
        made = iso(company.get("created_at", 0))
        at_creation: dict[str, Decimal] = {}  # what the sample transactions moved
        for item in self.items.values():
            self._starting_stock(item)
        for posting in self.postings:  # starting stock: there since the items were made
            at_creation[posting.account_id] = at_creation.get(posting.account_id,
                                                              Decimal(0)) + posting.amount
        for entity in LEDGER_ENTITIES:
            for txn in self.store.entities(self.realm, entity):
                postings = getattr(self, f"_{entity.lower()}")(txn)
                if str((txn.get("MetaData") or {}).get("CreateTime", "")) <= made:
                    for posting in postings:
                        at_creation[posting.account_id] = at_creation.get(
                            posting.account_id, Decimal(0)) + posting.amount
                if cash and entity in BILLED:
                    postings = [p for p in postings if not self._in_pl(p)]
                if cash and entity in ("Payment", "BillPayment"):
                    postings += self._cash_income(txn)
                self.postings += postings
        self._opening_balances(at_creation, made[:10])

    def _opening_balances(self, at_creation: dict[str, Decimal], made: str) -> None:
        """Balances an account held before any transaction (sample companies give their
        accounts Intuit's `CurrentBalance`): what its `CurrentBalance` has beyond what the
        transactions made with the company moved, against Opening Balance Equity, dated
        before every transaction."""
        first = min([p.date for p in self.postings if p.date] + [made])
        for account_id, account in list(self.accounts.items()):
            kind = account.get("AccountType")
            if (kind in PROFIT_AND_LOSS or account.get("AccountSubType") == "OpeningBalanceEquity"
                    or account_id.startswith("standin:")):
                continue
            sign = 1 if kind in DEBIT_NORMAL else -1
            opening = sign * _dec(account.get("CurrentBalance")) - at_creation.get(
                account_id, Decimal(0))
            if opening:
                self.postings += self._post(
                    {"Id": account_id, "TxnDate": first}, "Opening Balance",
                    [(account_id, opening), (self.special("OpeningBalanceEquity"), -opening)])

    def _in_pl(self, posting: Posting) -> bool:
        return self.accounts[posting.account_id].get("AccountType") in PROFIT_AND_LOSS

    def _post(self, txn: dict, entity: str, sides: list[tuple[str, Decimal]], *,
              date: str | None = None, scale: Decimal = Decimal(1)) -> list[Posting]:
        rate = Decimal(str(txn.get("ExchangeRate") or 1))
        name_ref = (txn.get("CustomerRef") or txn.get("VendorRef") or txn.get("EntityRef")
                    or {})
        name_id = ref_value(name_ref) or ""
        name = str(name_ref.get("name", "")) if isinstance(name_ref, dict) else ""
        memo = str(txn.get("PrivateNote") or "")
        amounts = [(account_id, money(amount * rate * scale)) for account_id, amount in sides]
        rest = -sum((amount for _, amount in amounts), Decimal(0))
        if rest:  # a cent lost to the exchange rate, or a form without lines
            amounts.append((self.special("UncategorizedIncome"), rest))
        return [Posting(date or str(txn.get("TxnDate", ""))[:10], account_id, amount, entity,
                        str(txn["Id"]),
                        str(txn.get("DocNumber") or txn.get("PaymentRefNum") or ""),
                        name_id, name, memo)
                for account_id, amount in amounts if amount]

    def _sales_sides(self, txn: dict) -> list[tuple[str, Decimal]]:
        """Credits (negative) of a sales form's lines and tax, summing to -TotalAmt."""
        total = _dec(txn.get("TotalAmt"))
        tax = _dec((txn.get("TxnTaxDetail") or {}).get("TotalTax"))
        lines: list[tuple[str, Decimal]] = []
        for line in txn.get("Line") or []:
            amount = _dec(line.get("Amount"))
            if line.get("DetailType") == "SalesItemLineDetail" or "SalesItemLineDetail" in line:
                item = self.items.get(ref_value(
                    (line.get("SalesItemLineDetail") or {}).get("ItemRef")) or "", {})
                lines.append((self.account_of(item.get("IncomeAccountRef"),
                                              "UncategorizedIncome"), amount))
            elif line.get("DetailType") == "DiscountLineDetail":
                detail = line.get("DiscountLineDetail") or {}
                lines.append((self.account_of(detail.get("DiscountAccountRef"),
                                              "DiscountsRefundsGiven"), -amount))
        sides = [(account, -share) for account, share in _shares(total - tax, lines)]
        if tax:
            sides += [(account, -share) for account, share in self._tax_sides(txn, tax)]
        return sides

    def _tax_sides(self, txn: dict, tax: Decimal) -> list[tuple[str, Decimal]]:
        """The tax, per rate, on the payable account of the rate's agency ("<agency>
        Payable", as Intuit names it), else on the company's tax payable account."""
        lines = []
        for line in (txn.get("TxnTaxDetail") or {}).get("TaxLine") or []:
            rate_id = ref_value((line.get("TaxLineDetail") or {}).get("TaxRateRef"))
            lines.append((self._agency_account(rate_id), _dec(line.get("Amount"))))
        return _shares(tax, lines) if lines else [(self.tax_account(), tax)]

    def _agency_account(self, rate_id: str | None) -> str:
        rate = self.store.entity(self.realm, "TaxRate", rate_id) if rate_id else None
        agency_id = ref_value((rate or {}).get("AgencyRef"))
        agency = self.store.entity(self.realm, "TaxAgency", agency_id) if agency_id else None
        if agency:
            wanted = f"{agency.get('DisplayName', '')} Payable".lower()
            for account_id, account in self.accounts.items():
                if str(account.get("Name", "")).lower() == wanted:
                    return account_id
        return self.tax_account()

    def _cost_of_sales(self, txn: dict, sign: int) -> list[tuple[str, Decimal]]:
        """Inventory sold (`sign` 1) or returned (-1): COGS debit, inventory asset credit."""
        sides: list[tuple[str, Decimal]] = []
        if txn.get("PrivateNote") == "Voided":  # its stock went back when it was voided
            return sides
        for line in txn.get("Line") or []:
            detail = line.get("SalesItemLineDetail") or {}
            item = self.items.get(ref_value(detail.get("ItemRef")) or "", {})
            if item.get("Type") != "Inventory":
                continue
            cost = money(_dec(detail.get("Qty") or 1) * _dec(item.get("PurchaseCost")))
            sides += [(self.account_of(item.get("ExpenseAccountRef"), "SuppliesMaterialsCogs"),
                       sign * cost),
                      (self.account_of(item.get("AssetAccountRef"), "Inventory"), -sign * cost)]
        return sides

    def _starting_stock(self, item: dict) -> None:
        if item.get("Type") != "Inventory" or not item.get("InvStartDate"):
            return
        # QtyOnHand moves with sales: the starting quantity is now's plus what was sold.
        value = money(self._starting_quantity(item) * _dec(item.get("PurchaseCost")))
        if value:
            self.postings += self._post(
                {"Id": item["Id"], "TxnDate": item["InvStartDate"]}, "Inventory Starting Value",
                [(self.account_of(item.get("AssetAccountRef"), "Inventory"), value),
                 (self.special("OpeningBalanceEquity"), -value)])

    def _starting_quantity(self, item: dict) -> Decimal:
        quantity = _dec(item.get("QtyOnHand"))
        signs = {"Invoice": 1, "SalesReceipt": 1, "CreditMemo": -1, "RefundReceipt": -1}
        for entity, sign in signs.items():
            for txn in self.store.entities(self.realm, entity):
                if txn.get("PrivateNote") == "Voided":
                    continue
                for line in txn.get("Line") or []:
                    detail = line.get("SalesItemLineDetail") or {}
                    if ref_value(detail.get("ItemRef")) == str(item["Id"]):
                        quantity += sign * _dec(detail.get("Qty") or 1)
        for txn in self.store.entities(self.realm, "Purchase"):
            for line in txn.get("Line") or []:
                detail = line.get("ItemBasedExpenseLineDetail") or {}
                if ref_value(detail.get("ItemRef")) == str(item["Id"]):
                    quantity -= _dec(detail.get("Qty") or 1)
        return quantity

    def _invoice(self, txn: dict) -> list[Posting]:
        total = _dec(txn.get("TotalAmt"))
        ar = self.ar(txn)
        sides = [(ar, total), *self._sales_sides(txn), *self._cost_of_sales(txn, 1)]
        deposit = _dec(txn.get("Deposit"))
        if deposit:
            sides += [(self.account_of(txn.get("DepositToAccountRef"), "UndepositedFunds"),
                       deposit), (ar, -deposit)]
        return self._post(txn, "Invoice", sides)

    def _salesreceipt(self, txn: dict) -> list[Posting]:
        return self._post(txn, "Sales Receipt", [
            (self.account_of(txn.get("DepositToAccountRef"), "UndepositedFunds"),
             _dec(txn.get("TotalAmt"))), *self._sales_sides(txn), *self._cost_of_sales(txn, 1)])

    def _refundreceipt(self, txn: dict) -> list[Posting]:
        return self._post(txn, "Refund", [
            (self.account_of(txn.get("DepositToAccountRef"), "UndepositedFunds"),
             -_dec(txn.get("TotalAmt"))),
            *((account, -amount) for account, amount in self._sales_sides(txn)),
            *self._cost_of_sales(txn, -1)])

    def _creditmemo(self, txn: dict) -> list[Posting]:
        return self._post(txn, "Credit Memo", [
            (self.ar(txn), -_dec(txn.get("TotalAmt"))),
            *((account, -amount) for account, amount in self._sales_sides(txn)),
            *self._cost_of_sales(txn, -1)])

    def _payment(self, txn: dict) -> list[Posting]:
        total = _dec(txn.get("TotalAmt"))
        return self._post(txn, "Payment", [
            (self.account_of(txn.get("DepositToAccountRef"), "UndepositedFunds"), total),
            (self.ar(txn), -total)])

    def _deposit(self, txn: dict) -> list[Posting]:
        sides = [(self.account_of(txn.get("DepositToAccountRef"), "UndepositedFunds"),
                  _dec(txn.get("TotalAmt")))]
        lines = []
        for line in txn.get("Line") or []:
            if line.get("LinkedTxn"):
                account = self.special("UndepositedFunds")
            else:
                detail = line.get("DepositLineDetail") or {}
                account = self.account_of(detail.get("AccountRef"), "UncategorizedIncome")
            lines.append((account, _dec(line.get("Amount"))))
        sides += [(a, -share) for a, share in _shares(_dec(txn.get("TotalAmt")), lines)]
        return self._post(txn, "Deposit", sides)

    def _expense_lines(self, txn: dict) -> list[tuple[str, Decimal]]:
        lines = []
        for line in txn.get("Line") or []:
            amount = _dec(line.get("Amount"))
            if "ItemBasedExpenseLineDetail" in line:
                item = self.items.get(ref_value(
                    line["ItemBasedExpenseLineDetail"].get("ItemRef")) or "", {})
                key = "AssetAccountRef" if item.get("Type") == "Inventory" else \
                    "ExpenseAccountRef"
                lines.append((self.account_of(item.get(key), "UncategorizedExpense"), amount))
            else:
                detail = line.get("AccountBasedExpenseLineDetail") or {}
                lines.append((self.account_of(detail.get("AccountRef"), "UncategorizedExpense"),
                              amount))
        return _shares(_dec(txn.get("TotalAmt")), lines)

    def _purchase(self, txn: dict) -> list[Posting]:
        sign = -1 if txn.get("Credit") in (True, "true") else 1
        total = _dec(txn.get("TotalAmt"))
        kind = {"Check": "Check", "CreditCard": "Credit Card Expense"}.get(
            str(txn.get("PaymentType")), "Expense")
        return self._post(txn, kind, [
            (self.account_of(txn.get("AccountRef"), "UndepositedFunds"), -sign * total),
            *((a, sign * amount) for a, amount in self._expense_lines(txn))])

    def _bill(self, txn: dict) -> list[Posting]:
        return self._post(txn, "Bill", [(self.ap(txn), -_dec(txn.get("TotalAmt"))),
                                        *self._expense_lines(txn)])

    def _vendorcredit(self, txn: dict) -> list[Posting]:
        return self._post(txn, "Vendor Credit", [
            (self.ap(txn), _dec(txn.get("TotalAmt"))),
            *((a, -amount) for a, amount in self._expense_lines(txn))])

    def _billpayment(self, txn: dict) -> list[Posting]:
        total = _dec(txn.get("TotalAmt"))
        paid_from = ((txn.get("CheckPayment") or {}).get("BankAccountRef")
                     or (txn.get("CreditCardPayment") or {}).get("CCAccountRef"))
        return self._post(txn, "Bill Payment", [
            (self.ap(txn), total), (self.account_of(paid_from, "UndepositedFunds"), -total)])

    def _journalentry(self, txn: dict) -> list[Posting]:
        sides = []
        for line in txn.get("Line") or []:
            detail = line.get("JournalEntryLineDetail") or {}
            sign = 1 if detail.get("PostingType") == "Debit" else -1
            sides.append((self.account_of(detail.get("AccountRef"), "UncategorizedExpense"),
                          sign * _dec(line.get("Amount"))))
        return self._post(txn, "Journal Entry", sides)

    def _transfer(self, txn: dict) -> list[Posting]:
        amount = _dec(txn.get("Amount"))
        return self._post(txn, "Transfer", [
            (self.account_of(txn.get("ToAccountRef"), "UndepositedFunds"), amount),
            (self.account_of(txn.get("FromAccountRef"), "UndepositedFunds"), -amount)])

    def _creditcardpayment(self, txn: dict) -> list[Posting]:
        amount = _dec(txn.get("Amount"))
        return self._post(txn, "Credit Card Payment", [
            (self.account_of(txn.get("CreditCardAccountRef"), "UndepositedFunds"), amount),
            (self.account_of(txn.get("BankAccountRef"), "UndepositedFunds"), -amount)])

    def _cash_income(self, txn: dict) -> list[Posting]:
        """Cash basis: what a payment pays of each invoice (bill), on the payment's date,
        in the invoice's income (expense) accounts, in proportion to the amount paid."""
        postings: list[Posting] = []
        for line in txn.get("Line") or []:
            for link in line.get("LinkedTxn") or []:
                entity = {"Invoice": "Invoice", "Bill": "Bill"}.get(str(link.get("TxnType")))
                billed = entity and self.store.entity(self.realm, entity, str(link.get("TxnId")))
                if not billed or not _dec(billed.get("TotalAmt")):
                    continue
                share = _dec(line.get("Amount")) / _dec(billed["TotalAmt"])
                for posting in getattr(self, f"_{entity.lower()}")(billed):
                    if self._in_pl(posting):
                        postings.append(Posting(
                            str(txn.get("TxnDate", ""))[:10], posting.account_id,
                            money(posting.amount * share), posting.txn_type, posting.txn_id,
                            posting.doc_number, posting.name_id, posting.name, posting.memo))
        return postings


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _shares(total: Decimal, lines: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """The lines' amounts, made to sum to `total` in proportion (the last takes the cent)."""
    total = money(total)
    summed = sum((amount for _, amount in lines), Decimal(0))
    if summed == total or not lines:
        return lines if lines or not total else []
    if not summed:
        return [(lines[0][0], total)]
    shares = [(account, money(amount * total / summed)) for account, amount in lines]
    rest = total - sum((share for _, share in shares), Decimal(0))
    account, last = shares[-1]
    shares[-1] = (account, (last + rest).quantize(CENT))
    return shares
