"""The Reports API: `GET /v3/company/<realm>/reports/<ReportName>`, computed from the
company's transactions (ledger.py) in Intuit's report shape (report_shape.py): the profit and
loss, balance sheet, cash flow and ledger reports here, those of what customers and vendors
owe in aging.py. The section names and groups are those of Intuit's recorded answers (a
BalanceSheet with groups TotalAssets, CurrentAssets, BankAccounts, AR, OtherCurrentAssets,
FixedAssets, ...).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from . import aging, ledger
from .ledger import Ledger, Posting
from .report_shape import (
    BALANCE_SHEET,
    PROFIT_AND_LOSS,
    ZERO,
    Context,
    account_cell,
    amount,
    between,
    by_name,
    cell,
    columns,
    data_row,
    dec,
    name_cell,
    names,
    ordered,
    rate,
    section,
)
from .report_shape import (
    balances as sum_by_account,
)
from .values import ref_value


def answer(books: Any, name: str, params: Any) -> dict[str, Any] | None:
    """The report `name` (case-insensitive) for the company of `books`; None for a report
    the sandbox does not compute."""
    report = REPORT_NAMES.get(name.lower())
    if report is None:
        return None
    canonical, build = report
    return build(Context(books, canonical, params))


# Profit and Loss --------------------------------------------------------------------------
def profit_and_loss(ctx: Context) -> dict[str, Any]:
    period = ctx.period()
    book = ctx.ledger
    balances = {a: v for a, v in sum_by_account(book, between(book.postings, period.start,
                                                         period.end)).items()
                if book.account(a).get("AccountType") in ledger.PROFIT_AND_LOSS}
    totals: dict[str, Decimal] = {}
    sections: dict[str, dict] = {}
    for kind, group, title in PROFIT_AND_LOSS:
        ids = ordered(book, [a for a in balances if book.account(a).get("AccountType") == kind])
        totals[group] = sum((balances[a] for a in ids), ZERO)
        rows = [data_row(account_cell(book, a), cell(amount(balances[a]))) for a in ids]
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
def _balance_sheet_balances(ctx: Context, end: date) -> tuple[dict[str, Decimal], Decimal]:
    """Balance-sheet accounts at `end` (earlier years' profit in Retained Earnings) and this
    fiscal year's net income up to `end`."""
    book = ctx.ledger
    year_start = end.replace(month=1, day=1)
    upto = between(book.postings, None, end)
    pl = [p for p in upto if book.account(p.account_id).get("AccountType")
          in ledger.PROFIT_AND_LOSS]
    balances = {a: v for a, v in sum_by_account(book, upto).items()
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


def balance_sheet(ctx: Context) -> dict[str, Any]:
    ctx.accrual_only()
    period = ctx.period()
    book = ctx.ledger
    balances, net_income = _balance_sheet_balances(ctx, period.end)
    groups: dict[str, list[str]] = defaultdict(list)
    for account_id in ordered(book, balances):
        groups[book.account(account_id).get("AccountType", "")].append(account_id)

    def group_section(kind: str) -> tuple[dict | None, Decimal]:
        _, _, group, title = BALANCE_SHEET[kind]
        ids = groups.get(kind, [])
        rows = [data_row(account_cell(book, a), cell(amount(balances[a]))) for a in ids]
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
def trial_balance(ctx: Context) -> dict[str, Any]:
    ctx.accrual_only()
    period = ctx.period()
    book = ctx.ledger
    balances, _ = _balance_sheet_balances(ctx, period.end)
    year_start = period.end.replace(month=1, day=1)
    balances.update({a: v for a, v in sum_by_account(book, between(
        book.postings, year_start, period.end)).items()
        if book.account(a).get("AccountType") in ledger.PROFIT_AND_LOSS})
    rows, debits, credits = [], ZERO, ZERO
    for account_id in ordered(book, balances):
        debit = balances[account_id] if book.debit_normal(account_id) else -balances[account_id]
        if not debit:
            continue
        if debit > 0:
            debits += debit
            rows.append(data_row(account_cell(book, account_id), cell(amount(debit)),
                                 cell("")))
        else:
            credits -= debit
            rows.append(data_row(account_cell(book, account_id), cell(""),
                                 cell(amount(-debit))))
    rows.append(section(None, [], [cell("TOTAL"), cell(amount(debits)), cell(amount(credits))],
                        "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(("", "Account", "account"), ("Debit", "Money", "debt_amt"),
                               ("Credit", "Money", "credit_amt")),
            "Rows": {"Row": rows}}


def customer_income(ctx: Context) -> dict[str, Any]:
    period = ctx.period()
    book = ctx.ledger
    customers = names(ctx, "Customer")
    income: dict[str, Decimal] = defaultdict(Decimal)
    expenses: dict[str, Decimal] = defaultdict(Decimal)
    for posting in between(book.postings, period.start, period.end):
        kind = book.account(posting.account_id).get("AccountType")
        if posting.name_id not in customers or kind not in ledger.PROFIT_AND_LOSS:
            continue
        if kind in ("Income", "Other Income"):
            income[posting.name_id] -= posting.amount
        else:
            expenses[posting.name_id] += posting.amount
    ids = by_name(customers, set(income) | set(expenses))
    rows = [data_row(name_cell(customers, c), cell(amount(income[c])),
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


LEDGER_COLUMNS = (("Date", "Date", "tx_date"), ("Transaction Type", "String", "txn_type"),
                  ("Num", "String", "doc_num"), ("Name", "String", "name"),
                  ("Memo/Description", "String", "memo"), ("Split", "String", "split_acc"),
                  ("Amount", "Money", "subt_nat_amount"), ("Balance", "Money", "rbal_nat_amount"))


class _Postings:
    """A period's postings, with each transaction's postings (for the split column)."""

    def __init__(self, book: Ledger, start: date, end: date) -> None:
        self.book = book
        self.by_txn: dict[tuple[str, str], list[Posting]] = defaultdict(list)
        for posting in book.postings:
            self.by_txn[(posting.txn_type, posting.txn_id)].append(posting)
        self.within = between(book.postings, start, end)
        self.before = [p for p in book.postings if p.date < start.isoformat()]

    def account_section(self, account_id: str) -> tuple[dict[str, Any], Decimal]:
        """One account's section: beginning balance (balance-sheet accounts), each posting
        with its split account and running balance, its total."""
        book = self.book
        sign = 1 if book.debit_normal(account_id) else -1
        opening = ZERO
        if book.account(account_id).get("AccountType") not in ledger.PROFIT_AND_LOSS:
            opening = sign * sum((p.amount for p in self.before if p.account_id == account_id),
                                 ZERO)
        running, total = opening, ZERO
        lines = [data_row(cell("Beginning Balance"), *(cell("") for _ in range(6)),
                          cell(amount(opening)))] if opening else []
        for posting in sorted((p for p in self.within if p.account_id == account_id),
                              key=lambda p: (p.date, int(p.txn_id) if p.txn_id.isdigit() else 0)):
            value = sign * posting.amount
            running += value
            total += value
            others = {p.account_id for p in self.by_txn[(posting.txn_type, posting.txn_id)]
                      if p.account_id != account_id}
            split = account_cell(book, others.pop()) if len(others) == 1 else cell("-Split-")
            lines.append(data_row(cell(posting.date), cell(posting.txn_type, posting.txn_id),
                                  cell(posting.doc_number),
                                  cell(posting.name, posting.name_id or None),
                                  cell(posting.memo), split, cell(amount(value)),
                                  cell(amount(running))))
        heading = account_cell(book, account_id)
        return {"Header": {"ColData": [heading, *(cell("") for _ in range(7))]},
                "Rows": {"Row": lines},
                "Summary": {"ColData": [cell(f"Total for {heading['value']}"),
                                        *(cell("") for _ in range(5)), cell(amount(total)),
                                        cell("")]},
                "type": "Section"}, total


def general_ledger(ctx: Context) -> dict[str, Any]:
    period = ctx.period()
    postings = _Postings(ctx.ledger, period.start, period.end)
    rows = [postings.account_section(a)[0]
            for a in ordered(ctx.ledger, {p.account_id for p in postings.within})]
    return {"Header": ctx.header(period, empty=not rows), "Columns": columns(*LEDGER_COLUMNS),
            "Rows": {"Row": rows}}


def profit_and_loss_detail(ctx: Context) -> dict[str, Any]:
    """The profit and loss with each account's postings (the general ledger's columns)."""
    period = ctx.period()
    book = ctx.ledger
    postings = _Postings(book, period.start, period.end)
    used = {p.account_id for p in postings.within
            if book.account(p.account_id).get("AccountType") in ledger.PROFIT_AND_LOSS}
    rows, totals = [], {}
    for kind, group, title in PROFIT_AND_LOSS:
        parts = [postings.account_section(a) for a in ordered(book, used)
                 if book.account(a).get("AccountType") == kind]
        totals[group] = sum((total for _, total in parts), ZERO)
        if parts:
            rows.append(section(title, [part for part, _ in parts],
                                [cell(f"Total {title}"), *(cell("") for _ in range(5)),
                                 cell(amount(totals[group])), cell("")], group, width=8))
    net = totals["Income"] + totals["OtherIncome"] - totals["COGS"] - totals["Expenses"] \
        - totals["OtherExpenses"]
    rows.append(section(None, [], [cell("Net Income"), *(cell("") for _ in range(5)),
                                   cell(amount(net)), cell("")], "NetIncome"))
    return {"Header": ctx.header(period, empty=not used), "Columns": columns(*LEDGER_COLUMNS),
            "Rows": {"Row": rows}}


def cash_flow(ctx: Context) -> dict[str, Any]:
    """Net income, then what each other account's change did to the bank accounts in the
    period: current assets and liabilities (operating), fixed and other assets (investing),
    long-term liabilities and equity (financing); cash = the Bank accounts."""
    ctx.accrual_only()
    period = ctx.period()
    book = ctx.ledger
    within = between(book.postings, period.start, period.end)
    changes: dict[str, Decimal] = defaultdict(Decimal)  # debit-positive change per account
    for posting in within:
        changes[posting.account_id] += posting.amount
    kind_of = {a: book.account(a).get("AccountType", "") for a in changes}
    net_income = -sum((v for a, v in changes.items() if kind_of[a] in ledger.PROFIT_AND_LOSS),
                      ZERO)
    groups = {"operating": ("Accounts Receivable", "Other Current Asset", "Accounts Payable",
                            "Credit Card", "Other Current Liability"),
              "investing": ("Fixed Asset", "Other Asset"),
              "financing": ("Long Term Liability", "Equity")}

    def effect(kinds: tuple[str, ...]) -> tuple[list[dict], Decimal]:
        ids = ordered(book, [a for a in changes if kind_of[a] in kinds and changes[a]])
        return ([data_row(account_cell(book, a), cell(amount(-changes[a]))) for a in ids],
                -sum((changes[a] for a in ids), ZERO))

    adjustments, adjusted = effect(groups["operating"])
    investing, invested = effect(groups["investing"])
    financing, financed = effect(groups["financing"])
    operating = net_income + adjusted
    start = period.start.isoformat()
    beginning = sum((p.amount for p in book.postings if p.date < start
                     and book.account(p.account_id).get("AccountType") == "Bank"), ZERO)
    increase = operating + invested + financed
    label = "Adjustments to reconcile Net Income to Net Cash provided by operations:"
    rows = [section("OPERATING ACTIVITIES", [
        data_row(cell("Net Income"), cell(amount(net_income))),
        section(label, adjustments, [cell(f"Total {label}"), cell(amount(adjusted))],
                "OperatingAdjustments")],
        [cell("Net cash provided by operating activities"), cell(amount(operating))],
        "OperatingActivities")]
    if investing:
        rows.append(section("INVESTING ACTIVITIES", investing, [
            cell("Net cash provided by investing activities"), cell(amount(invested))],
            "InvestingActivities"))
    if financing:
        rows.append(section("FINANCING ACTIVITIES", financing, [
            cell("Net cash provided by financing activities"), cell(amount(financed))],
            "FinancingActivities"))
    rows += [section(None, [], [cell("Net cash increase for period"), cell(amount(increase))],
                     "CashIncrease"),
             section(None, [], [cell("Cash at beginning of period"), cell(amount(beginning))],
                     "BeginningCash"),
             section(None, [], [cell("CASH AT END OF PERIOD"),
                                cell(amount(beginning + increase))], "EndingCash")]
    return {"Header": ctx.header(period, empty=not within),
            "Columns": columns(("", "Account", "account"), ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


def _totals_by_name(ctx: Context, people_entity: str, kinds: tuple[str, ...],
                    sign: int) -> dict[str, Any]:
    """Per customer (vendor): what the period's postings to these account types add up to."""
    period = ctx.period()
    book = ctx.ledger
    people = names(ctx, people_entity)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for posting in between(book.postings, period.start, period.end):
        if posting.name_id in people and book.account(posting.account_id).get(
                "AccountType") in kinds:
            sums[posting.name_id] += sign * posting.amount
    rows = [data_row(name_cell(people, p), cell(amount(sums[p])))
            for p in by_name(people, sums) if sums[p]]
    rows.append(section(None, [], [cell("TOTAL"), cell(amount(sum(sums.values(), ZERO)))],
                        "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(("", people_entity, people_entity.lower()),
                               ("Total", "Money", "total")),
            "Rows": {"Row": rows}}


def customer_sales(ctx: Context) -> dict[str, Any]:
    """Sales by customer: income posted to each customer in the period."""
    return _totals_by_name(ctx, "Customer", ("Income",), -1)


def vendor_expenses(ctx: Context) -> dict[str, Any]:
    """Expenses by vendor: expense and cost-of-sales postings naming each vendor."""
    return _totals_by_name(ctx, "Vendor", ("Expense", "Cost of Goods Sold", "Other Expense"), 1)


SALES_SIGNS = {"Invoice": 1, "SalesReceipt": 1, "CreditMemo": -1, "RefundReceipt": -1}


def item_sales(ctx: Context) -> dict[str, Any]:
    """Sales by product/service: quantity and amount of the period's sales lines per item,
    their share of the total and the average price."""
    period = ctx.period()
    store, realm = ctx.books.store, ctx.books.realm
    low, high = period.start.isoformat(), period.end.isoformat()
    qty: dict[str, Decimal] = defaultdict(Decimal)
    sold: dict[str, Decimal] = defaultdict(Decimal)
    for entity, sign in SALES_SIGNS.items():
        for txn in store.entities(realm, entity):
            if not low <= str(txn.get("TxnDate", ""))[:10] <= high or \
                    txn.get("PrivateNote") == "Voided":
                continue
            for line in txn.get("Line") or []:
                detail = line.get("SalesItemLineDetail")
                item_id = ref_value((detail or {}).get("ItemRef"))
                if item_id:
                    qty[item_id] += sign * dec(detail.get("Qty") or 1)
                    sold[item_id] += sign * dec(line.get("Amount")) * rate(txn)
    items = {str(i["Id"]): i for i in store.entities(realm, "Item")}
    total = sum(sold.values(), ZERO)
    rows = []
    for item_id in sorted(sold, key=lambda i: str(items.get(i, {}).get("Name", i)).lower()):
        item = items.get(item_id, {})
        share = f"{sold[item_id] * 100 / total:.2f} %" if total else ""
        average = amount(sold[item_id] / qty[item_id]) if qty[item_id] else ""
        rows.append(data_row(cell(str(item.get("FullyQualifiedName") or item.get("Name")
                                      or item_id), item_id),
                             cell(f"{qty[item_id].normalize():f}"), cell(amount(sold[item_id])),
                             cell(share), cell(average)))
    rows.append(section(None, [], [cell("TOTAL"), cell(f"{sum(qty.values(), ZERO).normalize():f}"),
                                   cell(amount(total)), cell("100.00 %" if total else ""),
                                   cell("")], "GrandTotal"))
    return {"Header": ctx.header(period, empty=len(rows) == 1),
            "Columns": columns(("", "ProductsAndService", "item"), ("Quantity", "Money", "qty"),
                               ("Amount", "Money", "amount"),
                               ("% of Sales", "Money", "pct_sales"),
                               ("Avg Price", "Money", "avg_price")),
            "Rows": {"Row": rows}}


def inventory_valuation_summary(ctx: Context) -> dict[str, Any]:
    """Each inventory item's quantity on hand, asset value at its purchase cost and that
    average cost (quantities as they stand now, whatever the date asked)."""
    period = ctx.as_of()
    rows, total_qty, total_value = [], ZERO, ZERO
    for item in sorted(ctx.books.store.entities(ctx.books.realm, "Item"),
                       key=lambda i: str(i.get("Name", "")).lower()):
        if item.get("Type") != "Inventory":
            continue
        quantity, cost = dec(item.get("QtyOnHand")), dec(item.get("PurchaseCost"))
        value = quantity * cost
        total_qty += quantity
        total_value += value
        rows.append(data_row(cell(str(item.get("FullyQualifiedName") or item.get("Name")),
                                  str(item["Id"])),
                             cell(f"{quantity.normalize():f}"), cell(amount(value)),
                             cell(amount(cost))))
    rows.append(section(None, [], [cell("TOTAL"), cell(f"{total_qty.normalize():f}"),
                                   cell(amount(total_value)), cell("")], "GrandTotal"))
    return {"Header": ctx.header(period, basis=False, empty=len(rows) == 1),
            "Columns": columns(("", "ProductsAndService", "item"), ("Qty", "Money", "qty"),
                               ("Asset Value", "Money", "asset_value"),
                               ("Calc. Avg", "Money", "calc_avg")),
            "Rows": {"Row": rows}}


PSEUDO_TXNS = ("Opening Balance", "Inventory Starting Value")


def transaction_list(ctx: Context) -> dict[str, Any]:
    """Each transaction of the period, oldest first: date, type, number, posting, name,
    memo, its first account (the one it is entered in), the split and its amount."""
    period = ctx.period()
    book = ctx.ledger
    grouped: dict[tuple[str, str], list[Posting]] = defaultdict(list)
    for posting in between(book.postings, period.start, period.end):
        if posting.txn_type not in PSEUDO_TXNS:
            grouped[(posting.txn_type, posting.txn_id)].append(posting)
    rows = []
    for postings in sorted(grouped.values(), key=lambda ps: (
            ps[0].date, int(ps[0].txn_id) if ps[0].txn_id.isdigit() else 0)):
        first = postings[0]
        others = {p.account_id for p in postings[1:] if p.account_id != first.account_id}
        split = account_cell(book, others.pop()) if len(others) == 1 else cell("-Split-")
        rows.append(data_row(cell(first.date), cell(first.txn_type, first.txn_id),
                             cell(first.doc_number), cell("Yes"),
                             cell(first.name, first.name_id or None), cell(first.memo),
                             account_cell(book, first.account_id), split,
                             cell(amount(first.amount))))
    return {"Header": ctx.header(period, empty=not rows),
            "Columns": columns(("Date", "Date", "tx_date"),
                               ("Transaction Type", "String", "txn_type"),
                               ("Num", "String", "doc_num"), ("Posting", "String", "is_no_post"),
                               ("Name", "String", "name"), ("Memo/Description", "String", "memo"),
                               ("Account", "String", "account_name"),
                               ("Split", "String", "other_account"),
                               ("Amount", "Money", "subt_nat_amount")),
            "Rows": {"Row": rows}}


REPORTS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "ProfitAndLoss": profit_and_loss,
    "BalanceSheet": balance_sheet,
    "TrialBalance": trial_balance,
    "ProfitAndLossDetail": profit_and_loss_detail,
    "CashFlow": cash_flow,
    "CustomerIncome": customer_income,
    "CustomerSales": customer_sales,
    "ItemSales": item_sales,
    "VendorExpenses": vendor_expenses,
    "InventoryValuationSummary": inventory_valuation_summary,
    "TransactionList": transaction_list,
    "GeneralLedger": general_ledger,
    **aging.REPORTS,
}
REPORT_NAMES = {name.lower(): (name, build) for name, build in REPORTS.items()}
