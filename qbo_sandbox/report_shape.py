"""The report shape shared by the report modules (reports.py, aging.py): parameters and
dates, the header, columns, rows and cells of Intuit's report JSON:

    {"Header": {"Time", "ReportName", "DateMacro"?, "ReportBasis"?, "StartPeriod",
                "EndPeriod", "SummarizeColumnsBy", "Currency", "Option": [{Name, Value}]},
     "Columns": {"Column": [{"ColTitle", "ColType", "MetaData": [{"Name": "ColKey", ...}]}]},
     "Rows": {"Row": [{"type": "Section", "group", "Header": {"ColData"}, "Rows": {"Row"},
                       "Summary": {"ColData"}} or {"type": "Data", "ColData": [{value, id?}]}]}}

Amounts are strings with two decimals ("1350.55", "-20.00"); an empty cell is "".
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import faults, ledger
from .ledger import Ledger, Posting
from .shapes import company_zone, local_time
from .values import iso

ZERO = Decimal(0)
DEFAULT_MACRO = "This Calendar Year-to-date"
# Where each account type goes. Balance sheet: (top section, middle section, group, title).
BALANCE_SHEET = {
    "Bank": ("assets", "CurrentAssets", "BankAccounts", "Bank Accounts"),
    "Accounts Receivable": ("assets", "CurrentAssets", "AR", "Accounts Receivable"),
    "Other Current Asset": ("assets", "CurrentAssets", "OtherCurrentAssets",
                            "Other Current Assets"),
    "Fixed Asset": ("assets", None, "FixedAssets", "Fixed Assets"),
    "Other Asset": ("assets", None, "OtherAssets", "Other Assets"),
    "Accounts Payable": ("liabilities", "CurrentLiabilities", "AP", "Accounts Payable"),
    "Credit Card": ("liabilities", "CurrentLiabilities", "CreditCards", "Credit Cards"),
    "Other Current Liability": ("liabilities", "CurrentLiabilities", "OtherCurrentLiabilities",
                                "Other Current Liabilities"),
    "Long Term Liability": ("liabilities", None, "LongTermLiabilities",
                            "Long-Term Liabilities"),
    "Equity": ("equity", None, "Equity", "Equity"),
}
PROFIT_AND_LOSS = (("Income", "Income", "Income"), ("Cost of Goods Sold", "COGS",
                                                    "Cost of Goods Sold"),
                   ("Expense", "Expenses", "Expenses"), ("Other Income", "OtherIncome",
                                                         "Other Income"),
                   ("Other Expense", "OtherExpenses", "Other Expenses"))
ACCOUNT_ORDER = (*BALANCE_SHEET, *(kind for kind, _, _ in PROFIT_AND_LOSS))


class Period:
    """The dates a report covers, and the macro that named them (if one did)."""

    def __init__(self, start: date, end: date, macro: str | None) -> None:
        self.start, self.end, self.macro = start, end, macro


class Context:
    """What every report reads: the books, the parameters and the company's today."""

    def __init__(self, books: Any, name: str, params: Any) -> None:
        self.books, self.name, self.params = books, name, params
        self.today = datetime.fromtimestamp(books.now, company_zone(books.country) or UTC).date()
        basis = str(params.get("accounting_method") or "Accrual").capitalize()
        if basis not in ("Accrual", "Cash"):
            raise faults.request_malformed("accounting_method")
        self.basis = basis
        self._ledger: Ledger | None = None

    def accrual_only(self) -> None:
        """Balance sheets are on the accrual basis here (a cash-basis one would take
        receivables and payables out); the header says so."""
        self.basis = "Accrual"

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = ledger.build(self.books.store, self.books.realm, basis=self.basis)
        return self._ledger

    def period(self, default: str = DEFAULT_MACRO) -> Period:
        start, end = self.params.get("start_date"), self.params.get("end_date")
        macro = self.params.get("date_macro")
        if start or end:
            end_day = _date(end, "end_date") if end else self.today
            start_day = _date(start, "start_date") if start else end_day.replace(month=1, day=1)
            return Period(start_day, end_day, None)
        macro = macro or default
        return Period(*date_macro(macro, self.today), macro)

    def as_of(self) -> Period:
        """A report run at one date: `report_date`, else `end_date`, else the macro's end."""
        day = self.params.get("report_date") or self.params.get("end_date")
        if day:
            parsed = _date(day, "report_date")
            return Period(parsed, parsed, None)
        macro = self.params.get("date_macro") or "Today"
        _, end = date_macro(macro, self.today)
        return Period(end, end, macro)

    def header(self, period: Period, *, basis: bool = True, empty: bool = False,
               options: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
        head: dict[str, Any] = {
            "Time": local_time(iso(self.books.now), company_zone(self.books.country)),
            "ReportName": self.name,
        }
        if period.macro:
            head["DateMacro"] = period.macro.lower()
        if basis:
            head["ReportBasis"] = self.basis
        head.update({"StartPeriod": period.start.isoformat(),
                     "EndPeriod": period.end.isoformat(), "SummarizeColumnsBy": "Total",
                     "Currency": self.books._home_currency()})
        pairs = [*options, ("AccountingStandard", "GAAP"),
                 ("NoReportData", "true" if empty else "false")]
        head["Option"] = [{"Name": n, "Value": v} for n, v in pairs]
        return head



# dates ------------------------------------------------------------------------------------
def date_macro(macro: str, today: date) -> tuple[date, date]:
    """Intuit's date macros (fiscal year = calendar year, as the sample companies')."""
    key = macro.strip().lower().replace("fiscal ", "").replace("calendar ", "")
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    last_quarter_end = quarter_start - timedelta(days=1)
    last_quarter_start = last_quarter_end.replace(
        month=(last_quarter_end.month - 1) // 3 * 3 + 1, day=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    year_start = today.replace(month=1, day=1)
    last_year = today.year - 1
    ranges = {
        "all": (date(1900, 1, 1), today),
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this week": (week_start, week_start + timedelta(days=6)),
        "this week-to-date": (week_start, today),
        "last week": (week_start - timedelta(days=7), week_start - timedelta(days=1)),
        "last week-to-date": (week_start - timedelta(days=7), today - timedelta(days=7)),
        "this month": (month_start, _month_end(today)),
        "this month-to-date": (month_start, today),
        "last month": (last_month_end.replace(day=1), last_month_end),
        "last month-to-date": (last_month_end.replace(day=1),
                               min(last_month_end, _shift_month(today, -1))),
        "this quarter": (quarter_start, _month_end(quarter_start.replace(
            month=quarter_start.month + 2))),
        "this quarter-to-date": (quarter_start, today),
        "last quarter": (last_quarter_start, last_quarter_end),
        "this year": (year_start, date(today.year, 12, 31)),
        "this year-to-date": (year_start, today),
        "last year": (date(last_year, 1, 1), date(last_year, 12, 31)),
        "last year-to-date": (date(last_year, 1, 1), _shift_year(today)),
    }
    if key not in ranges:
        raise faults.request_malformed("date_macro")
    return ranges[key]


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _shift_month(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _shift_year(day: date) -> date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) \
        else day.replace(year=day.year - 1)


def _date(value: Any, element: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise faults.request_malformed(element) from None


# cells and rows ---------------------------------------------------------------------------
def amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def cell(value: str, ident: str | None = None) -> dict[str, str]:
    return {"value": value, "id": ident} if ident else {"value": value}


def columns(*specs: tuple[str, str, str]) -> dict[str, Any]:
    return {"Column": [{"ColTitle": title, "ColType": kind,
                        "MetaData": [{"Name": "ColKey", "Value": key}]}
                       for title, kind, key in specs]}


def data_row(*cells: dict[str, str]) -> dict[str, Any]:
    return {"ColData": list(cells), "type": "Data"}


def section(title: str | None, rows: list[dict], summary: list[dict] | None, group: str = "",
            width: int = 2) -> dict[str, Any]:
    row: dict[str, Any] = {}
    if title is not None:
        row["Header"] = {"ColData": [cell(title), *(cell("") for _ in range(width - 1))]}
    if rows:
        row["Rows"] = {"Row": rows}
    if summary is not None:
        row["Summary"] = {"ColData": summary}
    row["type"] = "Section"
    if group:
        row["group"] = group
    return row


def account_cell(book: Ledger, account_id: str) -> dict[str, str]:
    account = book.account(account_id)
    ident = str(account.get("Id") or "")
    return cell(str(account.get("FullyQualifiedName") or account.get("Name", "")),
                ident or None)


def ordered(book: Ledger, account_ids: Any) -> list[str]:
    def key(account_id: str) -> tuple:
        account = book.account(account_id)
        kind = account.get("AccountType", "")
        position = ACCOUNT_ORDER.index(kind) if kind in ACCOUNT_ORDER else len(ACCOUNT_ORDER)
        return position, str(account.get("FullyQualifiedName") or account.get("Name", ""))
    return sorted(account_ids, key=key)


def balances(book: Ledger, postings: list[Posting]) -> dict[str, Decimal]:
    """Each account's balance, in its normal sign, from these postings (non-zero only)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for posting in postings:
        sums[posting.account_id] += posting.amount
    return {account_id: (total if book.debit_normal(account_id) else -total)
            for account_id, total in sums.items() if total}


def between(postings: list[Posting], start: date | None, end: date) -> list[Posting]:
    low, high = (start.isoformat() if start else ""), end.isoformat()
    return [p for p in postings if low <= p.date <= high]



def names(ctx: Context, entity: str) -> dict[str, dict]:
    """The company's customers (vendors) by Id."""
    return {str(c["Id"]): c for c in ctx.books.store.entities(ctx.books.realm, entity)}


def name_cell(people: dict[str, dict], person_id: str) -> dict[str, str]:
    person = people.get(person_id, {})
    name = person.get("FullyQualifiedName") or person.get("DisplayName") or ""
    return cell(str(name), person_id or None)


def by_name(people: dict[str, dict], ids: Any) -> list[str]:
    return sorted(ids, key=lambda c: str(people.get(c, {}).get("DisplayName", "")).lower())


def dec(value: Any) -> Decimal:
    return ledger._dec(value)


def rate(txn: dict) -> Decimal:
    return Decimal(str(txn.get("ExchangeRate") or 1))
