"""Refunding a payment from the invoice page: what is left to refund is the default, the tip
is refunded only when there was one, too much is refused, and the invoice's balance stays."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices import services
from invoices.models import Invoice, Refund

pytestmark = pytest.mark.django_db


def url(payment):
    return reverse("invoices:refund_create", args=[payment.invoice_id, payment.pk])


@pytest.fixture
def payment(sent_invoice):
    return services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                   amount=Decimal("110.00"), tip_amount=Decimal("20.00"))


def refund_data(**fields):
    return {"date": "2026-11-20", "amount": "50.00", "tip_amount": "0", "method": "card",
            "reason": "Client cancelled the second session", **fields}


def test_the_invoice_page_offers_a_refund_for_each_payment(signed_in_client, payment):
    page = signed_in_client.get(payment.invoice.get_absolute_url()).content.decode()
    assert url(payment) in page


def test_the_form_proposes_what_is_left_to_refund_and_today(signed_in_client, payment):
    services.refund_record(payment=payment, date=date(2026, 11, 10), amount=Decimal("10.00"))
    form = signed_in_client.get(url(payment)).context["form"]
    assert form.initial["amount"] == Decimal("100.00")
    assert form.initial["tip_amount"] == Decimal("0.00")
    assert form.initial["date"] is not None
    assert "Up to 20.00." in form.fields["tip_amount"].help_text


def test_a_partial_refund_is_listed_under_its_payment_and_the_balance_stays(
    signed_in_client, payment
):
    response = signed_in_client.post(url(payment), refund_data(tip_amount="5.00"), follow=True)
    assert "Refund of $55.00 recorded on invoice 1002." in response.content.decode()
    refund = Refund.objects.get()
    assert (refund.amount, refund.tip_amount) == (Decimal("50.00"), Decimal("5.00"))
    assert refund.reason == "Client cancelled the second session"
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    assert invoice.status == Invoice.Status.PAID and invoice.balance == Decimal("0.00")
    page = response.content.decode()
    assert "Client cancelled the second session" in page
    assert "Refunded" in page and "55.00" in page


def test_more_than_is_left_to_refund_is_refused_with_the_limit(signed_in_client, payment):
    response = signed_in_client.post(url(payment), refund_data(amount="110.01"))
    assert response.status_code == 200
    assert "At most 110.00 of this payment can still be refunded." in response.content.decode()
    response = signed_in_client.post(url(payment), refund_data(tip_amount="20.01"))
    assert "At most 20.00 of the tip can still be refunded." in response.content.decode()
    assert not Refund.objects.exists()


def test_a_refund_of_nothing_is_refused(signed_in_client, payment):
    response = signed_in_client.post(url(payment), refund_data(amount="0"))
    assert "Enter an amount to refund (more than zero)." in response.content.decode()
    assert not Refund.objects.exists()


def test_the_tip_field_is_only_there_when_the_payment_had_a_tip(signed_in_client, sent_invoice):
    payment = services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                      amount=Decimal("50.00"))
    form = signed_in_client.get(url(payment)).context["form"]
    assert "tip_amount" not in form.fields


def test_a_payment_refunded_in_full_cannot_be_refunded_again(signed_in_client, payment):
    services.refund_record(payment=payment, date=date(2026, 11, 10), amount=Decimal("110.00"),
                           tip_amount=Decimal("20.00"))
    response = signed_in_client.get(url(payment), follow=True)
    assert "refunded in full already" in response.content.decode()
    with pytest.raises(services.ValidationError):
        services.refund_record(payment=payment, date=date(2026, 11, 11),
                               amount=Decimal("1.00"))


def test_a_payment_recorded_in_quickbooks_can_be_refunded(signed_in_client, payment):
    payment.recorded_in_quickbooks = True
    payment.save()
    signed_in_client.post(url(payment), refund_data())
    assert Refund.objects.get().payment == payment


def test_another_accounts_payment_cannot_be_refunded(signed_in_client, payment, other_invoice):
    theirs = services.payment_record(invoice=other_invoice, date=date(2026, 11, 4),
                                     amount=Decimal("30.00"))
    assert signed_in_client.get(url(theirs)).status_code == 404
    assert signed_in_client.post(url(theirs), refund_data(amount="5")).status_code == 404
    mixed = reverse("invoices:refund_create", args=[payment.invoice_id, theirs.pk])
    assert signed_in_client.post(mixed, refund_data(amount="5")).status_code == 404
    assert not Refund.objects.exists()
