from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from invoices import services
from invoices.models import Invoice
from tests.factories import make_account, make_contact, make_invoice, make_product

pytestmark = pytest.mark.django_db


def pay(invoice, amount, tip="0"):
    return services.payment_record(
        invoice=invoice, date=date(2026, 11, 5), amount=Decimal(amount), tip_amount=Decimal(tip)
    )


def test_a_new_invoice_is_a_draft_and_sending_makes_it_sent():
    invoice = make_invoice(account=make_account())
    assert invoice.status == Invoice.Status.DRAFT
    sent = services.invoice_send(invoice=invoice)
    assert sent.status == Invoice.Status.SENT
    assert sent.sent_at is not None


def test_an_invoice_cannot_be_sent_twice():
    invoice = make_invoice(account=make_account(), send=True)
    with pytest.raises(ValidationError, match="already been sent"):
        services.invoice_mark_sent(invoice=invoice)


def test_payments_move_the_status_from_sent_to_partially_paid_to_paid():
    invoice = make_invoice(account=make_account(), send=True)
    pay(invoice, "40.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert invoice.balance == Decimal("60.00")
    pay(invoice, "60.00", tip="15.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance == Decimal("0.00")
    assert invoice.tips_total == Decimal("15.00")


def test_paying_more_than_the_balance_without_a_tip_is_refused():
    invoice = make_invoice(account=make_account(), send=True)
    with pytest.raises(ValidationError, match=r"more than the balance of 100\.00"):
        pay(invoice, "120.00")
    assert invoice.payments.count() == 0


def test_a_draft_accepts_no_payment():
    invoice = make_invoice(account=make_account())
    with pytest.raises(ValidationError, match="payments can only be recorded"):
        pay(invoice, "10.00")


def test_a_paid_invoice_cannot_be_voided_and_an_unpaid_one_can():
    account = make_account()
    paid = make_invoice(account=account, send=True)
    pay(paid, "100.00")
    with pytest.raises(ValidationError, match="has payments"):
        services.invoice_void(invoice=paid)
    unpaid = make_invoice(account=account, send=True)
    assert services.invoice_void(invoice=unpaid).status == Invoice.Status.VOID
    assert Invoice.objects.get(pk=unpaid.pk).balance == Decimal("0.00")


def test_only_drafts_can_be_deleted():
    account = make_account()
    draft = make_invoice(account=account)
    services.invoice_delete(invoice=draft)
    assert not Invoice.objects.filter(pk=draft.pk).exists()
    sent = make_invoice(account=account, send=True)
    with pytest.raises(ValidationError, match="Void it instead"):
        services.invoice_delete(invoice=sent)


def test_editing_cannot_bring_the_total_below_what_was_paid():
    account = make_account()
    invoice = make_invoice(account=account, send=True)
    pay(invoice, "80.00")
    product = make_product(account=account)
    with pytest.raises(ValidationError, match=r"less than the 80\.00 already paid"):
        services.invoice_update(
            invoice=invoice, number=invoice.number, contact=invoice.contact,
            issue_date=invoice.issue_date, due_date=invoice.due_date,
            lines=[services.LineInput(product, Decimal(1), Decimal("50.00"))],
        )


def test_a_contact_from_another_account_is_refused():
    account = make_account()
    stranger = make_contact(account=make_account())
    with pytest.raises(ValidationError, match="another account"):
        make_invoice(account=account, contact=stranger)


def test_an_invoice_needs_a_line():
    account = make_account()
    with pytest.raises(ValidationError, match="at least one line"):
        make_invoice(account=account, lines=[])
    assert not Invoice.objects.filter(account=account).exists()
