"""A payment edited in hatsync updates the one in QuickBooks (a sparse update with its
SyncToken); one deleted in hatsync is deleted there, once, with its processing fee's expense
and its refund receipts; the invoice's balance and tip line follow, in QuickBooks too."""

import json
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from integrations.models import SyncRecord
from invoices import services
from invoices.models import Invoice
from tests.factories import make_invoice, make_product
from tests.integrations.refund_fee_helpers import (
    books_paying_into_checking,
    push,
    push_all,
    set_up_books,
)
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(sandbox, account_for):
    return books_paying_into_checking(sandbox, account_for("US", US_REALM))


@pytest.fixture
def invoice(books):
    product = make_product(account=books.account, rate="200.00")
    return make_invoice(account=books.account, number="1042",
                        lines=[(product, "1", "200.00", None)], send=True)


def pay(invoice, amount="100.00", tip="0", fee="0", reference="BACK-TEST"):
    return services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                   amount=Decimal(amount), tip_amount=Decimal(tip),
                                   reference=reference, processor_fee=Decimal(fee))


def edit(payment, **changes):
    fields = {"date": payment.date, "amount": payment.amount, "tip_amount": payment.tip_amount,
              "method": payment.method, "reference": payment.reference,
              "processor_fee": payment.processor_fee}
    fields.update({k: Decimal(v) if k in {"amount", "tip_amount", "processor_fee"} else v
                   for k, v in changes.items()})
    return services.payment_update(payment=payment, **fields)


def qbo(sandbox, entity):
    return sandbox.entities(US_REALM, entity)


def qbo_invoice(sandbox):
    [found] = qbo(sandbox, "Invoice")
    return found


def money(value) -> Decimal:
    return Decimal(str(value))


def test_an_edited_payment_updates_the_same_payment_in_quickbooks(sandbox, books, invoice):
    payment = pay(invoice)
    push_all(books.account)
    [before] = qbo(sandbox, "Payment")

    edit(payment, amount="150.00", date=date(2026, 11, 21), reference="")
    sandbox.rsps.calls.reset()
    push_all(books.account)

    [after] = qbo(sandbox, "Payment")
    assert after["Id"] == before["Id"]
    assert int(after["SyncToken"]) == int(before["SyncToken"]) + 1
    assert money(after["TotalAmt"]) == Decimal("150.00")
    assert after["TxnDate"] == "2026-11-21"
    assert after.get("PaymentRefNum", "") == ""  # the reference taken away goes there too
    assert money(qbo_invoice(sandbox)["Balance"]) == Decimal("50.00")
    [update] = [c for c in sandbox.api_calls("/payment") if c.request.method == "POST"]
    # QuickBooks clears no field in a sparse update: a reference taken away is a full one
    assert json.loads(update.request.body)["sparse"] is False


def test_an_edit_is_a_sparse_update_of_what_hatsync_sends(sandbox, books, invoice):
    payment = pay(invoice)
    push_all(books.account)
    edit(payment, amount="120.00", reference="BACK-TEST-2")
    sandbox.rsps.calls.reset()
    push_all(books.account)
    [update] = [c for c in sandbox.api_calls("/payment") if c.request.method == "POST"]
    assert json.loads(update.request.body)["sparse"] is True
    [after] = qbo(sandbox, "Payment")
    assert after["PaymentRefNum"] == "BACK-TEST-2"
    assert money(after["TotalAmt"]) == Decimal("120.00")
    assert record_for(payment, "payment").state == "synced"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PARTIALLY_PAID


def test_a_payment_saved_unchanged_sends_nothing(sandbox, books, invoice):
    payment = pay(invoice)
    push_all(books.account)
    edit(payment)
    sandbox.rsps.calls.reset()
    push_all(books.account)
    assert [c for c in sandbox.api_calls() if c.request.method == "POST"] == []


@pytest.mark.parametrize("tip_before, tip_after", [("10.00", "25.00"), ("25.00", "5.00"),
                                                   ("15.00", "0.00")])
def test_an_edited_tip_moves_the_invoices_tip_line_in_an_order_quickbooks_accepts(
    sandbox, books, invoice, tip_before, tip_after
):
    payment = pay(invoice, amount="200.00", tip=tip_before)
    push_all(books.account)
    assert money(qbo_invoice(sandbox)["TotalAmt"]) == Decimal("200.00") + Decimal(tip_before)

    edit(payment, tip_amount=tip_after)
    outcomes = push_all(books.account)

    assert all(o.state == "synced" for o in outcomes), [o.message for o in outcomes]
    found = qbo_invoice(sandbox)
    assert money(found["TotalAmt"]) == Decimal("200.00") + Decimal(tip_after)
    assert money(found["Balance"]) == Decimal("0.00")
    [in_qbo] = qbo(sandbox, "Payment")
    assert money(in_qbo["TotalAmt"]) == Decimal("200.00") + Decimal(tip_after)
    assert record_for(invoice).state == "synced"


def test_an_edited_fee_updates_its_expense(sandbox, books, invoice):
    payment = pay(invoice, fee="3.20")
    push_all(books.account)
    edit(payment, processor_fee="4.10")
    push_all(books.account)
    [purchase] = qbo(sandbox, "Purchase")
    assert money(purchase["TotalAmt"]) == Decimal("4.10")


def test_a_deleted_payment_is_deleted_in_quickbooks_with_its_fee_and_refund(
    sandbox, books, invoice
):
    payment = pay(invoice, amount="200.00", tip="20.00", fee="6.68")
    push_all(books.account)
    services.refund_record(payment=payment, date=date(2026, 11, 22), amount=Decimal("50.00"))
    push_all(books.account)
    assert len(qbo(sandbox, "Payment")) == len(qbo(sandbox, "Purchase")) == 1
    assert len(qbo(sandbox, "RefundReceipt")) == 1
    payment_id = qbo(sandbox, "Payment")[0]["Id"]

    services.payment_delete(payment=payment)
    outcomes = push_all(books.account)

    assert all(o.state == "synced" for o in outcomes), [o.message for o in outcomes]
    assert qbo(sandbox, "Payment") == []
    assert qbo(sandbox, "Purchase") == []
    assert qbo(sandbox, "RefundReceipt") == []
    found = qbo_invoice(sandbox)
    assert money(found["TotalAmt"]) == Decimal("200.00")  # the tip line went with its tip
    assert money(found["Balance"]) == Decimal("200.00")
    record = SyncRecord.objects.get(key=f"payment:{payment.pk}")
    assert record.state == "synced" and record.qbo_id == "" and record.deleted_qbo_id == payment_id
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT


def test_a_lost_answer_to_the_delete_deletes_once_and_finishes(sandbox, books, invoice):
    payment = pay(invoice)
    push_all(books.account)
    services.payment_delete(payment=payment)
    sandbox.control("POST", "faults", json={
        "realm": US_REALM, "responses": [{"status": 504, "on": "write", "after_apply": True}]})

    first = push(f"payment:{payment.pk}")
    assert first.state == "needs_sync" and first.retryable
    assert qbo(sandbox, "Payment") == []  # it went; the answer did not come back

    again = push(f"payment:{payment.pk}")
    assert again.state == "synced"
    deletes = [parse_qs(urlparse(c.request.url).query)
               for c in sandbox.api_calls("operation=delete")]
    assert len(deletes) == 2
    assert {query["requestid"][0] for query in deletes} == {deletes[0]["requestid"][0]}
    record = SyncRecord.objects.get(key=f"payment:{payment.pk}")
    assert record.qbo_id == "" and record.pending_request_id == ""


def test_a_payment_deleted_in_quickbooks_too_is_done_not_failed(sandbox, books, invoice):
    payment = pay(invoice)
    push_all(books.account)
    [in_qbo] = qbo(sandbox, "Payment")
    sandbox.api("POST", US_REALM, "payment?operation=delete",
                books.connection.access_token,
                json={"Id": in_qbo["Id"], "SyncToken": in_qbo["SyncToken"]})

    services.payment_delete(payment=payment)
    outcome = push(f"payment:{payment.pk}")
    assert outcome.state == "synced", outcome.message


def test_the_sandbox_answers_a_second_delete_as_intuit_does(sandbox, books, invoice):
    pay(invoice)
    push_all(books.account)
    [in_qbo] = qbo(sandbox, "Payment")
    body = {"Id": in_qbo["Id"], "SyncToken": in_qbo["SyncToken"]}
    token = books.connection.access_token
    sandbox.api("POST", US_REALM, "payment?operation=delete", token, json=body)

    import requests
    response = requests.post(
        f"{sandbox.base_url}/v3/company/{US_REALM}/payment?operation=delete", json=body,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}, timeout=10)
    assert response.status_code == 400
    [error] = response.json()["Fault"]["Error"]
    assert error["code"] == "610"
    assert error["Detail"] == "Object Not Found : Another user has deleted this transaction."


def test_a_payment_deleted_before_it_synced_sends_nothing(sandbox, books, invoice):
    push_all(books.account)
    payment = pay(invoice)  # its record waits; nothing reached QuickBooks
    services.payment_delete(payment=payment)
    sandbox.rsps.calls.reset()
    outcomes = push_all(books.account)
    assert all(o.state == "synced" for o in outcomes)
    assert [c for c in sandbox.api_calls("/payment") if c.request.method == "POST"] == []
    assert qbo(sandbox, "Payment") == []


def test_a_payment_whose_create_answer_was_lost_is_found_and_deleted(sandbox, books, invoice):
    payment = pay(invoice)
    push(f"invoice:{invoice.pk}")
    sandbox.control("POST", "faults", json={
        "realm": US_REALM, "responses": [{"status": 504, "on": "write", "after_apply": True}]})
    lost = push(f"payment:{payment.pk}")
    assert lost.state == "needs_sync" and len(qbo(sandbox, "Payment")) == 1

    services.payment_delete(payment=payment)
    outcome = push(f"payment:{payment.pk}")
    assert outcome.state == "synced", outcome.message
    assert qbo(sandbox, "Payment") == []
    assert money(qbo_invoice(sandbox)["Balance"]) == Decimal("200.00")


def test_the_panel_shows_a_deleted_payment_until_it_is_gone_from_quickbooks(
    sandbox, books, invoice, client
):
    from django.urls import reverse

    payment = pay(invoice, amount="90.00")
    push_all(books.account)
    services.payment_delete(payment=payment)
    panel = reverse("integrations:invoice_panel", args=[invoice.pk])

    waiting = client.get(panel).content.decode()
    assert "Deleted payments" in waiting and "$90.00 · deleted here" in waiting
    assert "Being removed from QuickBooks." in waiting

    push_all(books.account)
    assert "Deleted payments" not in client.get(panel).content.decode()


@pytest.mark.parametrize("country, realm, rate", [("GB", "GB", "20.0% S"), ("CA", "CA", "HST ON")])
def test_in_the_uk_and_canada_an_edit_and_a_delete_reach_quickbooks_with_the_refund(
    sandbox, account_for, country, realm, rate
):
    from tests.factories import make_tax_rate
    from tests.sandbox_helpers import CA_REALM, GB_REALM

    realm = {"GB": GB_REALM, "CA": CA_REALM}[realm]
    account = account_for(country, realm)
    books = set_up_books(sandbox, account)
    books.connection.deposit_account_id = books.checking
    books.connection.save()
    tax = make_tax_rate(account=account, name=rate, percentage="20" if country == "GB" else "13")
    product = make_product(account=account, rate="100.00")
    invoice = make_invoice(account=account, number=f"{country}-1",
                           lines=[(product, "1", "100.00", tax)], send=True)
    push_all(account)
    assert record_for(invoice).state == "synced", record_for(invoice).last_error
    payment = pay(invoice, amount="50.00", reference="")
    push_all(account)
    services.refund_record(payment=payment, date=date(2026, 11, 22), amount=Decimal("10.00"))
    push_all(account)
    assert len(sandbox.entities(realm, "RefundReceipt")) == 1

    edit(payment, amount="60.00")
    push_all(account)
    [in_qbo] = sandbox.entities(realm, "Payment")
    assert money(in_qbo["TotalAmt"]) == Decimal("60.00")

    services.payment_delete(payment=payment)
    outcomes = push_all(account)
    assert all(o.state == "synced" for o in outcomes), [o.message for o in outcomes]
    assert sandbox.entities(realm, "Payment") == []
    assert sandbox.entities(realm, "RefundReceipt") == []
    [found] = sandbox.entities(realm, "Invoice")
    assert money(found["Balance"]) == money(found["TotalAmt"])
