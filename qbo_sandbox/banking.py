"""Money moved between a company's own accounts: transfers, credit card payments and journal
entries. A mixin of `entities.Books`.

These three post to the accounts' CurrentBalance (as QuickBooks keeps it: an asset's balance
grows with a debit, a liability's or equity's with a credit; income and expense accounts show
no CurrentBalance). The sandbox's other transactions do not post (README).
- Transfer: Amount (> 0) from FromAccountRef to ToAccountRef, two different balance-sheet
  accounts: the first is credited, the second debited.
- CreditCardPayment: pays a credit card (CreditCardAccountRef, a Credit Card account) from an
  asset account (BankAccountRef, a bank account as a rule): both balances fall by Amount.
- JournalEntry: lines of JournalEntryLineDetail (PostingType Debit or Credit, AccountRef); the
  debits must equal the credits; a line on Accounts Receivable names a customer, on Accounts
  Payable a vendor (JournalEntryLineDetail.Entity.EntityRef).
Updating or deleting any of them takes back what it posted first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import MAX_DOC_NUMBER
from .values import as_json_number, clean, money, ref_value
from .values import decimal_field as _decimal

if TYPE_CHECKING:
    from .store import Store

BALANCE_SHEET = ("Asset", "Liability", "Equity")


def postings(entity: str, txn: dict) -> list[tuple[str, Decimal]]:
    """What `txn` does to its accounts: (account Id, debit amount; a credit is negative)."""
    if entity == "Transfer":
        amount = Decimal(str(txn.get("Amount") or 0))
        return [(ref_value(txn["ToAccountRef"]) or "", amount),
                (ref_value(txn["FromAccountRef"]) or "", -amount)]
    if entity == "CreditCardPaymentTxn":
        amount = Decimal(str(txn.get("Amount") or 0))
        return [(ref_value(txn["CreditCardAccountRef"]) or "", amount),
                (ref_value(txn["BankAccountRef"]) or "", -amount)]
    if entity == "JournalEntry":
        result = []
        for line in txn.get("Line") or []:
            detail = line.get("JournalEntryLineDetail") or {}
            amount = Decimal(str(line.get("Amount") or 0))
            sign = 1 if detail.get("PostingType") == "Debit" else -1
            result.append((ref_value(detail.get("AccountRef")) or "", sign * amount))
        return result
    return []


class Banking:
    """Transfer, CreditCardPayment (CreditCardPaymentTxn) and JournalEntry: savers, postings."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def _banking(self, entity: str, data: dict, current: dict | None, params: dict) -> dict:
        if current is not None and current.get("PrivateNote") == "Voided":
            raise faults.business_rule("A voided transaction can't be edited.")
        self._invoice_dates(data)  # type: ignore[attr-defined]
        data.pop("DueDate", None)
        if entity == "JournalEntry":
            self._journal_lines(data)
        else:
            amount = _decimal(data.get("Amount"), "Amount")
            if amount is None:
                raise faults.required_missing("Amount")
            if money(amount) <= 0:
                raise faults.business_rule("The amount must be more than 0.", "Amount")
            data["Amount"] = as_json_number(money(amount))
            if entity == "Transfer":
                source = self._posting_account(data, "FromAccountRef", BALANCE_SHEET)
                target = self._posting_account(data, "ToAccountRef", BALANCE_SHEET)
                if source["Id"] == target["Id"]:
                    raise faults.business_rule(
                        "A transfer needs two different accounts: FromAccountRef and "
                        "ToAccountRef are the same.", "ToAccountRef")
            else:
                self._posting_account(data, "BankAccountRef", ("Asset",))
                self._posting_account(data, "CreditCardAccountRef", ("Liability",),
                                      types=("Credit Card",))
        self._txn_currency(data, None)  # type: ignore[attr-defined]
        data.update(domain="QBO", sparse=False)
        if current is not None:
            self._post(entity, current, -1)
        self.store.put_entity(self.realm, entity, data)
        self._post(entity, data, +1)
        return data

    def _posting_account(self, data: dict, key: str, classes: tuple[str, ...], *,
                         types: tuple[str, ...] = ()) -> dict:
        account_id = ref_value(data.get(key))
        if account_id is None:
            raise faults.required_missing(key)
        account = self.store.entity(self.realm, "Account", account_id)
        if (account is None or account.get("Classification") not in classes
                or (types and account.get("AccountType") not in types)):
            raise faults.invalid_reference(key, account_id)
        data[key] = {"value": account_id, "name": account["Name"]}
        return account

    def _journal_lines(self, data: dict) -> None:
        number = data.get("DocNumber")
        if number not in (None, "") and len(str(number)) > MAX_DOC_NUMBER:
            raise faults.string_length("DocNumber")
        lines, debits, credits = [], Decimal(0), Decimal(0)
        for raw in data.get("Line") or []:
            line = clean(raw)
            if line.get("DetailType", "JournalEntryLineDetail") != "JournalEntryLineDetail":
                if line.get("DetailType") == "DescriptionOnly":
                    continue
                raise faults.request_malformed(f"Line.DetailType={line.get('DetailType')}")
            detail = line.get("JournalEntryLineDetail") or {}
            posting = detail.get("PostingType")
            if posting not in ("Debit", "Credit"):
                raise faults.required_missing("JournalEntryLineDetail.PostingType")
            account_id = ref_value(detail.get("AccountRef"))
            if account_id is None:
                raise faults.required_missing("JournalEntryLineDetail.AccountRef")
            account = self.store.entity(self.realm, "Account", account_id)
            if account is None:
                raise faults.invalid_reference("AccountRef", account_id)
            detail["AccountRef"] = {"value": account_id, "name": account["Name"]}
            self._journal_entity(detail, account)
            amount = money(_decimal(line.get("Amount"), "Amount") or 0)
            if amount < 0:
                raise faults.business_rule("A journal line's amount can't be negative.",
                                           "Amount")
            if posting == "Debit":
                debits += amount
            else:
                credits += amount
            line.update(Id=str(len(lines)), DetailType="JournalEntryLineDetail",
                        Amount=as_json_number(amount), JournalEntryLineDetail=detail)
            lines.append(line)
        if not lines:
            raise faults.required_missing("Line")
        if debits != credits:
            raise faults.business_rule(
                f"Debits ({debits}) and credits ({credits}) must be equal: a journal entry "
                "must balance.", "Line")
        data["Line"] = lines
        data["TotalAmt"] = as_json_number(debits)
        data.setdefault("Adjustment", False)

    def _journal_entity(self, detail: dict, account: dict) -> None:
        """Accounts Receivable lines name a customer, Accounts Payable lines a vendor."""
        needed = {"Accounts Receivable": "Customer",
                  "Accounts Payable": "Vendor"}.get(str(account.get("AccountType")))
        entity = detail.get("Entity") or {}
        ref = entity.get("EntityRef") or {}
        kind = entity.get("Type") or ref.get("type") or needed
        entity_id = ref_value(ref)
        if entity_id is None:
            if needed:
                raise faults.business_rule(
                    f"A journal line on {account['Name']} must name a {needed.lower()} "
                    "(JournalEntryLineDetail.Entity.EntityRef).", "Entity")
            detail.pop("Entity", None)
            return
        if needed and kind != needed:
            raise faults.business_rule(
                f"A journal line on {account['Name']} names a {needed.lower()}, not a "
                f"{str(kind).lower()}.", "Entity")
        found = self.store.entity(self.realm, str(kind), entity_id) if kind in (
            "Customer", "Vendor", "Employee") else None
        if found is None:
            raise faults.invalid_reference("EntityRef", entity_id)
        detail["Entity"] = {"Type": kind, "EntityRef": {"value": entity_id,
                                                        "name": found["DisplayName"]}}

    def _post(self, entity: str, txn: dict, sign: int) -> None:
        """Move the accounts' CurrentBalance by `txn`'s postings (`sign` -1 takes them back)."""
        for account_id, debit in postings(entity, txn):
            account = self.store.entity(self.realm, "Account", account_id)
            if account is None or account.get("Classification") not in BALANCE_SHEET:
                continue
            change = debit if account["Classification"] == "Asset" else -debit
            balance = money(Decimal(str(account.get("CurrentBalance") or 0)) + sign * change)
            account["CurrentBalance"] = as_json_number(balance)
            with_subs = Decimal(str(account.get("CurrentBalanceWithSubAccounts") or 0))
            account["CurrentBalanceWithSubAccounts"] = as_json_number(
                money(with_subs + sign * change))
            self.store.put_entity(self.realm, "Account", account)  # no new SyncToken: derived
