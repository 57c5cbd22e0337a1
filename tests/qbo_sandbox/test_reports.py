"""The Reports API (`GET /reports/<name>`): Intuit's report shape, figures computed from the
company's transactions; through the unchanged python-quickbooks client and plain HTTP."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
import responses

from qbo_sandbox.testing import mount

from .conftest import US, api_for, fault_of, sales_line

WIDE = {"start_date": "2000-01-01", "end_date": "2099-12-31"}


def rows_of(report: dict) -> list[dict]:
    return report["Rows"]["Row"]


def section(rows: list[dict], group: str) -> dict:
    for row in rows:
        if row.get("group") == group:
            return row
        found = section(row.get("Rows", {}).get("Row", []), group) if "Rows" in row else None
        if found:
            return found
    return {}


def summary(row: dict) -> list[str]:
    return [cell["value"] for cell in row["Summary"]["ColData"]]


def data(rows: list[dict]) -> list[list[str]]:
    return [[cell["value"] for cell in row["ColData"]] for row in rows if row["type"] == "Data"]


@pytest.fixture
def sample_us(sample_app):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount(mock, sample_app)
        yield api_for(US)


def test_profit_and_loss_through_python_quickbooks_adds_up_the_invoices(qb, us):
    customer = us.customer("Report Customer")
    for amount in (100, 50):
        assert us.invoice(customer["Id"], [sales_line(amount, tax_code="NON")]).status_code == 200

    report = qb.get_report("ProfitAndLoss", WIDE)

    header = report["Header"]
    assert (header["ReportName"], header["ReportBasis"], header["Currency"]) == (
        "ProfitAndLoss", "Accrual", "USD")
    assert (header["StartPeriod"], header["EndPeriod"]) == ("2000-01-01", "2099-12-31")
    assert [c["ColType"] for c in report["Columns"]["Column"]] == ["Account", "Money"]
    income = section(rows_of(report), "Income")
    assert income["type"] == "Section"
    assert income["Header"]["ColData"][0]["value"] == "Income"
    assert income["Rows"]["Row"][0]["ColData"] == [{"value": "Services", "id": "1"},
                                                  {"value": "150.00"}]
    assert summary(income) == ["Total Income", "150.00"]
    assert summary(section(rows_of(report), "GrossProfit")) == ["Gross Profit", "150.00"]
    assert summary(rows_of(report)[-1]) == ["Net Income", "150.00"]


def test_cash_basis_profit_and_loss_counts_only_what_was_paid(us):
    customer = us.customer("Cash Customer")
    invoice = us.invoice(customer["Id"], [sales_line(100, tax_code="NON")]).json()["Invoice"]
    us.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 40,
                          "Line": [{"Amount": 40, "LinkedTxn": [
                              {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})

    accrual = us.get("reports/ProfitAndLoss", **WIDE).json()
    cash = us.get("reports/ProfitAndLoss", accounting_method="Cash", **WIDE).json()

    assert summary(rows_of(accrual)[-1]) == ["Net Income", "100.00"]
    assert cash["Header"]["ReportBasis"] == "Cash"
    assert summary(rows_of(cash)[-1]) == ["Net Income", "40.00"]


def test_balance_sheet_of_the_sample_company_balances_and_shows_its_accounts(sample_us):
    report = sample_us.get("reports/BalanceSheet").json()

    rows = rows_of(report)
    assert [row["group"] for row in rows] == ["TotalAssets", "TotalLiabilitiesAndEquity"]
    assert rows[0]["Header"]["ColData"][0]["value"] == "ASSETS"
    assets, liabilities_and_equity = summary(rows[0]), summary(rows[1])
    assert assets[0] == "TOTAL ASSETS"
    assert liabilities_and_equity[0] == "TOTAL LIABILITIES AND EQUITY"
    assert assets[1] == liabilities_and_equity[1]
    customers = sample_us.query("select * from Customer maxresults 1000").json()
    owed = sum(Decimal(str(c["Balance"])) for c in customers["QueryResponse"]["Customer"])
    assert data(section(rows, "AR")["Rows"]["Row"]) == [
        ["Accounts Receivable (A/R)", f"{owed:.2f}"]]
    accounts = sample_us.query("select * from Account maxresults 1000").json()
    checking = next(a for a in accounts["QueryResponse"]["Account"] if a["Name"] == "Checking")
    assert ["Checking", f"{Decimal(str(checking['CurrentBalance'])):.2f}"] in data(
        section(rows, "BankAccounts")["Rows"]["Row"])
    equity = data(section(rows, "Equity")["Rows"]["Row"])
    assert equity[-1][0] == "Net Income"


def test_balance_sheet_asked_on_cash_basis_answers_on_accrual_and_says_so(sample_us):
    report = sample_us.get("reports/BalanceSheet", accounting_method="Cash").json()

    assert report["Header"]["ReportBasis"] == "Accrual"
    rows = rows_of(report)
    assert summary(rows[0])[1] == summary(rows[1])[1]


def test_trial_balance_debits_equal_credits(sample_us):
    report = sample_us.get("reports/TrialBalance").json()

    assert [c["ColTitle"] for c in report["Columns"]["Column"]] == ["", "Debit", "Credit"]
    total = rows_of(report)[-1]
    assert total["group"] == "GrandTotal"
    label, debits, credits = summary(total)
    assert label == "TOTAL" and debits == credits and Decimal(debits) > 0


def test_aged_receivables_puts_each_open_invoice_in_its_bucket_by_days_past_due(us):
    today = date.today()
    customer = us.customer("Aging Customer")
    us.invoice(customer["Id"], [sales_line(70, tax_code="NON")],
               TxnDate=(today - timedelta(days=75)).isoformat(),
               DueDate=(today - timedelta(days=45)).isoformat())
    us.invoice(customer["Id"], [sales_line(30, tax_code="NON")], TxnDate=today.isoformat(),
               DueDate=(today + timedelta(days=30)).isoformat())

    report = us.get("reports/AgedReceivables", report_date=today.isoformat()).json()

    assert [c["ColTitle"] for c in report["Columns"]["Column"]] == [
        "", "Current", "1 - 30", "31 - 60", "61 - 90", "91 and over", "Total"]
    assert data(rows_of(report)) == [["Aging Customer", "30.00", "", "70.00", "", "", "100.00"]]
    assert summary(rows_of(report)[-1]) == ["TOTAL", "30.00", "0.00", "70.00", "0.00", "0.00",
                                            "100.00"]
    detail = us.get("reports/AgedReceivableDetail", report_date=today.isoformat()).json()
    titles = [row["Header"]["ColData"][0]["value"] for row in rows_of(detail) if "Header" in row]
    assert titles == ["Current", "31 - 60 days past due"]


def test_aged_receivables_as_of_an_earlier_date_leaves_out_later_payments(us):
    today = date.today()
    customer = us.customer("Paid Later")
    invoice = us.invoice(customer["Id"], [sales_line(80, tax_code="NON")],
                         TxnDate=(today - timedelta(days=20)).isoformat()).json()["Invoice"]
    us.create("Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 80,
                          "TxnDate": today.isoformat(),
                          "Line": [{"Amount": 80, "LinkedTxn": [
                              {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})

    now = us.get("reports/CustomerBalance", report_date=today.isoformat()).json()
    before = us.get("reports/CustomerBalance",
                    report_date=(today - timedelta(days=1)).isoformat()).json()

    assert data(rows_of(now)) == []
    assert data(rows_of(before)) == [["Paid Later", "80.00"]]
    assert rows_of(before)[0]["ColData"][0]["id"] == customer["Id"]


def test_customer_balance_matches_the_customers_balances(sample_us):
    report = sample_us.get("reports/CustomerBalance").json()

    customers = sample_us.query("select * from Customer maxresults 1000").json()
    balances = {c["DisplayName"]: f"{Decimal(str(c['Balance'])):.2f}"
                for c in customers["QueryResponse"]["Customer"] if c["Balance"]}
    assert dict(data(rows_of(report))) == balances
    assert summary(rows_of(report)[-1])[0] == "TOTAL"


def test_customer_income_and_general_ledger_read_the_same_postings(us):
    customer = us.customer("Income Customer")
    us.invoice(customer["Id"], [sales_line(120, tax_code="NON")])

    income = us.get("reports/CustomerIncome", **WIDE).json()
    ledger = us.get("reports/GeneralLedger", **WIDE).json()

    assert data(rows_of(income)) == [["Income Customer", "120.00", "", "120.00"]]
    services = next(row for row in rows_of(ledger)
                    if row["Header"]["ColData"][0]["value"] == "Services")
    line = data(services["Rows"]["Row"])[0]
    assert line[1] == "Invoice" and line[3] == "Income Customer"
    assert line[6:] == ["120.00", "120.00"]
    assert line[5] == "Accounts Receivable (A/R)"


def test_date_macro_chooses_the_period_and_an_unknown_one_is_refused(us):
    customer = us.customer("Macro Customer")
    us.invoice(customer["Id"], [sales_line(10, tax_code="NON")])

    last_year = us.get("reports/ProfitAndLoss", date_macro="Last Year").json()
    this_year = us.get("reports/ProfitAndLoss", date_macro="This Year-to-date").json()
    refused = us.get("reports/ProfitAndLoss", date_macro="Next Century")

    assert last_year["Header"]["DateMacro"] == "last year"
    assert last_year["Header"]["StartPeriod"] == f"{date.today().year - 1}-01-01"
    assert summary(rows_of(last_year)[-1]) == ["Net Income", "0.00"]
    assert summary(rows_of(this_year)[-1]) == ["Net Income", "10.00"]
    assert refused.status_code == 400
    assert fault_of(refused)["code"] == "2010"


def test_a_report_the_sandbox_does_not_compute_answers_intuits_unsupported_operation(us):
    answer = us.get("reports/CashFlowForecast")

    assert answer.status_code == 400
    error = fault_of(answer)
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
    assert error["Detail"].startswith(
        f"Operation Could not find resource for relative : /v3/company/{US}/reports/"
        "CashFlowForecast of full path: ")
    assert answer.json()["Fault"]["type"] == "ValidationFault"


def test_reports_need_a_token_like_every_api_call(us):
    answer = requests.get(us.url("reports/ProfitAndLoss"))

    assert answer.status_code == 401


# node-quickbooks' own test suite fetches these 19 reports (build/report.txt) and asks only
# that none answers a Fault.
NODE_QUICKBOOKS_REPORTS = (
    "BalanceSheet", "ProfitAndLoss", "ProfitAndLossDetail", "TrialBalance", "CashFlow",
    "InventoryValuationSummary", "CustomerSales", "ItemSales", "CustomerIncome",
    "CustomerBalance", "CustomerBalanceDetail", "AgedReceivables", "AgedReceivableDetail",
    "VendorBalance", "VendorBalanceDetail", "AgedPayables", "AgedPayableDetail",
    "VendorExpenses", "TransactionList")


def test_every_report_node_quickbooks_tests_answers_in_intuits_shape(sample_us):
    for name in NODE_QUICKBOOKS_REPORTS:
        answer = sample_us.get(f"reports/{name}")

        assert answer.status_code == 200, (name, answer.text)
        report = answer.json()
        assert "Fault" not in report
        assert report["Header"]["ReportName"] == name
        assert report["Columns"]["Column"][0]["ColType"]
        assert isinstance(report["Rows"]["Row"], list)


def test_cash_flow_from_the_start_ends_with_the_bank_accounts_balance(sample_us):
    flow = sample_us.get("reports/CashFlow", start_date="1900-01-01").json()
    sheet = sample_us.get("reports/BalanceSheet").json()

    groups = {row["group"]: summary(row)[1] for row in rows_of(flow)}
    assert groups["BeginningCash"] == "0.00"
    assert groups["EndingCash"] == summary(section(rows_of(sheet), "BankAccounts"))[1]
    parts = sum(Decimal(groups[g]) for g in ("OperatingActivities", "InvestingActivities",
                                             "FinancingActivities") if g in groups)
    assert f"{parts:.2f}" == groups["CashIncrease"]


def test_item_sales_and_the_transaction_list_read_the_invoices_lines(us):
    customer = us.customer("Item Sales Customer")
    us.invoice(customer["Id"], [sales_line(90, tax_code="NON", Qty=3, UnitPrice=30)])
    us.invoice(customer["Id"], [sales_line(10, tax_code="NON", Qty=1, UnitPrice=10)])

    sales = us.get("reports/ItemSales", **WIDE).json()
    listed = us.get("reports/TransactionList", **WIDE).json()

    assert data(rows_of(sales)) == [["Services", "4", "100.00", "100.00 %", "25.00"]]
    assert [(row[1], row[6], row[8]) for row in data(rows_of(listed))] == [
        ("Invoice", "Accounts Receivable (A/R)", "90.00"),
        ("Invoice", "Accounts Receivable (A/R)", "10.00")]


def test_profit_and_loss_detail_lists_each_posting_under_its_account(us):
    customer = us.customer("Detail Customer")
    us.invoice(customer["Id"], [sales_line(40, tax_code="NON")])

    report = us.get("reports/ProfitAndLossDetail", **WIDE).json()

    income = section(rows_of(report), "Income")
    services = income["Rows"]["Row"][0]
    assert services["Header"]["ColData"][0] == {"value": "Services", "id": "1"}
    assert data(services["Rows"]["Row"])[0][3] == "Detail Customer"
    assert summary(rows_of(report)[-1])[0] == "Net Income"
    assert summary(rows_of(report)[-1])[6] == "40.00"


def test_payables_reports_age_stored_bills_less_their_bill_payments(sample_app, sample_us):
    today = date.today()
    vendor = sample_us.query("select * from Vendor maxresults 1").json()[
        "QueryResponse"]["Vendor"][0]
    # Bills as Intuit answers them (the sandbox's Bill API is issue 25's item 1).
    sample_app.store.put_entity(US, "Bill", {
        "Id": "900", "TxnDate": (today - timedelta(days=50)).isoformat(),
        "DueDate": (today - timedelta(days=40)).isoformat(), "TotalAmt": 200,
        "VendorRef": {"value": vendor["Id"]}, "Line": []})
    sample_app.store.put_entity(US, "BillPayment", {
        "Id": "901", "TxnDate": today.isoformat(), "TotalAmt": 50,
        "VendorRef": {"value": vendor["Id"]},
        "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": "900", "TxnType": "Bill"}]}]})

    aged = sample_us.get("reports/AgedPayables").json()
    balance = sample_us.get("reports/VendorBalance").json()

    # The sample companies hold bills of their own (other vendors): this vendor's row.
    mine = [row for row in data(rows_of(aged)) if row[0] == vendor["DisplayName"]]
    assert mine == [[vendor["DisplayName"], "", "", "150.00", "", "", "150.00"]]
    mine = [row for row in data(rows_of(balance)) if row[0] == vendor["DisplayName"]]
    assert mine == [[vendor["DisplayName"], "150.00"]]
    assert aged["Columns"]["Column"][0]["ColType"] == "Vendor"
