"""A refund reaches QuickBooks as a RefundReceipt: for the invoice's customer, paid from the
account its payment went to, reversing the income on the invoice's item; once, even when
QuickBooks' answer is lost; after its payment."""

from datetime import date
from decimal import Decimal

import pytest

from integrations.models import SyncRecord
from invoices import services
from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_product
from tests.integrations.conftest import pay
from tests.integrations.refund_fee_helpers import push, push_all, set_up_books
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def refund(payment, amount, tip="0", reason=""):
    return services.refund_record(payment=payment, date=date(2026, 11, 25),
                                  amount=Decimal(amount), tip_amount=Decimal(tip),
                                  reason=reason)


@pytest.fixture
def books(sandbox, account_for):
    return set_up_books(sandbox, account_for("US", US_REALM))


@pytest.fixture
def invoice(books):
    product = make_product(account=books.account, display_name="Portrait Session",
                           rate="100.00")
    contact = make_contact(account=books.account, first_name="Ben", last_name="Okafor")
    return make_invoice(account=books.account, contact=contact, number="1042",
                        lines=[(product, "1", "100.00", None)], send=True)


def receipts(sandbox):
    return sandbox.entities(US_REALM, "RefundReceipt")


def test_a_full_refund_is_a_refund_receipt_from_the_checking_account_the_payment_went_to(
    sandbox, books, invoice
):
    books.connection.deposit_account_id = books.checking
    books.connection.save()
    payment = pay(invoice, "100.00")
    push_all(books.account)
    refund(payment, "100.00", reason="Session cancelled")
    push_all(books.account)

    [receipt] = receipts(sandbox)
    qbo_invoice = sandbox.entities(US_REALM, "Invoice")[0]
    assert receipt["CustomerRef"]["value"] == qbo_invoice["CustomerRef"]["value"]
    assert receipt["DepositToAccountRef"]["value"] == books.checking
    assert Decimal(str(receipt["TotalAmt"])) == Decimal("100.00")
    assert receipt["DocNumber"] == "R-1042"
    assert receipt["PrivateNote"].startswith("hatsync refund #")
    [line] = [ln for ln in receipt["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    invoice_item = qbo_invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"]
    assert line["SalesItemLineDetail"]["ItemRef"]["value"] == invoice_item
    assert line["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"
    record = SyncRecord.objects.get(kind="refund")
    assert record.state == "synced" and record.qbo_id == receipt["Id"]


def test_a_partial_refund_leaves_from_undeposited_funds_when_the_payment_went_there(
    sandbox, books, invoice
):
    payment = pay(invoice, "100.00")
    push_all(books.account)
    refund(payment, "40.00")
    push_all(books.account)

    [receipt] = receipts(sandbox)
    assert receipt["DepositToAccountRef"]["value"] == books.undeposited
    assert Decimal(str(receipt["TotalAmt"])) == Decimal("40.00")
    # The invoice stays paid: the refund is money going back, not an unpaid balance.
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"


def test_a_second_refund_of_the_same_invoice_gets_its_own_number(sandbox, books, invoice):
    payment = pay(invoice, "100.00")
    push_all(books.account)
    refund(payment, "30.00")
    refund(payment, "20.00")
    push_all(books.account)
    assert sorted(r["DocNumber"] for r in receipts(sandbox)) == ["R-1042", "R2-1042"]


def test_a_refunded_tip_goes_on_a_gratuity_line_when_tips_are_on(sandbox, books, invoice):
    payment = pay(invoice, "100.00", tip="15.00")
    push_all(books.account)
    refund(payment, "0", tip="15.00")
    push_all(books.account)

    [receipt] = receipts(sandbox)
    [line] = [ln for ln in receipt["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert line["SalesItemLineDetail"]["ItemRef"]["value"] == "GRATUITY_ITEM_ID"
    assert Decimal(str(line["Amount"])) == Decimal("15.00")
    assert Decimal(str(receipt["TotalAmt"])) == Decimal("15.00")


def test_a_refund_of_a_payment_not_yet_in_quickbooks_waits_for_it_then_goes(
    sandbox, books, invoice, client
):
    payment = pay(invoice, "100.00")
    refund(payment, "25.00")
    outcome = push(f"refund:{payment.refunds.get().pk}")  # pushed before its payment
    assert outcome.state == "needs_sync"
    assert "Waiting for its payment" in outcome.message
    assert receipts(sandbox) == []
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "Waiting for its payment" in page

    push_all(books.account)
    assert len(receipts(sandbox)) == 1
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "Refunded" in page and "as R-1042" in page


def test_a_lost_answer_does_not_make_a_second_refund_receipt(sandbox, books, invoice):
    payment = pay(invoice, "100.00")
    push_all(books.account)
    refund(payment, "100.00")
    sandbox.control("POST", "faults", json={
        "realm": US_REALM, "responses": [{"status": 504, "on": "write", "after_apply": True}]})
    first = push(f"refund:{payment.refunds.get().pk}")
    assert first.state == "needs_sync" and first.retryable
    assert len(receipts(sandbox)) == 1  # QuickBooks made it; we never heard

    push_all(books.account)
    assert len(receipts(sandbox)) == 1
    record = record_for(payment.refunds.get(), "refund")
    assert record.state == "synced" and record.qbo_id == receipts(sandbox)[0]["Id"]


def test_a_refund_of_a_payment_outside_the_outbox_makes_no_record(books, account_for):
    other = account_for("US", US_REALM, connect=False)
    product = make_product(account=other)
    invoice = make_invoice(account=other, lines=[(product, "1", "50.00", None)], send=True)
    payment = pay(invoice, "50.00")
    refund(payment, "10.00")
    assert not SyncRecord.objects.filter(account=other).exists()


def test_the_sweep_queues_a_refund_left_waiting(books, invoice, monkeypatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    from integrations import tasks

    payment = pay(invoice, "100.00")
    refund(payment, "10.00")
    record = SyncRecord.objects.get(kind="refund")
    SyncRecord.objects.filter(pk=record.pk).update(
        state_changed_at=timezone.now() - timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tasks.sync_record, "delay", queued.append)
    monkeypatch.setattr(tasks, "queue_drain", lambda *a, **k: None)
    tasks.sweep_outbox()
    assert record.pk in queued
