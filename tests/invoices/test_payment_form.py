"""Recording a payment: the balance is the default, a tip goes on top, mistakes stay on the
form with what was typed."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from invoices import services
from invoices.models import Invoice, Payment


def url(invoice):
    return reverse("invoices:payment_create", args=[invoice.pk])


def payment_data(**fields):
    return {
        "date": "2026-11-05", "amount": "110.00", "tip_amount": "0", "method": "card",
        "reference": "", **fields,
    }


def test_the_form_suggests_the_balance_and_today(signed_in_client, sent_invoice):
    services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4), amount=Decimal("10"))
    response = signed_in_client.get(url(sent_invoice))
    assert response.context["form"].initial["amount"] == Decimal("100.00")
    assert response.context["form"].initial["date"] is not None
    assert "$100.00" in response.content.decode()


def test_a_part_payment_makes_the_invoice_partially_paid_then_the_rest_makes_it_paid(
    signed_in_client, sent_invoice
):
    response = signed_in_client.post(url(sent_invoice), payment_data(amount="60"), follow=True)
    assert response.redirect_chain[-1][0] == sent_invoice.get_absolute_url()
    assert "Payment of $60.00 recorded on invoice 1002." in response.content.decode()
    assert Invoice.objects.get(pk=sent_invoice.pk).status == Invoice.Status.PARTIALLY_PAID

    signed_in_client.post(url(sent_invoice), payment_data(amount="50"))
    invoice = Invoice.objects.get(pk=sent_invoice.pk)
    assert invoice.status == Invoice.Status.PAID
    assert invoice.balance == Decimal("0.00")


def test_a_tip_is_recorded_on_top_of_the_balance(signed_in_client, sent_invoice):
    data = payment_data(amount="110.00", tip_amount="20.00", method="cash", reference="Envelope")
    signed_in_client.post(url(sent_invoice), data)
    payment = Payment.objects.get(invoice=sent_invoice)
    assert payment.amount == Decimal("110.00")
    assert payment.tip_amount == Decimal("20.00")
    assert payment.method == Payment.Method.CASH
    assert payment.reference == "Envelope"
    assert Invoice.objects.get(pk=sent_invoice.pk).status == Invoice.Status.PAID
    content = signed_in_client.get(sent_invoice.get_absolute_url()).content.decode()
    assert "Tips received" in content
    assert "20.00" in content


def test_paying_more_than_the_balance_without_a_tip_is_refused_and_the_input_kept(
    signed_in_client, sent_invoice
):
    response = signed_in_client.post(
        url(sent_invoice), payment_data(amount="130.00", reference="CHK-1")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "This is more than the balance of 110.00. "
        "If the client paid extra as a tip, enter the extra as a tip."
    ]
    content = response.content.decode()
    assert 'value="130.00"' in content
    assert 'value="CHK-1"' in content
    assert not Payment.objects.exists()


def test_negative_amounts_and_tips_are_refused(signed_in_client, sent_invoice):
    response = signed_in_client.post(url(sent_invoice), payment_data(amount="-5", tip_amount="-1"))
    errors = response.context["form"].errors
    assert errors["amount"] == ["The amount must be more than zero."]
    assert errors["tip_amount"] == ["A tip cannot be negative."]
    assert not Payment.objects.exists()


def test_a_draft_takes_no_payments(signed_in_client, draft_invoice):
    response = signed_in_client.get(url(draft_invoice), follow=True)
    assert response.redirect_chain[-1][0] == draft_invoice.get_absolute_url()
    assert b"payments can only be recorded on sent, unpaid invoices" in response.content
    response = signed_in_client.post(url(draft_invoice), payment_data())
    assert not Payment.objects.exists()
