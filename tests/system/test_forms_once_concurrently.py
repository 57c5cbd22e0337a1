"""One form submitted twice at the same moment (a double click, two tabs of one page), on
PostgreSQL with two real sessions: one record, and the second submission is answered with
it. Payments and refunds queue behind their parent's row lock; an invoice has none, so the
unique constraint on (account, form_token) is what keeps the second out."""

import threading
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from invoices import services
from invoices.models import Invoice, Payment, Refund
from invoices.services import LineInput
from tests.factories import make_account, make_contact, make_invoice, make_product

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres(postgres_test_database):
    """Only PostgreSQL has sessions that really run at once (the system tests' database)."""


def at_once(submit, times: int = 2) -> list:
    """Run `submit` in `times` threads released together; each its own database session.
    Returns what each returned (the record) or raised (AlreadyRecorded)."""
    start = threading.Barrier(times)
    results: list = [None] * times

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = submit()
        except Exception as error:  # the test looks at what was raised
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def one_made_one_answered(results: list, model) -> None:
    made = [r for r in results if isinstance(r, model)]
    answered = [r for r in results if isinstance(r, services.AlreadyRecorded)]
    assert len(made) == 1 and len(answered) == 1, results
    assert answered[0].record.pk == made[0].pk


def test_one_payment_form_sent_twice_at_once_records_one_payment():
    account = make_account()
    product = make_product(account=account, rate="100.00")
    invoice = make_invoice(account=account, lines=[(product, "1", "100.00", None)], send=True)
    token = uuid.uuid4()

    results = at_once(lambda: services.payment_record(
        invoice=invoice, date=date(2026, 11, 20), amount=Decimal("40.00"), form_token=token))

    one_made_one_answered(results, Payment)
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert Invoice.objects.get(pk=invoice.pk).balance == Decimal("60.00")


def test_one_refund_form_sent_twice_at_once_records_one_refund():
    account = make_account()
    product = make_product(account=account, rate="100.00")
    invoice = make_invoice(account=account, lines=[(product, "1", "100.00", None)], send=True)
    payment = services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                      amount=Decimal("100.00"))
    token = uuid.uuid4()

    results = at_once(lambda: services.refund_record(
        payment=payment, date=date(2026, 11, 21), amount=Decimal("30.00"), form_token=token))

    one_made_one_answered(results, Refund)
    assert Refund.objects.filter(payment=payment).count() == 1


def test_one_invoice_form_sent_twice_at_once_creates_one_invoice(monkeypatch):
    account = make_account()
    contact = make_contact(account=account)
    product = make_product(account=account, rate="100.00")
    token = uuid.uuid4()
    # Both submissions get past every look-up before either inserts: only the database
    # can tell them apart now.
    both_checked = threading.Barrier(2)
    real_save_once = services.save_once

    def save_once_together(record):
        if isinstance(record, Invoice):
            both_checked.wait(timeout=10)
        return real_save_once(record)

    monkeypatch.setattr(services, "save_once", save_once_together)
    results = at_once(lambda: services.invoice_create(
        account=account, number="2001", contact=contact, issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 30), lines=[LineInput(product, Decimal("1"), Decimal("100"))],
        form_token=token))

    one_made_one_answered(results, Invoice)
    assert Invoice.objects.filter(account=account).count() == 1
    assert Invoice.objects.get(account=account).lines.count() == 1
