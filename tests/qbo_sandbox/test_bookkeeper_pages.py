"""The bookkeeper pages: receive a payment, void / delete an invoice, make customers and items
inactive, all through a browser-like werkzeug test client (cookies kept, redirects checked)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.test import Client, TestResponse

from qbo_sandbox.app import SandboxApp
from qbo_sandbox.entities import Books

from .conftest import US

TOKEN = re.compile(r"name='csrf_token' value='([^']+)'")
SELECTED = re.compile(r"<option value='([^']*)' selected>")


def write(app: SandboxApp, action: Callable[[Books], Any], realm: str = US) -> Any:
    with app.store.transaction():
        return action(Books(app.store, app.store.company(realm), app.clock.now()))


def entity(app: SandboxApp, kind: str, entity_id: str, realm: str = US) -> dict | None:
    return app.store.entity(realm, kind, entity_id)


def payments_on(app: SandboxApp, invoice: dict) -> list[dict]:
    """The payments applied to (or made for) this invoice; the samples hold others."""
    return [p for p in app.store.entities(US, "Payment")
            if any(str(t.get("TxnId")) == invoice["Id"]
                   for line in p.get("Line", []) for t in line.get("LinkedTxn", []))]


def payment_count(app: SandboxApp) -> int:
    return len(app.store.entities(US, "Payment"))


def token_of(page: TestResponse) -> str:
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)
    return found.group(1)


@pytest.fixture
def browser(app: SandboxApp) -> Client:
    return Client(app)


@pytest.fixture
def books_data(app: SandboxApp) -> dict[str, Any]:
    """A customer with one open 100.00 invoice, a payment method and two deposit accounts."""
    def make(books: Books) -> dict[str, Any]:
        customer = books.create("Customer", {"DisplayName": "Page Bookkeeping Co"}, {})
        invoice = books.create("Invoice", {
            "CustomerRef": {"value": customer["Id"]}, "DocNumber": "BK-1",
            "Line": [{"Amount": 100, "DetailType": "SalesItemLineDetail",
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}],
        }, {})
        method = books.create("PaymentMethod", {"Name": "Test Check"}, {})
        checking = books.create("Account", {"Name": "Test Checking", "AccountType": "Bank"}, {})
        undeposited = books.create("Account", {"Name": "Test Undeposited",
                                               "AccountSubType": "UndepositedFunds"}, {})
        return {"customer": customer, "invoice": invoice, "method": method,
                "checking": checking, "undeposited": undeposited}
    return write(app, make)


def pay(browser: Client, invoice: dict, **fields: str) -> TestResponse:
    form = browser.get("/app/recvpayment", query_string={"txnId": invoice["Id"], "realmId": US})
    assert form.status_code == 200
    data = {"csrf_token": token_of(form), "realmId": US, "txnId": invoice["Id"], "txnDate": "",
            "paymentMethod": "", "refNum": "", "depositTo": "", **fields}
    return browser.post("/app/recvpayment", data=data)


def confirm(browser: Client, action: str, invoice: dict) -> TestResponse:
    page = browser.get(f"/app/invoice/{action}",
                       query_string={"txnId": invoice["Id"], "realmId": US})
    assert page.status_code == 200
    assert f"action='/app/invoice/{action}'" in page.get_data(as_text=True)
    sync = re.search(r"name='syncToken' value='(\d+)'", page.get_data(as_text=True)).group(1)
    return browser.post(f"/app/invoice/{action}", data={
        "csrf_token": token_of(page), "realmId": US, "txnId": invoice["Id"], "syncToken": sync})


def set_active(browser: Client, list_path: str, item_id: str, active: bool) -> TestResponse:
    page = browser.get(list_path, query_string={"realmId": US})
    html = page.get_data(as_text=True)
    sync = re.search(rf"name='id' value='{item_id}'><input type=hidden name='syncToken' "
                     r"value='(\d+)'", html).group(1)
    return browser.post(f"{list_path}/active", data={
        "csrf_token": token_of(page), "realmId": US, "id": item_id, "syncToken": sync,
        "active": "true" if active else "false"})


def test_receive_payment_form_defaults_to_the_balance_today_and_undeposited_funds(
        app, browser, books_data):
    invoice = books_data["invoice"]
    page = browser.get("/app/recvpayment", query_string={"txnId": invoice["Id"], "realmId": US})
    html = page.get_data(as_text=True)
    assert "value='100.00'" in html
    today = datetime.fromtimestamp(app.clock.now(), UTC).date().isoformat()
    assert f"value='{today}'" in html
    selected = SELECTED.findall(html)
    deposit = entity(app, "Account", selected[-1])
    assert deposit["AccountSubType"] == "UndepositedFunds"
    assert "Test Check" in html and "Test Checking" in html
    assert "samesite=lax" in page.headers["Set-Cookie"].lower()
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]


def test_recording_a_payment_lowers_the_balance_and_keeps_the_bookkeepers_choices(
        app, browser, books_data):
    invoice, checking = books_data["invoice"], books_data["checking"]
    answer = pay(browser, invoice, amount="40", refNum="1234", txnDate="2024-05-02",
                 paymentMethod=books_data["method"]["Id"], depositTo=checking["Id"])
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/app/invoice?")
    assert entity(app, "Invoice", invoice["Id"])["Balance"] == 60
    [payment] = payments_on(app, invoice)
    assert payment["DepositToAccountRef"]["value"] == checking["Id"]
    assert payment["PaymentRefNum"] == "1234"
    assert payment["PaymentMethodRef"]["value"] == books_data["method"]["Id"]
    assert payment["TxnDate"] == "2024-05-02" and payment["TotalAmt"] == 40
    shown = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Payment recorded." in shown and "Partial" in shown
    assert "1234" in shown and "Test Checking" in shown and "Test Check<" in shown


def test_without_payment_methods_or_deposit_accounts_no_refs_are_sent(app, browser,
                                                                       books_data):
    app.store.execute("DELETE FROM entities WHERE realm_id = ? AND (type = 'PaymentMethod' OR "
                      "(type = 'Account' AND (json_extract(data, '$.AccountType') = 'Bank' OR "
                      "json_extract(data, '$.AccountSubType') = 'UndepositedFunds')))", (US,))
    form = browser.get("/app/recvpayment",
                       query_string={"txnId": books_data["invoice"]["Id"], "realmId": US})
    assert "<option value='Cash'>" in form.get_data(as_text=True)
    answer = pay(browser, books_data["invoice"], amount="100.00", paymentMethod="Check")
    assert answer.status_code == 303
    [payment] = payments_on(app, books_data["invoice"])
    assert "PaymentMethodRef" not in payment and "DepositToAccountRef" not in payment
    assert payment["PrivateNote"] == "Payment method: Check"
    assert entity(app, "Invoice", books_data["invoice"]["Id"])["Balance"] == 0


def test_overpaying_shows_the_fault_in_red_and_saves_nothing(app, browser, books_data):
    invoice, before = books_data["invoice"], payment_count(app)
    answer = pay(browser, invoice, amount="150", depositTo=books_data["checking"]["Id"])
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "class='error box'" in html and "more than its open balance" in html
    assert "value='150'" in html  # the form keeps what was typed
    assert payment_count(app) == before
    assert entity(app, "Invoice", invoice["Id"])["Balance"] == 100


def test_an_amount_that_is_not_a_number_is_refused_before_books(app, browser, books_data):
    before = payment_count(app)
    answer = pay(browser, books_data["invoice"], amount="lots",
                 depositTo=books_data["checking"]["Id"])
    assert answer.status_code == 400 and "Enter the amount" in answer.get_data(as_text=True)
    assert payment_count(app) == before


def test_void_after_confirmation_zeroes_the_invoice(app, browser, books_data):
    invoice = books_data["invoice"]
    answer = confirm(browser, "void", invoice)
    assert answer.status_code == 303
    voided = entity(app, "Invoice", invoice["Id"])
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided"
    shown = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Invoice voided." in shown and "Voided" in shown


def test_delete_after_confirmation_removes_the_invoice_and_goes_home(app, browser, books_data):
    invoice = books_data["invoice"]
    answer = confirm(browser, "delete", invoice)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/app/homepage?")
    assert entity(app, "Invoice", invoice["Id"]) is None
    home = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Invoice BK-1 deleted." in home


def test_a_stale_confirmation_shows_qbos_fault_and_changes_nothing(app, browser, books_data):
    invoice = books_data["invoice"]
    page = browser.get("/app/invoice/void", query_string={"txnId": invoice["Id"],
                                                          "realmId": US})
    pay(browser, invoice, amount="10", depositTo=books_data["checking"]["Id"])  # SyncToken +1
    answer = browser.post("/app/invoice/void", data={
        "csrf_token": token_of(page), "realmId": US, "txnId": invoice["Id"], "syncToken": "0"})
    assert answer.status_code == 400 and "class='error box'" in answer.get_data(as_text=True)
    assert entity(app, "Invoice", invoice["Id"])["Balance"] == 90


def test_customer_made_inactive_gets_deleted_suffix_and_active_again_restores(
        app, browser, books_data):
    customer = books_data["customer"]
    answer = set_active(browser, "/app/customers", customer["Id"], active=False)
    assert answer.status_code == 303
    stored = entity(app, "Customer", customer["Id"])
    assert stored["Active"] is False
    assert stored["DisplayName"] == "Page Bookkeeping Co (deleted)"
    listed = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Page Bookkeeping Co (deleted) is now inactive." in listed
    assert "Make active" in listed
    answer = set_active(browser, "/app/customers", customer["Id"], active=True)
    assert answer.status_code == 303
    stored = entity(app, "Customer", customer["Id"])
    assert stored["Active"] is True and stored["DisplayName"] == "Page Bookkeeping Co"


def test_item_made_inactive_and_active_again(app, browser):
    item = write(app, lambda books: books.create("Item", {
        "Name": "Portrait session", "Type": "Service", "IncomeAccountRef": {"value": "1"}}, {}))
    assert set_active(browser, "/app/items", item["Id"], active=False).status_code == 303
    stored = entity(app, "Item", item["Id"])
    assert stored["Active"] is False and stored["Name"] == "Portrait session (deleted)"
    assert set_active(browser, "/app/items", item["Id"], active=True).status_code == 303
    stored = entity(app, "Item", item["Id"])
    assert stored["Active"] is True and stored["Name"] == "Portrait session"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, browser,
                                                                      books_data):
    invoice, customer = books_data["invoice"], books_data["customer"]
    before = payment_count(app)
    browser.get("/app/recvpayment", query_string={"txnId": invoice["Id"], "realmId": US})
    # the cookie is there, the form field is not (or wrong): a cross-site form looks like this
    answer = browser.post("/app/recvpayment", data={
        "realmId": US, "txnId": invoice["Id"], "amount": "10",
        "depositTo": books_data["checking"]["Id"]})
    assert answer.status_code == 403
    assert browser.post("/app/invoice/delete", data={
        "csrf_token": "x" * 43, "realmId": US, "txnId": invoice["Id"],
        "syncToken": "0"}).status_code == 403
    assert Client(app).post("/app/customers/active", data={
        "realmId": US, "id": customer["Id"], "syncToken": "0",
        "active": "false"}).status_code == 403
    assert payment_count(app) == before
    assert entity(app, "Invoice", invoice["Id"])["Balance"] == 100
    assert entity(app, "Customer", customer["Id"])["Active"] is True


def test_names_are_html_escaped_on_every_page(app, browser):
    def make(books: Books) -> dict:
        customer = books.create("Customer", {"DisplayName": "<script>alert(1)</script>"}, {})
        return books.create("Invoice", {
            "CustomerRef": {"value": customer["Id"]}, "DocNumber": "X-1",
            "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail",
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}, {})
    invoice = write(app, make)
    ids = {"txnId": invoice["Id"], "realmId": US}
    for path, args in (("/app/customers", {"realmId": US}), ("/app/homepage", {"realmId": US}),
                       ("/app/invoice", ids), ("/app/recvpayment", ids),
                       ("/app/invoice/void", ids), ("/app/invoice/delete", ids)):
        html = browser.get(path, query_string=args).get_data(as_text=True)
        assert "<script>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_home_page_links_to_customers_products_and_each_invoice(browser, books_data):
    html = browser.get("/app/homepage", query_string={"realmId": US}).get_data(as_text=True)
    assert f"/app/customers?realmId={US}" in html and f"/app/items?realmId={US}" in html
    assert "Products and Services" in html
    assert f"/app/invoice?txnId={books_data['invoice']['Id']}&amp;realmId={US}" in html
    invoice_page = browser.get("/app/invoice", query_string={
        "txnId": books_data["invoice"]["Id"], "realmId": US}).get_data(as_text=True)
    for action in ("/app/recvpayment?", "/app/invoice/void?", "/app/invoice/delete?"):
        assert action in invoice_page
