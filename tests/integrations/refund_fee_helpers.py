"""Shared set-up for the refund and processing fee tests: a connected US company with the
accounts money moves through, and a worker that pushes every kind of record."""

from dataclasses import dataclass

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import sync

# What the worker pushes, in the order a person's records go (a payment before its refund).
ORDER = ["customer", "item", "invoice", "payment", "fee", "refund"]


@dataclass
class Books:
    account: object
    connection: QuickBooksConnection
    checking: str
    undeposited: str
    fees: str


def set_up_books(sandbox, account) -> Books:
    """A Checking account, Undeposited Funds and a fee expense account in the company."""
    def add(name, kind, sub):
        return sandbox.api_post(account, "Account", {"Name": name, "AccountType": kind,
                                                     "AccountSubType": sub})["Id"]

    checking = add("Checking", "Bank", "Checking")
    undeposited = add("Undeposited Funds", "Other Current Asset", "UndepositedFunds")
    fees = add("Merchant account fees", "Expense", "BankCharges")
    connection = QuickBooksConnection.objects.get(account=account)
    return Books(account, connection, checking, undeposited, fees)


def push_all(account, rounds: int = 6) -> list:
    """Do what the workers do: push every waiting record of the account (any kind)."""
    outcomes = []
    for _ in range(rounds):
        waiting = sorted(
            SyncRecord.objects.filter(account=account, state=SyncRecord.State.NEEDS_SYNC),
            key=lambda r: (ORDER.index(r.kind), r.pk))
        if not waiting:
            break
        outcomes += [sync.sync_record(record_id=r.pk) for r in waiting]
    return outcomes


def push(key: str):
    return sync.sync_record(record_id=SyncRecord.objects.get(key=key).pk)


def books_paying_into_checking(sandbox, account) -> Books:
    """set_up_books, with payments deposited to Checking and card fees on the fee account."""
    books = set_up_books(sandbox, account)
    books.connection.deposit_account_id = books.checking
    books.connection.fee_account_id = books.fees
    books.connection.save()
    return books
