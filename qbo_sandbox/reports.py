"""The Reports API: `GET /v3/company/<realm>/reports/<ReportName>`, computed from the
company's transactions (ledger.py) in Intuit's report shape:

    {"Header": {"Time", "ReportName", "DateMacro"?, "ReportBasis"?, "StartPeriod",
                "EndPeriod", "SummarizeColumnsBy", "Currency", "Option": [{Name, Value}]},
     "Columns": {"Column": [{"ColTitle", "ColType", "MetaData": [{"Name": "ColKey", ...}]}]},
     "Rows": {"Row": [{"type": "Section", "group", "Header": {"ColData"}, "Rows": {"Row"},
                       "Summary": {"ColData"}} or {"type": "Data", "ColData": [{value, id?}]}]}}

Amounts are strings with two decimals ("1350.55", "-20.00"); an empty cell is "". The shape
and the section names and groups are those of Intuit's recorded answers (a BalanceSheet with
groups TotalAssets, CurrentAssets, BankAccounts, AR, OtherCurrentAssets, FixedAssets, ...;
aging columns "Current", "1 - 30", ..., "91 and over").
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import faults, ledger
from .ledger import Ledger, Posting
from .shapes import company_zone, local_time
from .values import iso, ref_value

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


def answer(books: Any, name: str, params: Any) -> dict[str, Any] | None:
    """The report `name` (case-insensitive) for the company of `books`; None for a report
    the sandbox does not compute."""
    report = REPORT_NAMES.get(name.lower())
    if report is None:
        return None
    canonical, build = report
    return build(_Context(books, canonical, params))


class _Context:
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

    def customer_filter(self) -> set[str] | None:
        sent = self.params.get("customer")
        return {part.strip() for part in str(sent).split(",") if part.strip()} if sent else None


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


def _account_cell(book: Ledger, account_id: str) -> dict[str, str]:
    account = book.account(account_id)
    ident = str(account.get("Id") or "")
    return cell(str(account.get("FullyQualifiedName") or account.get("Name", "")),
                ident or None)


def _ordered(book: Ledger, account_ids: Any) -> list[str]:
    def key(account_id: str) -> tuple:
        account = book.account(account_id)
        kind = account.get("AccountType", "")
        position = ACCOUNT_ORDER.index(kind) if kind in ACCOUNT_ORDER else len(ACCOUNT_ORDER)
        return position, str(account.get("FullyQualifiedName") or account.get("Name", ""))
    return sorted(account_ids, key=key)


def _balances(book: Ledger, postings: list[Posting]) -> dict[str, Decimal]:
    """Each account's balance, in its normal sign, from these postings (non-zero only)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for posting in postings:
        sums[posting.account_id] += posting.amount
    return {account_id: (total if book.debit_normal(account_id) else -total)
            for account_id, total in sums.items() if total}


def _between(postings: list[Posting], start: date | None, end: date) -> list[Posting]:
    low, high = (start.isoformat() if start else ""), end.isoformat()
    return [p for p in postings if low <= p.date <= high]


# Profit and Loss --------------------------------------------------------------------------
def profit_and_loss(ctx: _Context) -> dict[str, Any]:
    period = ctx.period()
    book = ctx.ledger
    balances = {a: v for a, v in _balances(book, _between(book.postings, period.start,
                                                         period.end)).items()
                if book.account(a).get("AccountType") in ledger.PROFIT_AND_LOSS}
    totals: dict[str, Decimal] = {}
    sections: dict[str, dict] = {}
    for kind, group, title in PROFIT_AND_LOSS:
        ids = _ordered(book, [a for a in balances if book.account(a).get("AccountType") == kind])
        totals[group] = sum((balances[a] for a in ids), ZERO)
        rows = [data_row(_account_cell(book, a), cell(amount(balances[a]))) for a in ids]
        sections[group] = section(title, rows, [cell(f"Total {title}"),
                                                cell(amount(totals[group]))], group)
    gross = totals["Income"] - totals["COGS"]
    operating = gross - totals["Expenses"]
    other = totals["OtherIncome"] - totals["OtherExpenses"]
    rows = [sections["Income"]]
    if totals["COGS"] or "Rows" in sections["COGS"]:
        rows.append(sections["COGS"])
    rows += [section(None, [], [cell("Gross Profit"), cell(amount(gross))], "GrossProfit"),
             sections["Expenses"],
             section(None, [], [cell("Net Operating Income"), cell(amount(operating))],
                     "NetOperatingIncome")]
    if "Rows" in sections["OtherIncome"] or "Rows" in sections["OtherExpenses"]:
        rows += [sections["OtherIncome"], sections["OtherExpenses"],
                 section(None, [], [cell("Net Other Income"), cell(amount(other))],
                         "NetOtherIncome")]
    rows.append(section(None, [], [cell("Net Income"), cell(amount(operating + other))],
                        "NetIncome"))
    return {"Header": ctx.header(period, empty=not balances),
            "Columns": columns(("", "Account", "account"), ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


# Balance Sheet ----------------------------------------------------------------------------
def _balance_sheet_balances(ctx: _Context, end: date) -> tuple[dict[str, Decimal], Decimal]:
    """Balance-sheet accounts at `end` (earlier years' profit in Retained Earnings) and this
    fiscal year's net income up to `end`."""
    book = ctx.ledger
    year_start = end.replace(month=1, day=1)
    upto = _between(book.postings, None, end)
    pl = [p for p in upto if book.account(p.account_id).get("AccountType")
          in ledger.PROFIT_AND_LOSS]
    balances = {a: v for a, v in _balances(book, upto).items()
                if book.account(a).get("AccountType") in BALANCE_SHEET}
    earlier = -sum((p.amount for p in pl if p.date < year_start.isoformat()), ZERO)
    if earlier:
        retained = _retained_earnings(book)
        balances[retained] = balances.get(retained, ZERO) + earlier
    net_income = -sum((p.amount for p in pl if p.date >= year_start.isoformat()), ZERO)
    return balances, net_income


def _retained_earnings(book: Ledger) -> str:
    for account_id, account in book.accounts.items():
        if account.get("AccountSubType") == "RetainedEarnings":
            return account_id
    book.accounts["standin:RetainedEarnings"] = {
        "Id": "", "Name": "Retained Earnings", "AccountType": "Equity",
        "AccountSubType": "RetainedEarnings"}
    return "standin:RetainedEarnings"


def balance_sheet(ctx: _Context) -> dict[str, Any]:
    ctx.accrual_only()
    period = ctx.period()
    book = ctx.ledger
    balances, net_income = _balance_sheet_balances(ctx, period.end)
    groups: dict[str, list[str]] = defaultdict(list)
    for account_id in _ordered(book, balances):
        groups[book.account(account_id).get("AccountType", "")].append(account_id)

    def group_section(kind: str) -> tuple[dict | None, Decimal]:
        _, _, group, title = BALANCE_SHEET[kind]
        ids = groups.get(kind, [])
        rows = [data_row(_account_cell(book, a), cell(amount(balances[a]))) for a in ids]
        total = sum((balances[a] for a in ids), ZERO)
        if kind == "Equity":
            rows.append(data_row(cell("Net Income"), cell(amount(net_income))))
            total += net_income
        elif not rows:
            return None, ZERO
        return section(title, rows, [cell(f"Total {title}"), cell(amount(total))], group), total

    def block(kinds: list[str], title: str, group: str, label: str) -> tuple[dict | None,
                                                                             Decimal]:
        parts = [group_section(kind) for kind in kinds]
        rows = [row for row, _ in parts if row is not None]
        total = sum((value for _, value in parts), ZERO)
        if not rows:
            return None, ZERO
        return section(title, rows, [cell(label), cell(amount(total))], group), total

    current_assets = block(["Bank", "Accounts Receivable", "Other Current Asset"],
                           "Current Assets", "CurrentAssets", "Total Current Assets")
    fixed, other_assets = group_section("Fixed Asset"), group_section("Other Asset")
    asset_rows = [row for row, _ in (current_assets, fixed, other_assets) if row is not None]
    total_assets = current_assets[1] + fixed[1] + other_assets[1]
    current_liabilities = block(["Accounts Payable", "Credit Card", "Other Current Liability"],
                                "Current Liabilities", "CurrentLiabilities",
                                "Total Current Liabilities")
    long_term = group_section("Long Term Liability")
    liability_rows = [row for row, _ in (current_liabilities, long_term) if row is not None]
    total_liabilities = current_liabilities[1] + long_term[1]
    equity, total_equity = group_section("Equity")
    rows = [
        section("ASSETS", asset_rows, [cell("TOTAL ASSETS"), cell(amount(total_assets))],
                "TotalAssets"),
        section("LIABILITIES AND EQUITY", [
            section("Liabilities", liability_rows,
                    [cell("Total Liabilities"), cell(amount(total_liabilities))],
                    "Liabilities"),
            equity,
        ], [cell("TOTAL LIABILITIES AND EQUITY"),
            cell(amount(total_liabilities + total_equity))], "TotalLiabilitiesAndEquity"),
    ]
    return {"Header": ctx.header(period, empty=not balances and not net_income),
            "Columns": columns(("", "Account", "account"), ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


# Trial Balance ----------------------------------------------------------------------------
def trial_balance(ctx: _Context) -> dict[str, Any]:
    ctx.accrual_only()
    period = ctx.period()
    book = ctx.ledger
    balances, _ = _balance_sheet_balances(ctx, period.end)
    year_start = period.end.replace(month=1, day=1)
    balances.update({a: v for a, v in _balances(book, _between(
        book.postings, year_start, period.end)).items()
        if book.account(a).get("AccountType") in ledger.PROFIT_AND_LOSS})
    rows, debits, credits = [], ZERO, ZERO
    for account_id in _ordered(book, balances):
        debit = balances[account_id] if book.debit_normal(account_id) else -balances[account_id]
        if not debit:
            continue
        if debit > 0:
            debits += debit
            rows.append(data_row(_account_cell(book, account_id), cell(amount(debit)),
                                 cell("")))
        else:
            credits -= debit
            rows.append(data_row(_account_cell(book, account_id), cell(""),
                                 cell(amount(-debit))))
    rows.append(section(None, [], [cell("TOTAL"), cell(amount(debits)), cell(amount(credits))],
                        "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(("", "Account", "account"), ("Debit", "Money", "debt_amt"),
                               ("Credit", "Money", "credit_amt")),
            "Rows": {"Row": rows}}


# Receivables ------------------------------------------------------------------------------
class _OpenItem:
    def __init__(self, txn: dict, txn_type: str, open_amount: Decimal, due: str) -> None:
        self.txn, self.txn_type, self.open, self.due = txn, txn_type, open_amount, due
        self.customer_id = ref_value(txn.get("CustomerRef")) or ""


def open_receivables(ctx: _Context, day: date) -> list[_OpenItem]:
    """What customers owe at the end of `day`, item by item, in the home currency: invoices
    less their deposit and the payments dated by then; unapplied payments and credit memos
    as negative amounts."""
    store, realm = ctx.books.store, ctx.books.realm
    upto = day.isoformat()
    paid: dict[str, Decimal] = defaultdict(Decimal)
    items: list[_OpenItem] = []
    for payment in store.entities(realm, "Payment"):
        if str(payment.get("TxnDate", ""))[:10] > upto:
            continue
        for line in payment.get("Line") or []:
            for link in line.get("LinkedTxn") or []:
                if link.get("TxnType") == "Invoice":
                    paid[str(link.get("TxnId"))] += _dec(line.get("Amount"))
        unapplied = _dec(payment.get("UnappliedAmt"))
        if unapplied:
            items.append(_OpenItem(payment, "Payment", -unapplied * _rate(payment),
                                   str(payment.get("TxnDate", ""))[:10]))
    for invoice in store.entities(realm, "Invoice"):
        if str(invoice.get("TxnDate", ""))[:10] > upto:
            continue
        owed = _dec(invoice.get("TotalAmt")) - _dec(invoice.get("Deposit")) \
            - paid[str(invoice["Id"])]
        if owed:
            items.append(_OpenItem(invoice, "Invoice", owed * _rate(invoice),
                                   str(invoice.get("DueDate") or invoice.get("TxnDate"))[:10]))
    for memo in store.entities(realm, "CreditMemo"):
        remaining = _dec(memo.get("RemainingCredit", memo.get("Balance")))
        if str(memo.get("TxnDate", ""))[:10] <= upto and remaining:
            items.append(_OpenItem(memo, "Credit Memo", -remaining * _rate(memo),
                                   str(memo.get("TxnDate", ""))[:10]))
    wanted = ctx.customer_filter()
    if wanted is not None:
        items = [item for item in items if item.customer_id in wanted]
    return items


def _aging(ctx: _Context) -> tuple[int, int]:
    try:
        period = int(ctx.params.get("aging_period") or 30)
        count = int(ctx.params.get("num_periods") or 4)
    except ValueError:
        raise faults.request_malformed("aging_period") from None
    if period < 1 or count < 1:
        raise faults.request_malformed("aging_period")
    return period, count


def _bucket(item: _OpenItem, day: date, period: int, count: int) -> int:
    """0 = Current (not yet due), then 1..count by days past due."""
    late = (day - date.fromisoformat(item.due)).days if item.due else 0
    return 0 if late <= 0 else min((late - 1) // period + 1, count)


def _bucket_titles(period: int, count: int) -> list[str]:
    titles = ["Current"]
    titles += [f"{i * period + 1} - {(i + 1) * period}" for i in range(count - 1)]
    titles.append(f"{(count - 1) * period + 1} and over")
    return titles


def _customers(ctx: _Context) -> dict[str, dict]:
    return {str(c["Id"]): c for c in ctx.books.store.entities(ctx.books.realm, "Customer")}


def _customer_cell(customers: dict[str, dict], customer_id: str) -> dict[str, str]:
    customer = customers.get(customer_id, {})
    name = customer.get("FullyQualifiedName") or customer.get("DisplayName") or ""
    return cell(str(name), customer_id or None)


def _by_name(customers: dict[str, dict], ids: Any) -> list[str]:
    return sorted(ids, key=lambda c: str(customers.get(c, {}).get("DisplayName", "")).lower())


def aged_receivables(ctx: _Context) -> dict[str, Any]:
    period = ctx.as_of()
    aging, count = _aging(ctx)
    titles = _bucket_titles(aging, count)
    customers = _customers(ctx)
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * (count + 1))
    for item in open_receivables(ctx, period.end):
        sums[item.customer_id][_bucket(item, period.end, aging, count)] += item.open
    rows, grand = [], [ZERO] * (count + 1)
    for customer_id in _by_name(customers, sums):
        values = sums[customer_id]
        if not any(values):
            continue
        grand = [a + b for a, b in zip(grand, values, strict=True)]
        rows.append(data_row(_customer_cell(customers, customer_id),
                             *(cell(amount(v) if v else "") for v in values),
                             cell(amount(sum(values, ZERO)))))
    rows.append(section(None, [], [cell("TOTAL"), *(cell(amount(v)) for v in grand),
                                   cell(amount(sum(grand, ZERO)))], "GrandTotal"))
    return {"Header": ctx.header(period, basis=False, empty=len(rows) == 1,
                                 options=(("report_date", period.end.isoformat()),)),
            "Columns": columns(("", "Customer", "customer"),
                               *((t, "Money", "current" if i == 0 else str(i - 1))
                                 for i, t in enumerate(titles)),
                               ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


def aged_receivable_detail(ctx: _Context) -> dict[str, Any]:
    period = ctx.as_of()
    aging, count = _aging(ctx)
    titles = _bucket_titles(aging, count)
    customers = _customers(ctx)
    buckets: dict[int, list[_OpenItem]] = defaultdict(list)
    for item in open_receivables(ctx, period.end):
        buckets[_bucket(item, period.end, aging, count)].append(item)
    rows, total = [], ZERO
    for index, title in enumerate(titles):
        items = sorted(buckets.get(index, []), key=lambda i: (str(i.txn.get("TxnDate")),
                                                              str(i.txn["Id"])))
        if not items:
            continue
        label = title if index == 0 else (
            f"{title.replace(' and over', '')} or more days past due"
            if index == count else f"{title} days past due")
        lines = [data_row(cell(str(i.txn.get("TxnDate", ""))[:10]),
                          cell(i.txn_type, str(i.txn["Id"])),
                          cell(str(i.txn.get("DocNumber") or i.txn.get("PaymentRefNum") or "")),
                          _customer_cell(customers, i.customer_id),
                          cell(i.due if i.txn_type == "Invoice" else ""),
                          cell(amount((_dec(i.txn.get("TotalAmt")) * _rate(i.txn))
                                      * (1 if i.open > 0 else -1))),
                          cell(amount(i.open)))
                 for i in items]
        subtotal = sum((i.open for i in items), ZERO)
        total += subtotal
        rows.append(section(label, lines, [cell(f"Total for {label}"), *(cell("") for _ in
                                                                          range(4)),
                                           cell(""), cell(amount(subtotal))], width=7))
    rows.append(section(None, [], [cell("TOTAL"), *(cell("") for _ in range(5)),
                                   cell(amount(total))], "GrandTotal"))
    return {"Header": ctx.header(period, basis=False, empty=len(rows) == 1,
                                 options=(("report_date", period.end.isoformat()),)),
            "Columns": columns(("Date", "Date", "tx_date"), ("Transaction Type", "String",
                                                            "txn_type"),
                               ("Num", "String", "doc_num"), ("Customer", "String",
                                                             "cust_name"),
                               ("Due Date", "Date", "due_date"),
                               ("Amount", "Money", "subt_amount"),
                               ("Open Balance", "Money", "subt_open_bal")),
            "Rows": {"Row": rows}}


def customer_balance(ctx: _Context) -> dict[str, Any]:
    period = ctx.as_of()
    customers = _customers(ctx)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for item in open_receivables(ctx, period.end):
        sums[item.customer_id] += item.open
    rows = [data_row(_customer_cell(customers, c), cell(amount(sums[c])))
            for c in _by_name(customers, sums) if sums[c]]
    rows.append(section(None, [], [cell("TOTAL"), cell(amount(sum(sums.values(), ZERO)))],
                        "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(("", "Customer", "customer"), ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


def customer_income(ctx: _Context) -> dict[str, Any]:
    period = ctx.period()
    book = ctx.ledger
    customers = _customers(ctx)
    income: dict[str, Decimal] = defaultdict(Decimal)
    expenses: dict[str, Decimal] = defaultdict(Decimal)
    for posting in _between(book.postings, period.start, period.end):
        kind = book.account(posting.account_id).get("AccountType")
        if posting.name_id not in customers or kind not in ledger.PROFIT_AND_LOSS:
            continue
        if kind in ("Income", "Other Income"):
            income[posting.name_id] -= posting.amount
        else:
            expenses[posting.name_id] += posting.amount
    ids = _by_name(customers, set(income) | set(expenses))
    rows = [data_row(_customer_cell(customers, c), cell(amount(income[c])),
                     cell(amount(expenses[c]) if expenses[c] else ""),
                     cell(amount(income[c] - expenses[c]))) for c in ids]
    total_income, total_expenses = sum(income.values(), ZERO), sum(expenses.values(), ZERO)
    rows.append(section(None, [], [cell("TOTAL"), cell(amount(total_income)),
                                   cell(amount(total_expenses)),
                                   cell(amount(total_income - total_expenses))], "GrandTotal"))
    return {"Header": ctx.header(period, empty=not ids),
            "Columns": columns(("", "Customer", "customer"), ("Income", "Money", "income"),
                               ("Expenses", "Money", "expenses"),
                               ("Net Income", "Money", "net_income")),
            "Rows": {"Row": rows}}


def general_ledger(ctx: _Context) -> dict[str, Any]:
    period = ctx.period()
    book = ctx.ledger
    by_txn: dict[tuple[str, str], list[Posting]] = defaultdict(list)
    for posting in book.postings:
        by_txn[(posting.txn_type, posting.txn_id)].append(posting)
    within = _between(book.postings, period.start, period.end)
    before = [p for p in book.postings if p.date < period.start.isoformat()]
    rows = []
    for account_id in _ordered(book, {p.account_id for p in within}):
        sign = 1 if book.debit_normal(account_id) else -1
        opening = sign * sum((p.amount for p in before if p.account_id == account_id), ZERO)
        if book.account(account_id).get("AccountType") in ledger.PROFIT_AND_LOSS:
            opening = ZERO  # an income or expense account starts each period at nothing
        running = opening
        lines = [data_row(cell("Beginning Balance"), *(cell("") for _ in range(6)),
                          cell(amount(opening)))] if opening else []
        total = ZERO
        for posting in sorted((p for p in within if p.account_id == account_id),
                              key=lambda p: (p.date, int(p.txn_id) if p.txn_id.isdigit() else 0)):
            value = sign * posting.amount
            running += value
            total += value
            others = {p.account_id for p in by_txn[(posting.txn_type, posting.txn_id)]
                      if p.account_id != account_id}
            split = _account_cell(book, others.pop()) if len(others) == 1 else cell("-Split-")
            lines.append(data_row(cell(posting.date), cell(posting.txn_type, posting.txn_id),
                                  cell(posting.doc_number),
                                  cell(posting.name, posting.name_id or None),
                                  cell(posting.memo), split, cell(amount(value)),
                                  cell(amount(running))))
        account_cell = _account_cell(book, account_id)
        header_cells = [account_cell, *(cell("") for _ in range(7))]
        rows.append({"Header": {"ColData": header_cells}, "Rows": {"Row": lines},
                     "Summary": {"ColData": [cell(f"Total for {account_cell['value']}"),
                                             *(cell("") for _ in range(5)),
                                             cell(amount(total)), cell("")]},
                     "type": "Section"})
    return {"Header": ctx.header(period, empty=not rows),
            "Columns": columns(("Date", "Date", "tx_date"), ("Transaction Type", "String",
                                                            "txn_type"),
                               ("Num", "String", "doc_num"), ("Name", "String", "name"),
                               ("Memo/Description", "String", "memo"),
                               ("Split", "String", "split_acc"),
                               ("Amount", "Money", "subt_nat_amount"),
                               ("Balance", "Money", "rbal_nat_amount")),
            "Rows": {"Row": rows}}


def _dec(value: Any) -> Decimal:
    return ledger._dec(value)


def _rate(txn: dict) -> Decimal:
    return Decimal(str(txn.get("ExchangeRate") or 1))


REPORTS: dict[str, Callable[[_Context], dict[str, Any]]] = {
    "ProfitAndLoss": profit_and_loss,
    "BalanceSheet": balance_sheet,
    "TrialBalance": trial_balance,
    "AgedReceivables": aged_receivables,
    "AgedReceivableDetail": aged_receivable_detail,
    "CustomerBalance": customer_balance,
    "CustomerIncome": customer_income,
    "GeneralLedger": general_ledger,
}
REPORT_NAMES = {name.lower(): (name, build) for name, build in REPORTS.items()}
