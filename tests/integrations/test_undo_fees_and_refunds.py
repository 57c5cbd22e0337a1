"""Undo sync of an invoice whose payment has a processing fee and a refund: hatsync's fee
(a Purchase), refund (a RefundReceipt), payment and invoice all leave QuickBooks, and their
records are forgotten. A fee or refund whose note is not hatsync's keeps the invoice there."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import bulk, undo
from invoices import services
from tests.factories import make_invoice, make_product
from tests.integrations.refund_fee_helpers import (
    books_paying_into_checking,
    push_all,
    set_up_books,
)
from tests.sandbox_helpers import US_REALM, connect_through_consent_page, record_for

pytestmark = pytest.mark.django_db
ENTITIES = ("Invoice", "Payment", "Purchase", "RefundReceipt")


@pytest.fixture
def books(sandbox, account_for):
    return books_paying_into_checking(sandbox, account_for("US", US_REALM))


@pytest.fixture
def refunded(sandbox, books):
    """Invoice 1042, paid by card (a 3.20 fee), 30.00 of it refunded: all in QuickBooks."""
    product = make_product(account=books.account, rate="100.00")
    invoice = make_invoice(account=books.account, number="1042",
                           lines=[(product, "1", "100.00", None)], send=True)
    payment = services.payment_record(invoice=invoice, date=invoice.issue_date,
                                      amount=Decimal("100.00"), reference="ch_991",
                                      processor_fee=Decimal("3.20"))
    refund = services.refund_record(payment=payment, date=date(2026, 11, 25),
                                    amount=Decimal("30.00"), tip_amount=Decimal("0"),
                                    reason="Session cut short")
    push_all(books.account)
    assert all(record_for(obj, kind).state == "synced" for obj, kind in [
        (invoice, "invoice"), (payment, "payment"), (payment, "fee"), (refund, "refund")])
    assert {entity: len(sandbox.entities(US_REALM, entity)) for entity in ENTITIES} == {
        entity: 1 for entity in ENTITIES}
    return invoice, payment, refund


def run_turns(connection_id: int, invoice_ids: list[int]) -> dict:
    """What the bulk worker does with a confirmed undo: its turns, one after the other."""
    job, left, carry = uuid.uuid4().hex, invoice_ids, None
    while True:
        turn = undo.undo_turn(connection_id=connection_id, job=job, invoice_ids=left,
                              carry=carry)
        if turn.again_in is None:
            return turn.progress
        left, carry = turn.left, turn.carry


def run_undo(books, invoice) -> dict:
    return run_turns(books.connection.pk, [invoice.pk])


def test_undo_removes_the_invoice_with_its_payments_fee_and_refund(sandbox, books, refunded):
    """(Issue 21: while undo wanted a fee's or refund's note to start with "hatsync ", it
    refused every invoice whose payment had a fee.)"""
    invoice, payment, refund = refunded
    progress = run_undo(books, invoice)
    assert progress["skipped"] == [] and progress["failed"] == []
    assert (progress["removed"], progress["payments_removed"], progress["extras_removed"],
            progress["fees_removed"]) == (1, 1, 2, 1)
    assert {entity: sandbox.entities(US_REALM, entity) for entity in ENTITIES} == {
        entity: [] for entity in ENTITIES}
    assert not SyncRecord.objects.filter(Q(invoice=invoice) | Q(payment=payment)
                                         | Q(refund=refund)).exists()
    assert record_for(invoice.contact, "contact").qbo_id  # the customer stays


@pytest.mark.parametrize(("entity", "note", "what"), [
    ("Purchase", "Card fees for November, entered by the bookkeeper", "refund or fee"),
    ("RefundReceipt", "Refunded by phone", "refund or fee"),
    # hatsync's marker is still there, but someone rewrote the note around it: not ours now.
    ("Purchase", "Card fees for November (hatsync fee #{payment})", "refund or fee"),
    ("RefundReceipt", "Refunded by phone, see hatsync refund #{refund}", "refund or fee"),
    ("Payment", "hatsync payment #{payment}, moved to the March deposit", "payment"),
])
def test_a_fee_refund_or_payment_without_hatsyncs_note_keeps_the_invoice_in_quickbooks(
    sandbox, books, refunded, entity, note, what
):
    invoice, payment, refund = refunded
    [current] = sandbox.entities(US_REALM, entity)
    sandbox.api_post(books.account, entity, {
        "Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True,
        "PrivateNote": note.format(payment=payment.pk, refund=refund.pk)})
    progress = run_undo(books, invoice)
    assert progress["removed"] == 0
    [skipped] = progress["skipped"]
    assert skipped.startswith(f"A {what} on invoice 1042 in QuickBooks does not carry "
                              "hatsync's note")
    assert {e: len(sandbox.entities(US_REALM, e)) for e in ENTITIES} == {
        e: 1 for e in ENTITIES}
    assert record_for(invoice).state == "synced"


def test_undo_removes_invoices_imported_in_batches_with_their_fees_and_refunds(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM, connect=False)
    product = make_product(account=account, rate="100.00")
    invoices, payments = [], []
    for n in range(4):
        invoice = make_invoice(account=account, number=f"FB-{n}",
                               lines=[(product, "1", "100.00", None)], send=True)
        payment = services.payment_record(invoice=invoice, date=invoice.issue_date,
                                          amount=Decimal("100.00"), reference=f"ch_{n}",
                                          processor_fee=account.card_fee(Decimal("100.00")))
        if n % 2:
            services.refund_record(payment=payment, date=date(2026, 11, 25),
                                   amount=Decimal("10.00"), tip_amount=Decimal("0"))
        invoices.append(invoice)
        payments.append(payment)
    connect_through_consent_page(client, US_REALM)
    books = set_up_books(sandbox, account)
    books.connection.deposit_account_id = books.checking
    books.connection.fee_account_id = books.fees
    books.connection.save()
    client.post("/import-invoices/sync/", {"all": "1"})
    connection = QuickBooksConnection.objects.get(account=account)
    bulk.drain_company(connection_id=connection.pk, since=timezone.now())
    push_all(account)
    assert all(record_for(p, "fee").state == "synced" for p in payments)
    assert len(sandbox.entities(US_REALM, "Purchase")) == 4
    assert len(sandbox.entities(US_REALM, "RefundReceipt")) == 2

    progress = run_turns(connection.pk, [i.pk for i in invoices])
    assert progress["skipped"] == [] and progress["failed"] == []
    assert progress["removed"] == 4 and progress["fees_removed"] == 4
    assert {entity: sandbox.entities(US_REALM, entity) for entity in ENTITIES} == {
        entity: [] for entity in ENTITIES}
