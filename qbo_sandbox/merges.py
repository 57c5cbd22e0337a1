"""Merging two customers or two items, as a bookkeeper does in QuickBooks.

QuickBooks keeps one (the survivor) and deletes the other (the loser): the loser's
transactions move to the survivor, change data capture shows the loser `status: "Deleted"`,
and the webhook says `qbo.<entity>.merged.v1` for the survivor with the loser's id in
`data.deletedid` (Intuit's "Understanding the data object" page). The moved transactions are
ordinary updates (SyncToken + 1), and the loser's removal an ordinary delete event.
"""

from __future__ import annotations

from typing import Any

from . import faults
from .catalog import TRANSACTIONS
from .entities import Books
from .values import iso, ref_value

MERGEABLE = {"Customer": "DisplayName", "Item": "Name"}


def merge(books: Books, entity: str, *, survivor_id: str, deleted_id: str) -> dict[str, Any]:
    """Merge `deleted_id` into `survivor_id` (inside the caller's store transaction); the
    survivor as it is afterwards."""
    if entity not in MERGEABLE:
        raise faults.unsupported_operation(f"merge {entity}")
    survivor_id, deleted_id = str(survivor_id), str(deleted_id)
    if survivor_id == deleted_id:
        raise faults.business_rule(f"A {entity.lower()} cannot be merged with itself.", "Id")
    survivor = books.get(entity, survivor_id)
    loser = books.get(entity, deleted_id)
    if survivor.get("Active") is False or loser.get("Active") is False:
        raise faults.business_rule(f"Only active {entity.lower()}s can be merged.", "Active")
    if entity == "Customer" and (books._currency_code(survivor.get("CurrencyRef"))
                                 != books._currency_code(loser.get("CurrencyRef"))):
        raise faults.business_rule(  # QuickBooks merges customers of one currency only
            "Only customers in the same currency can be merged.", "CurrencyRef")
    if entity == "Item" and survivor.get("Type") != loser.get("Type"):
        raise faults.business_rule("Only items of the same type can be merged.", "Type")
    ref = {"value": survivor_id, "name": survivor.get(MERGEABLE[entity], "")}
    for txn_type in TRANSACTIONS:
        for txn in books.store.entities(books.realm, txn_type):
            if _repoint(txn, entity, deleted_id, ref):
                txn["SyncToken"] = str(int(txn.get("SyncToken", "0")) + 1)
                txn["MetaData"] = {**txn.get("MetaData", {}), "LastUpdatedTime": iso(books.now)}
                books.store.put_entity(books.realm, txn_type, txn)
    books.store.execute("DELETE FROM entities WHERE realm_id = ? AND type = ? AND id = ?",
                        (books.realm, entity, deleted_id))
    books.store.execute("INSERT INTO deleted (realm_id, type, id, time) VALUES (?, ?, ?, ?)",
                        (books.realm, entity, deleted_id, books.now))
    if entity == "Customer":
        books._refresh_customer_balance(survivor_id)
    _capture(books, entity, survivor_id, deleted_id)
    return books.get(entity, survivor_id)


def _repoint(txn: dict[str, Any], entity: str, deleted_id: str, ref: dict[str, str]) -> bool:
    """Point a transaction's references to the loser at the survivor; whether any did."""
    if entity == "Customer":
        if ref_value(txn.get("CustomerRef")) != deleted_id:
            return False
        txn["CustomerRef"] = dict(ref)
        return True
    moved = False
    for line in txn.get("Line", []) or []:
        detail = line.get("SalesItemLineDetail") or {}
        if ref_value(detail.get("ItemRef")) == deleted_id:
            detail["ItemRef"] = dict(ref)
            moved = True
    return moved


def _capture(books: Books, entity: str, survivor_id: str, deleted_id: str) -> None:
    """The `merged` change for webhooks (as the triggers capture the others: only while a
    webhook is registered), the loser's id beside it."""
    cursor = books.store.execute(
        "INSERT INTO changes (realm_id, type, id, operation, time, delivered) "
        "SELECT ?, ?, ?, 'merged', (SELECT time FROM sandbox_now), 0 "
        "WHERE EXISTS (SELECT 1 FROM webhooks)", (books.realm, entity, survivor_id))
    if cursor.rowcount:
        books.store.execute("INSERT INTO merged_changes (seq, deleted_id) VALUES (?, ?)",
                            (cursor.lastrowid, deleted_id))
