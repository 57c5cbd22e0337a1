"""The local QuickBooks' transaction pages show what QuickBooks would show, and their figures
add up: invoices (lines with tax code names, discount, subtotal, tax per rate, total, payments
with method and reference, balance) in the US, Canada and the UK; payments; refund receipts,
expenses (Purchase) and bank deposits; the Sales and Expenses lists linking them. The pages
are read as a person reads them: the HTML is parsed and its figures added up."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.test import Client

from qbo_sandbox.app import SandboxApp
from qbo_sandbox.entities import Books

from .conftest import CA, GB, US


class Page(HTMLParser):
    """A page as text: its tables (by class: rows of cell texts), its facts (dt -> dd) and
    its links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.facts: dict[str, str] = {}
        self.links: list[str] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._term: str | None = None
        self._text: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(found.get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag in ("dt", "dd"):
            self._text = []
        elif tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "dt" and self._text is not None:
            self._term = "".join(self._text).strip()
            self._text = None
        elif tag == "dd" and self._text is not None and self._term is not None:
            self.facts[self._term] = "".join(self._text).strip()
            self._text = self._term = None

    def handle_data(self, data: str) -> None:
        for holder in (self._cell, self._text):
            if holder is not None:
                holder.append(data)

    def summary(self) -> list[tuple[str, Decimal]]:
        return [(label, Decimal(value)) for label, value in self.tables["totals"]]

    def lines(self) -> list[list[str]]:
        return self.tables["lines"][1:]  # without the heading row


def write(app: SandboxApp, realm: str, action: Callable[[Books], Any]) -> Any:
    with app.store.transaction():
        return action(Books(app.store, app.store.company(realm), app.clock.now()))


def show(browser: Client, path: str, realm: str, txn_id: str | None = None) -> Page:
    """The page as a bookkeeper working in `realm` sees it: deep links open in the browser's
    current company, so switch to it first (as Intuit's Switch company does)."""
    assert browser.get("/app/switchCompany", query_string={"companyId": realm}).status_code == 303
    args = {"realmId": realm, **({"txnId": txn_id} if txn_id else {})}
    answer = browser.get(path, query_string=args)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    return Page(answer.get_data(as_text=True))


def sales_line(amount: str, code: str, *, qty: str = "1", description: str = "",
               item: str = "1") -> dict:
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": description,
            "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty,
                                    "UnitPrice": str(Decimal(amount) / Decimal(qty)),
                                    "TaxCodeRef": {"value": code}}}


def percent_off(percent: str) -> dict:
    return {"DetailType": "DiscountLineDetail", "Amount": 0,
            "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": percent}}


def amount_off(value: str) -> dict:
    return {"DetailType": "DiscountLineDetail", "Amount": value,
            "DiscountLineDetail": {"PercentBased": False}}


def books_with(realm: str, method_name: str) -> Callable[[Books], dict]:
    """A customer, a Checking and an Undeposited Funds account and a payment method in a
    bare company (the Canadian and UK sample companies have none)."""
    def make(books: Books) -> dict:
        return {
            "customer": books.create("Customer", {"DisplayName": f"Page client {realm}"}, {}),
            "checking": books.create("Account", {"Name": "Checking", "AccountType": "Bank"},
                                     {}),
            "undeposited": books.create("Account", {"Name": "Undeposited Funds",
                                                    "AccountSubType": "UndepositedFunds"}, {}),
            "method": books.create("PaymentMethod", {"Name": method_name}, {}),
        }
    return make


def invoice_and_payment(app: SandboxApp, realm: str, books: dict, lines: list[dict],
                        paid: str, ref: str, **fields: Any) -> tuple[dict, dict]:
    def make(b: Books) -> tuple[dict, dict]:
        invoice = b.create("Invoice", {"CustomerRef": {"value": books["customer"]["Id"]},
                                       "DocNumber": f"PAGE-{realm[-1]}", "Line": lines,
                                       **fields}, {})
        payment = b.create("Payment", {
            "CustomerRef": {"value": books["customer"]["Id"]}, "TotalAmt": paid,
            "PaymentRefNum": ref, "PaymentMethodRef": {"value": books["method"]["Id"]},
            "DepositToAccountRef": {"value": books["checking"]["Id"]},
            "Line": [{"Amount": paid, "LinkedTxn": [{"TxnId": invoice["Id"],
                                                     "TxnType": "Invoice"}]}]}, {})
        return b.get("Invoice", invoice["Id"]), payment
    return write(app, realm, make)


def assert_invoice_adds_up(shown: Page, stored: dict) -> dict[str, Decimal]:
    """The figures under the lines add up: subtotal = the lines; subtotal - discount + tax
    = total (QuickBooks' own TotalAmt); total - payments = balance due (its Balance)."""
    rows = shown.summary()
    figures = dict(rows)
    labels = [label for label, _ in rows]
    assert sum(Decimal(line[5]) for line in shown.lines()) == figures["Subtotal"]
    total_at = labels.index("Total")
    assert sum(value for _, value in rows[:total_at]) == figures["Total"]
    assert figures["Total"] == Decimal(str(stored["TotalAmt"]))
    balance_at = labels.index("Balance due")
    assert sum(value for _, value in rows[total_at:balance_at]) == figures["Balance due"]
    assert figures["Balance due"] == Decimal(str(stored["Balance"]))
    return figures


@pytest.fixture
def browser(app: SandboxApp) -> Client:
    return Client(app)


def test_a_canadian_invoice_shows_its_discount_gst_and_hst_by_name_and_adds_up(app, browser):
    books = write(app, CA, books_with(CA, "Visa"))
    invoice, _ = invoice_and_payment(app, CA, books, [
        sales_line("100", "1", qty="2", description="Portrait session"),  # GST 5%
        sales_line("80", "2", description="Prints"),  # HST ON 13%
        percent_off("10"),
    ], paid="100", ref="VISA-4242")
    shown = show(browser, "/app/invoice", CA, invoice["Id"])
    assert [line[6] for line in shown.lines()] == ["GST (5%)", "HST ON (13%)"]
    assert [line[3:6] for line in shown.lines()] == [["2", "50.00", "100.00"],
                                                   ["1", "80.00", "80.00"]]
    assert shown.lines()[0][2] == "Portrait session"
    figures = assert_invoice_adds_up(shown, invoice)
    assert figures["Subtotal"] == Decimal("180.00")
    assert figures["Discount 10%"] == Decimal("-18.00")
    assert figures["GST @ 5% on 90.00"] == Decimal("4.50")
    assert figures["HST ON @ 13% on 72.00"] == Decimal("9.36")
    assert figures["Total"] == Decimal("175.86")
    assert figures["Payments received"] == Decimal("-100.00")
    assert figures["Balance due"] == Decimal("75.86")
    [heading, paid] = shown.tables["payments"]
    assert heading[1:4] == ["Ref no.", "Method", "Deposited to"]
    assert paid[1:] == ["VISA-4242", "Visa", "Checking", "100.00", "100.00"]
    assert shown.facts["Amounts are"] == "Exclusive of tax"


def test_a_uk_invoice_names_its_vat_codes_not_their_ids_and_adds_up(app, browser):
    books = write(app, GB, books_with(GB, "Bank transfer"))
    invoice, _ = invoice_and_payment(app, GB, books, [
        sales_line("100", "1", description="Wedding album"),  # 20.0% S
        sales_line("30", "4", description="Travel Fee"),  # Exempt
        amount_off("13"),
    ], paid="35", ref="BACS-1")
    shown = show(browser, "/app/invoice", GB, invoice["Id"])
    assert shown.tables["lines"][0][6] == "VAT"
    assert [line[6] for line in shown.lines()] == ["20.0% S", "Exempt (0%)"]
    figures = assert_invoice_adds_up(shown, invoice)
    assert figures["Discount"] == Decimal("-13.00")
    assert figures["VAT @ 20% on 90.00"] == Decimal("18.00")
    assert figures["VAT @ 0% on 27.00"] == Decimal("0.00")
    assert figures["Total"] == Decimal("135.00")
    assert figures["Balance due"] == Decimal("100.00")
    assert shown.tables["payments"][1][1:3] == ["BACS-1", "Bank transfer"]


def test_a_us_invoice_shows_taxable_lines_discount_and_the_rate_it_was_taxed_at(
        sample_app):
    browser = Client(sample_app)
    realm = US

    def make(b: Books) -> tuple[dict, dict]:
        invoice = b.create("Invoice", {
            "CustomerRef": {"value": "1"}, "DocNumber": "PAGE-US",
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": "2"}},  # California 8%
            "Line": [sales_line("200", "TAX", qty="4", description="Session"),
                     sales_line("50", "NON", description="Travel"), percent_off("10")]}, {})
        payment = b.create("Payment", {
            "CustomerRef": {"value": "1"}, "TotalAmt": "150", "PaymentRefNum": "1234",
            "PaymentMethodRef": {"value": "2"}, "DepositToAccountRef": {"value": "35"},
            "Line": [{"Amount": "139.40", "LinkedTxn": [{"TxnId": invoice["Id"],
                                                         "TxnType": "Invoice"}]}]}, {})
        return b.get("Invoice", invoice["Id"]), payment

    invoice, payment = write(sample_app, realm, make)
    shown = show(browser, "/app/invoice", realm, invoice["Id"])
    assert [line[6] for line in shown.lines()] == ["Taxable", "Non-taxable"]
    figures = assert_invoice_adds_up(shown, invoice)
    assert figures["Discount 10%"] == Decimal("-25.00")
    assert figures["California @ 8% on 180.00"] == Decimal("14.40")
    assert figures["Total"] == Decimal("239.40")
    assert figures["Balance due"] == Decimal("100.00")
    assert shown.tables["payments"][1][1:] == ["1234", "Check", "Checking", "150.00", "139.40"]
    assert "Amounts are" not in shown.facts  # US forms have no tax-inclusive choice

    # the payment's own page: where it came from, where it went and what it paid
    pay_page = show(browser, "/app/recvpayment", realm, payment["Id"])
    assert pay_page.facts["Payment method"] == "Check"
    assert pay_page.facts["Reference no."] == "1234"
    assert pay_page.facts["Deposit to"] == "Checking"
    [_, applied] = pay_page.tables["applied"]
    assert applied == ["Invoice PAGE-US", invoice["TxnDate"], invoice["DueDate"], "239.40",
                       "100.00", "139.40"]
    totals = dict(pay_page.summary())
    assert totals["Amount to apply"] + totals["Amount to credit"] == totals["Amount received"]
    assert totals["Amount to credit"] == Decimal("10.60")
    invoice_url = f"/app/invoice?txnId={invoice['Id']}&realmId={realm}"
    assert any(href.endswith(invoice_url) for href in pay_page.links)
    # ... and the invoice's form is still what an invoice's txnId opens there
    form = browser.get("/app/recvpayment", query_string={"txnId": invoice["Id"],
                                                         "realmId": realm})
    assert "Receive payment" in form.get_data(as_text=True)


def test_a_tax_inclusive_refund_receipt_shows_the_vat_inside_its_total(app, browser):
    books = write(app, GB, books_with(GB, "Card"))
    refund = write(app, GB, lambda b: b.create("RefundReceipt", {
        "DocNumber": "R-PAGE-3", "CustomerRef": {"value": books["customer"]["Id"]},
        "DepositToAccountRef": {"value": books["checking"]["Id"]},
        "PaymentMethodRef": {"value": books["method"]["Id"]},
        "GlobalTaxCalculation": "TaxInclusive", "PrivateNote": "hatsync refund 7",
        "Line": [sales_line("60", "1", description="Refund on invoice PAGE-3")]}, {}))
    shown = show(browser, "/app/refundreceipt", GB, refund["Id"])
    assert shown.facts["Refund from"] == "Checking"
    assert shown.facts["Payment method"] == "Card"
    assert shown.facts["Amounts are"] == "Inclusive of tax"
    assert shown.facts["Memo"] == "hatsync refund 7"
    assert [line[6] for line in shown.lines()] == ["20.0% S"]
    figures = dict(shown.summary())
    assert figures["Includes VAT @ 20% on 50.00"] == Decimal("10.00")
    assert figures["Subtotal"] == figures["Total"] == Decimal("60.00")  # the VAT is inside
    assert figures["Amount refunded"] == Decimal(str(refund["TotalAmt"])) == Decimal("60")


def test_an_expense_page_shows_the_fee_its_account_and_category(app, browser):
    books = write(app, CA, books_with(CA, "Cash"))
    fee_account = write(app, CA, lambda b: b.create("Account", {
        "Name": "Merchant account fees", "AccountType": "Expense"}, {}))
    purchase = write(app, CA, lambda b: b.create("Purchase", {
        "PaymentType": "Cash", "AccountRef": {"value": books["checking"]["Id"]},
        "TxnDate": "2026-11-02", "PrivateNote": "Processing fee on payment VISA-4242",
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": "3.20",
                  "Description": "Card processing fee",
                  "AccountBasedExpenseLineDetail": {
                      "AccountRef": {"value": fee_account["Id"]}}}]}, {}))
    shown = show(browser, "/app/expense", CA, purchase["Id"])
    assert shown.facts["Payment account"] == "Checking"
    assert shown.facts["Payment type"] == "Cash"
    assert shown.facts["Memo"] == "Processing fee on payment VISA-4242"
    assert shown.lines() == [["1", "Merchant account fees", "Card processing fee", "3.20", "",
                              ""]]
    figures = dict(shown.summary())
    assert figures["Subtotal"] == figures["Total"] == Decimal("3.20")
    listed = show(browser, "/app/expenses", CA)
    [_, row] = listed.tables["expenses"]
    assert row == ["2026-11-02", "Expense", "", "", "Checking", "Merchant account fees", "3.20"]
    assert any(f"/app/expense?txnId={purchase['Id']}&realmId={CA}" in href
               for href in listed.links)


def test_a_deposit_page_links_the_payments_it_took_from_undeposited_funds(app, browser):
    books = write(app, US, books_with(US, "Check"))

    def make(b: Books) -> tuple[dict, dict]:
        invoice = b.create("Invoice", {"CustomerRef": {"value": books["customer"]["Id"]},
                                       "DocNumber": "DEP-1", "Line": [sales_line("80", "NON")]},
                           {})
        payment = b.create("Payment", {
            "CustomerRef": {"value": books["customer"]["Id"]}, "TotalAmt": "80",
            "PaymentRefNum": "CHK-55", "PaymentMethodRef": {"value": books["method"]["Id"]},
            "DepositToAccountRef": {"value": books["undeposited"]["Id"]},
            "Line": [{"Amount": "80", "LinkedTxn": [{"TxnId": invoice["Id"],
                                                     "TxnType": "Invoice"}]}]}, {})
        deposit = b.create("Deposit", {
            "DepositToAccountRef": {"value": books["checking"]["Id"]}, "TxnDate": "2026-11-20",
            "Line": [{"Amount": "80", "LinkedTxn": [{"TxnId": payment["Id"],
                                                     "TxnType": "Payment"}]},
                     {"Amount": "25.50", "Description": "Cash sale", "DetailType":
                      "DepositLineDetail", "DepositLineDetail": {"AccountRef": {"value": "1"}}}]},
            {})
        return payment, deposit

    payment, deposit = write(app, US, make)
    shown = show(browser, "/app/deposit", US, deposit["Id"])
    assert shown.facts["Account"] == "Checking"
    [first, second] = shown.lines()
    assert first[:2] == ["1", f"Page client {US}"] and first[2].startswith("Payment ")
    assert first[3:] == ["Undeposited Funds", "", "Check", "CHK-55", "80.00"]
    assert second == ["2", "", "", "Services", "Cash sale", "", "", "25.50"]
    figures = dict(shown.summary())
    assert sum(Decimal(line[7]) for line in shown.lines()) == figures["Total"] == Decimal(
        "105.50")
    assert any(f"/app/recvpayment?txnId={payment['Id']}&realmId={US}" in href
               for href in shown.links)
    pay_page = show(browser, "/app/recvpayment", US, payment["Id"])
    assert pay_page.facts["Deposit to"] == "Undeposited Funds"
    assert pay_page.facts["Deposited in"] == "Deposit of 2026-11-20"


def test_the_sales_list_links_every_sales_transaction_and_the_deposits(app, browser):
    books = write(app, CA, books_with(CA, "Visa"))
    invoice, payment = invoice_and_payment(app, CA, books, [sales_line("50", "1")],
                                           paid="20", ref="VISA-1")
    refund = write(app, CA, lambda b: b.create("RefundReceipt", {
        "DocNumber": "R-PAGE-2", "CustomerRef": {"value": books["customer"]["Id"]},
        "DepositToAccountRef": {"value": books["checking"]["Id"]},
        "Line": [sales_line("10", "1")]}, {}))
    receipt = write(app, CA, lambda b: b.create("SalesReceipt", {
        "DocNumber": "SR-1", "CustomerRef": {"value": books["customer"]["Id"]},
        "Line": [sales_line("40", "2")]}, {}))
    shown = show(browser, "/app/sales", CA)
    rows = {row[1]: row for row in shown.tables["sales"][1:]}
    assert rows["Invoice"][2:] == ["PAGE-2", f"Page client {CA}", "32.50", "52.50", "Partial"]
    assert rows["Payment"][2:] == ["VISA-1", f"Page client {CA}", "", "20.00", "Closed"]
    assert rows["Refund receipt"][5] == "-10.50"  # money paid back
    assert rows["Sales receipt"][5] == "45.20"
    for path, txn in (("/app/invoice", invoice), ("/app/recvpayment", payment),
                      ("/app/refundreceipt", refund), ("/app/salesreceipt", receipt)):
        assert any(f"{path}?txnId={txn['Id']}&realmId={CA}" in href for href in shown.links)
    receipt_page = show(browser, "/app/salesreceipt", CA, receipt["Id"])
    figures = dict(receipt_page.summary())
    assert figures["HST ON @ 13% on 40.00"] == Decimal("5.20")
    assert receipt_page.facts["Deposit to"] == "Undeposited Funds"
    home = show(browser, "/app/homepage", CA)
    assert any(f"/app/sales?realmId={CA}" in href for href in home.links)
    assert any(f"/app/expenses?realmId={CA}" in href for href in home.links)


def test_an_unknown_transaction_is_a_404_that_names_it(browser):
    for path, what in (("/app/refundreceipt", "refund receipt"), ("/app/expense", "expense"),
                       ("/app/deposit", "deposit")):
        answer = browser.get(path, query_string={"txnId": "999", "realmId": US})
        assert answer.status_code == 404
        assert f"No {what} with transaction ID 999." in answer.get_data(as_text=True)


def test_every_name_and_text_on_the_transaction_pages_is_escaped(app, browser):
    evil = "<script>alert(1)</script>"

    def make(b: Books) -> dict[str, dict]:
        customer = b.create("Customer", {"DisplayName": f"{evil} client"}, {})
        vendor = b.create("Vendor", {"DisplayName": f"{evil} vendor"}, {})
        bank = b.create("Account", {"Name": f"{evil} bank", "AccountType": "Bank"}, {})
        undeposited = b.create("Account", {"Name": f"{evil} undeposited",
                                           "AccountSubType": "UndepositedFunds"}, {})
        method = b.create("PaymentMethod", {"Name": "<x-m>method</x-m>"}, {})  # 31 at most
        item = b.create("Item", {"Name": f"{evil} item", "Type": "Service",
                                 "IncomeAccountRef": {"value": "1"}}, {})
        invoice = b.create("Invoice", {
            "CustomerRef": {"value": customer["Id"]}, "DocNumber": "<x-no>1</x-no>",
            "CustomerMemo": {"value": evil}, "PrivateNote": evil,
            "Line": [sales_line("10", "NON", description=evil, item=item["Id"])]}, {})
        payment = b.create("Payment", {
            "CustomerRef": {"value": customer["Id"]}, "TotalAmt": "10",
            "PaymentRefNum": "<x-ref>r</x-ref>", "PaymentMethodRef": {"value": method["Id"]},
            "DepositToAccountRef": {"value": undeposited["Id"]}, "PrivateNote": evil,
            "Line": [{"Amount": "10", "LinkedTxn": [{"TxnId": invoice["Id"],
                                                     "TxnType": "Invoice"}]}]}, {})
        refund = b.create("RefundReceipt", {
            "DocNumber": "<x-no>R</x-no>", "CustomerRef": {"value": customer["Id"]},
            "DepositToAccountRef": {"value": bank["Id"]}, "PrivateNote": evil,
            "PaymentMethodRef": {"value": method["Id"]},
            "Line": [sales_line("5", "NON", description=evil, item=item["Id"])]}, {})
        purchase = b.create("Purchase", {
            "PaymentType": "Cash", "AccountRef": {"value": bank["Id"]},
            "DocNumber": "<x-no>P</x-no>",
            "EntityRef": {"value": vendor["Id"]}, "PrivateNote": evil,
            "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": "2",
                      "Description": evil,
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": bank["Id"]}}}]},
            {})
        deposit = b.create("Deposit", {
            "DepositToAccountRef": {"value": bank["Id"]}, "PrivateNote": evil,
            "Line": [{"Amount": "10", "LinkedTxn": [{"TxnId": payment["Id"],
                                                     "TxnType": "Payment"}]},
                     {"Amount": "1", "Description": evil, "DetailType": "DepositLineDetail",
                      "DepositLineDetail": {"AccountRef": {"value": bank["Id"]}}}]}, {})
        return {"invoice": invoice, "payment": payment, "refund": refund,
                "purchase": purchase, "deposit": deposit}

    made = write(app, US, make)
    browser.get("/app/switchCompany", query_string={"companyId": US})  # links open there
    for path, txn in (("/app/invoice", made["invoice"]), ("/app/recvpayment", made["payment"]),
                      ("/app/refundreceipt", made["refund"]), ("/app/expense", made["purchase"]),
                      ("/app/deposit", made["deposit"]), ("/app/sales", None),
                      ("/app/expenses", None)):
        args = {"realmId": US, **({"txnId": txn["Id"]} if txn else {})}
        html = browser.get(path, query_string=args).get_data(as_text=True)
        assert "<script>" not in html and "<x-" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "&lt;x-" in html, path


def test_every_sample_companys_invoices_and_payments_add_up_on_their_pages(sample_app):
    browser = Client(sample_app)
    checked = 0
    for company in sample_app.store.companies():
        realm = company["realm_id"]
        for invoice in sample_app.store.entities(realm, "Invoice"):
            shown = show(browser, "/app/invoice", realm, invoice["Id"])
            assert_invoice_adds_up(shown, invoice)
            assert not any(line[6].isdigit() for line in shown.lines())  # names, not Ids
            checked += 1
        for payment in sample_app.store.entities(realm, "Payment"):
            totals = dict(show(browser, "/app/recvpayment", realm, payment["Id"]).summary())
            assert totals["Amount to apply"] + totals["Amount to credit"] == Decimal(
                str(payment["TotalAmt"])) == totals["Amount received"]
    assert checked == 4 * 31
