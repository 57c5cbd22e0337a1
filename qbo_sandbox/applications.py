"""Lines that apply a payment to open transactions (a Payment to invoices, a BillPayment to
bills): each line's LinkedTxn checked against the target's open balance, the same rules and
sentences for both."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import faults
from .values import as_json_number, clean, money
from .values import decimal_field as _decimal


def applied_lines(
    data: dict, *, txn_type: str, payer: str, target: str, old: dict[str, Decimal],
    find: Callable[[str], dict | None], check: Callable[[str, dict], None],
) -> tuple[list[dict], Decimal, dict[str, Decimal]]:
    """(lines, amount applied, amount per target id) of what `data` applies to `txn_type`s.

    `payer` and `target` name them in sentences ("payments", "invoice"); `old`: what this
    payment applied before (its edit frees it); `find`: the target by id; `check`: the
    payer's own rules for one target (its customer or vendor, its currency)."""
    lines: list[dict] = []
    applied = Decimal(0)
    new: dict[str, Decimal] = {}
    for raw in data.get("Line") or []:
        line = clean(raw)
        amount = money(_decimal(line.get("Amount"), "Amount") or 0)
        links = [t for t in line.get("LinkedTxn") or [] if t]
        if not links:
            raise faults.required_missing("Line.LinkedTxn")
        for link in links:
            txn_id = str(link.get("TxnId", ""))
            if link.get("TxnType", txn_type) != txn_type:
                raise faults.business_rule(
                    f"This sandbox applies {payer} to {target}s only, not "
                    f"{link.get('TxnType')}.", "LinkedTxn")
            found: Any = find(txn_id)
            if found is None:
                raise faults.invalid_reference("LinkedTxn", txn_id)
            check(txn_id, found)
            open_balance = Decimal(str(found["Balance"])) + old.get(txn_id, Decimal(0))
            if amount + new.get(txn_id, Decimal(0)) > open_balance:
                raise faults.business_rule(
                    f"The amount applied to {target} {txn_id} ({amount}) is more than its open "
                    f"balance ({open_balance}).", "Line.Amount")
            new[txn_id] = new.get(txn_id, Decimal(0)) + amount
            link.update(TxnId=txn_id, TxnType=txn_type)
        line.update(Amount=as_json_number(amount), LinkedTxn=links)
        applied += amount
        lines.append(line)
    return lines, applied, new
