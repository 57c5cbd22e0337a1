"""Reports of what customers owe and what is owed to vendors, at a date: aging (summary and
detail) and balances (summary and detail), in Intuit's report shape (report_shape.py).

An open item is what a transaction still leaves owed at the end of the report date, in the
home currency: an invoice (a bill) less its deposit and the payments (bill payments) dated by
then; an unapplied payment and a credit memo (a vendor credit) count as minus. Aging counts
the days past an item's due date (a credit's date): Current, then "1 - 30", "31 - 60",
"61 - 90", "91 and over" (`aging_period`, `num_periods`), as Intuit's aging columns read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from . import faults
from .report_shape import (
    ZERO,
    Context,
    Period,
    amount,
    by_name,
    cell,
    columns,
    data_row,
    dec,
    name_cell,
    names,
    rate,
    section,
)
from .values import ref_value


@dataclass(frozen=True)
class Side:
    """Receivables or payables: which transactions make and settle what is owed."""

    people: str  # Customer or Vendor
    ref: str  # CustomerRef or VendorRef
    owed: str  # Invoice or Bill
    owed_label: str
    paid_by: str  # Payment or BillPayment
    paid_label: str
    credit: str  # CreditMemo or VendorCredit
    credit_label: str
    filter_param: str  # customer or vendor


RECEIVABLES = Side("Customer", "CustomerRef", "Invoice", "Invoice", "Payment", "Payment",
                   "CreditMemo", "Credit Memo", "customer")
PAYABLES = Side("Vendor", "VendorRef", "Bill", "Bill", "BillPayment", "Bill Payment",
                "VendorCredit", "Vendor Credit", "vendor")


@dataclass(frozen=True)
class OpenItem:
    txn: dict
    txn_type: str
    open: Decimal
    due: str
    party_id: str


def open_items(ctx: Context, side: Side, day: date) -> list[OpenItem]:
    """What is owed at the end of `day`, item by item (see the module's docstring)."""
    store, realm = ctx.books.store, ctx.books.realm
    upto = day.isoformat()
    paid: dict[str, Decimal] = defaultdict(Decimal)
    items: list[OpenItem] = []

    def item(txn: dict, label: str, owed: Decimal, due: Any) -> OpenItem:
        return OpenItem(txn, label, owed * rate(txn), str(due or txn.get("TxnDate", ""))[:10],
                        ref_value(txn.get(side.ref)) or "")

    for payment in store.entities(realm, side.paid_by):
        if str(payment.get("TxnDate", ""))[:10] > upto:
            continue
        for line in payment.get("Line") or []:
            for link in line.get("LinkedTxn") or []:
                if link.get("TxnType") == side.owed:
                    paid[str(link.get("TxnId"))] += dec(line.get("Amount"))
        if dec(payment.get("UnappliedAmt")):
            items.append(item(payment, side.paid_label, -dec(payment["UnappliedAmt"]), None))
    for txn in store.entities(realm, side.owed):
        if str(txn.get("TxnDate", ""))[:10] > upto:
            continue
        owed = dec(txn.get("TotalAmt")) - dec(txn.get("Deposit")) - paid[str(txn["Id"])]
        if owed:
            items.append(item(txn, side.owed_label, owed, txn.get("DueDate")))
    for credit in store.entities(realm, side.credit):
        remaining = dec(credit.get("RemainingCredit", credit.get("Balance",
                                                                credit.get("TotalAmt"))))
        if str(credit.get("TxnDate", ""))[:10] <= upto and remaining:
            items.append(item(credit, side.credit_label, -remaining, None))
    sent = ctx.params.get(side.filter_param)
    if sent:
        wanted = {part.strip() for part in str(sent).split(",") if part.strip()}
        items = [i for i in items if i.party_id in wanted]
    return items


def _aging(ctx: Context) -> tuple[int, int]:
    try:
        period = int(ctx.params.get("aging_period") or 30)
        count = int(ctx.params.get("num_periods") or 4)
    except ValueError:
        raise faults.request_malformed("aging_period") from None
    if period < 1 or count < 1:
        raise faults.request_malformed("aging_period")
    return period, count


def _bucket(item: OpenItem, day: date, period: int, count: int) -> int:
    """0 = Current (not yet due), then 1..count by days past due."""
    late = (day - date.fromisoformat(item.due)).days if item.due else 0
    return 0 if late <= 0 else min((late - 1) // period + 1, count)


def _bucket_titles(period: int, count: int) -> list[str]:
    titles = ["Current"]
    titles += [f"{i * period + 1} - {(i + 1) * period}" for i in range(count - 1)]
    titles.append(f"{(count - 1) * period + 1} and over")
    return titles


def _header(ctx: Context, period: Period, empty: bool) -> dict[str, Any]:
    return ctx.header(period, basis=False, empty=empty,
                      options=(("report_date", period.end.isoformat()),))


def aged_summary(ctx: Context, side: Side) -> dict[str, Any]:
    period = ctx.as_of()
    aging, count = _aging(ctx)
    people = names(ctx, side.people)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * (count + 1))
    for item in open_items(ctx, side, period.end):
        sums[item.party_id][_bucket(item, period.end, aging, count)] += item.open
    rows, grand = [], [ZERO] * (count + 1)
    for party_id in by_name(people, sums):
        values = sums[party_id]
        if not any(values):
            continue
        grand = [a + b for a, b in zip(grand, values, strict=True)]
        rows.append(data_row(name_cell(people, party_id),
                             *(cell(amount(v) if v else "") for v in values),
                             cell(amount(sum(values, ZERO)))))
    rows.append(section(None, [], [cell("TOTAL"), *(cell(amount(v)) for v in grand),
                                   cell(amount(sum(grand, ZERO)))], "GrandTotal"))
    return {"Header": _header(ctx, period, len(rows) == 1),
            "Columns": columns(("", side.people, side.people.lower()),
                               *((t, "Money", "current" if i == 0 else str(i - 1))
                                 for i, t in enumerate(_bucket_titles(aging, count))),
                               ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


def _item_cells(item: OpenItem, people: dict[str, dict]) -> list[dict[str, str]]:
    txn = item.txn
    total = dec(txn.get("TotalAmt")) * rate(txn) * (1 if item.open > 0 else -1)
    return [cell(str(txn.get("TxnDate", ""))[:10]), cell(item.txn_type, str(txn["Id"])),
            cell(str(txn.get("DocNumber") or txn.get("PaymentRefNum") or "")),
            name_cell(people, item.party_id),
            cell(item.due if item.txn_type in ("Invoice", "Bill") else ""),
            cell(amount(total)), cell(amount(item.open))]


DETAIL_COLUMNS = (("Date", "Date", "tx_date"), ("Transaction Type", "String", "txn_type"),
                  ("Num", "String", "doc_num"))


def aged_detail(ctx: Context, side: Side) -> dict[str, Any]:
    period = ctx.as_of()
    aging, count = _aging(ctx)
    people = names(ctx, side.people)
    buckets: dict[int, list[OpenItem]] = defaultdict(list)
    for item in open_items(ctx, side, period.end):
        buckets[_bucket(item, period.end, aging, count)].append(item)
    rows, total = [], ZERO
    for index, title in enumerate(_bucket_titles(aging, count)):
        items = sorted(buckets.get(index, []), key=lambda i: (str(i.txn.get("TxnDate")),
                                                              str(i.txn["Id"])))
        if not items:
            continue
        label = title if index == 0 else (
            f"{title.replace(' and over', '')} or more days past due"
            if index == count else f"{title} days past due")
        subtotal = sum((i.open for i in items), ZERO)
        total += subtotal
        rows.append(section(label, [data_row(*_item_cells(i, people)) for i in items],
                            [cell(f"Total for {label}"), *(cell("") for _ in range(5)),
                             cell(amount(subtotal))], width=7))
    rows.append(section(None, [], [cell("TOTAL"), *(cell("") for _ in range(5)),
                                   cell(amount(total))], "GrandTotal"))
    return {"Header": _header(ctx, period, len(rows) == 1),
            "Columns": columns(*DETAIL_COLUMNS,
                               (side.people, "String", f"{side.people.lower()[:4]}_name"),
                               ("Due Date", "Date", "due_date"),
                               ("Amount", "Money", "subt_amount"),
                               ("Open Balance", "Money", "subt_open_bal")),
            "Rows": {"Row": rows}}


def balance_summary(ctx: Context, side: Side) -> dict[str, Any]:
    period = ctx.as_of()
    people = names(ctx, side.people)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for item in open_items(ctx, side, period.end):
        sums[item.party_id] += item.open
    rows = [data_row(name_cell(people, p), cell(amount(sums[p])))
            for p in by_name(people, sums) if sums[p]]
    rows.append(section(None, [], [cell("TOTAL"), cell(amount(sum(sums.values(), ZERO)))],
                        "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(("", side.people, side.people.lower()),
                               ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


def balance_detail(ctx: Context, side: Side) -> dict[str, Any]:
    """Per customer (vendor): each open item and the running balance."""
    period = ctx.as_of()
    people = names(ctx, side.people)
    grouped: dict[str, list[OpenItem]] = defaultdict(list)
    for item in open_items(ctx, side, period.end):
        grouped[item.party_id].append(item)
    rows, total = [], ZERO
    for party_id in by_name(people, grouped):
        items = sorted(grouped[party_id], key=lambda i: (str(i.txn.get("TxnDate")),
                                                         str(i.txn["Id"])))
        running, lines = ZERO, []
        for item in items:
            running += item.open
            cells = _item_cells(item, people)
            lines.append(data_row(*cells[:3], cells[4], cells[5], cells[6],
                                  cell(amount(running))))
        total += running
        heading = name_cell(people, party_id)
        rows.append(section(heading["value"], lines, [
            cell(f"Total for {heading['value']}"), *(cell("") for _ in range(4)),
            cell(amount(running)), cell("")], width=7))
    rows.append(section(None, [], [cell("TOTAL"), *(cell("") for _ in range(4)),
                                   cell(amount(total)), cell("")], "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(*DETAIL_COLUMNS, ("Due Date", "Date", "due_date"),
                               ("Amount", "Money", "subt_amount"),
                               ("Open Balance", "Money", "subt_open_bal"),
                               ("Balance", "Money", "rbal_open_bal")),
            "Rows": {"Row": rows}}


def _for(build: Callable[[Context, Side], dict], side: Side) -> Callable[[Context], dict]:
    return lambda ctx: build(ctx, side)


REPORTS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "AgedReceivables": _for(aged_summary, RECEIVABLES),
    "AgedReceivableDetail": _for(aged_detail, RECEIVABLES),
    "CustomerBalance": _for(balance_summary, RECEIVABLES),
    "CustomerBalanceDetail": _for(balance_detail, RECEIVABLES),
    "AgedPayables": _for(aged_summary, PAYABLES),
    "AgedPayableDetail": _for(aged_detail, PAYABLES),
    "VendorBalance": _for(balance_summary, PAYABLES),
    "VendorBalanceDetail": _for(balance_detail, PAYABLES),
}
