"""Editing and deleting a payment: from the invoice page, a delete asks first; the invoice's
balance and status follow; an amount or tip never goes below what was refunded of it; a
payment entered in QuickBooks is changed there, not here."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from invoices import services
from invoices.models import Invoice, Payment, Refund


def pay(invoice, amount="110.00", tip="0", fee="0"):
    return services.payment_record(invoice=invoice, date=date(2026, 11, 4),
                                   amount=Decimal(amount), tip_amount=Decimal(tip),
                                   reference="BACK-TEST", processor_fee=Decimal(fee))


def edit_url(payment):
    return reverse("invoices:payment_edit", args=[payment.invoice_id, payment.pk])


def delete_url(payment):
    return reverse("invoices:payment_delete", args=[payment.invoice_id, payment.pk])


def form_data(**fields):
    return {"date": "2026-11-04", "amount": "110.00", "tip_amount": "0", "method": "card",
            "reference": "BACK-TEST", "processor_fee": "0", **fields}


def status_of(invoice):
    return Invoice.objects.get(pk=invoice.pk).status


# services --------------------------------------------------------------------------------


def update(payment, **changes):
    fields = {"date": payment.date, "amount": payment.amount, "tip_amount": payment.tip_amount,
              "method": payment.method, "reference": payment.reference,
              "processor_fee": payment.processor_fee, **changes}
    return services.payment_update(payment=payment, **fields)


def test_lowering_a_payment_makes_its_invoice_partially_paid_again(sent_invoice):
    payment = pay(sent_invoice)
    assert status_of(sent_invoice) == Invoice.Status.PAID
    update(payment, amount=Decimal("60.00"))
    assert status_of(sent_invoice) == Invoice.Status.PARTIALLY_PAID
    assert Invoice.objects.get(pk=sent_invoice.pk).balance == Decimal("50.00")


def test_a_payment_may_grow_to_the_balance_without_itself_but_no_more(sent_invoice):
    payment = pay(sent_invoice, amount="60.00")
    pay(sent_invoice, amount="20.00")
    update(payment, amount=Decimal("90.00"))  # 110 - 20 others
    with pytest.raises(ValidationError, match=r"more than the balance of 90\.00"):
        update(payment, amount=Decimal("90.01"))


def test_an_amount_or_tip_cannot_go_below_what_was_refunded(sent_invoice):
    payment = pay(sent_invoice, tip="20.00")
    services.refund_record(payment=payment, date=date(2026, 11, 5), amount=Decimal("40.00"),
                           tip_amount=Decimal("5.00"))
    with pytest.raises(ValidationError, match=r"40\.00 of this payment has been refunded"):
        update(payment, amount=Decimal("39.99"))
    with pytest.raises(ValidationError, match=r"5\.00 of the tip has been refunded"):
        update(payment, tip_amount=Decimal("4.99"))
    update(payment, amount=Decimal("40.00"), tip_amount=Decimal("5.00"))
    assert Payment.objects.get(pk=payment.pk).refundable == (Decimal("0.00"), Decimal("0.00"))


def test_deleting_a_payment_takes_its_refunds_and_puts_the_balance_back(sent_invoice):
    payment = pay(sent_invoice, fee="3.49")
    services.refund_record(payment=payment, date=date(2026, 11, 5), amount=Decimal("10.00"))
    services.payment_delete(payment=payment)
    assert not Payment.objects.filter(pk=payment.pk).exists()
    assert not Refund.objects.exists()
    invoice = Invoice.objects.get(pk=sent_invoice.pk)
    assert invoice.status == Invoice.Status.SENT and invoice.balance == Decimal("110.00")


def test_a_payment_entered_in_quickbooks_is_not_edited_or_deleted_here(sent_invoice):
    payment = services.payment_record_from_books(invoice=sent_invoice, date=date(2026, 11, 4),
                                                 amount=Decimal("50.00"))
    with pytest.raises(ValidationError, match="entered in QuickBooks"):
        update(payment, amount=Decimal("40.00"))
    with pytest.raises(ValidationError, match="entered in QuickBooks"):
        services.payment_delete(payment=payment)


# pages -----------------------------------------------------------------------------------


def test_the_invoice_page_offers_edit_and_delete_for_each_payment(signed_in_client, sent_invoice):
    payment = pay(sent_invoice, amount="50.00")
    content = signed_in_client.get(sent_invoice.get_absolute_url()).content.decode()
    assert f'href="{edit_url(payment)}"' in content
    assert f'href="{delete_url(payment)}"' in content


def test_the_edit_form_shows_the_payment_and_saves_it(signed_in_client, sent_invoice):
    payment = pay(sent_invoice, fee="3.49")
    page = signed_in_client.get(edit_url(payment))
    assert page.context["form"].initial["amount"] == Decimal("110.00")
    assert page.context["form"].initial["processor_fee"] == Decimal("3.49")
    assert "Edit payment" in page.content.decode()

    saved = signed_in_client.post(edit_url(payment), form_data(amount="80.00",
                                                               processor_fee="2.62"),
                                  follow=True)
    assert saved.redirect_chain[-1][0] == f"{sent_invoice.get_absolute_url()}#payment-{payment.pk}"
    assert "Payment of $80.00 on invoice 1002 saved." in saved.content.decode()
    payment.refresh_from_db()
    assert (payment.amount, payment.processor_fee) == (Decimal("80.00"), Decimal("2.62"))
    assert Payment.objects.count() == 1
    assert status_of(sent_invoice) == Invoice.Status.PARTIALLY_PAID


def test_an_edit_below_the_refunds_stays_on_the_form_saying_why(signed_in_client, sent_invoice):
    payment = pay(sent_invoice)
    services.refund_record(payment=payment, date=date(2026, 11, 5), amount=Decimal("30.00"))
    response = signed_in_client.post(edit_url(payment), form_data(amount="20.00"))
    assert response.status_code == 200
    assert ("30.00 of this payment has been refunded, so its amount cannot be less than "
            "that.") in response.content.decode()
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("110.00")


def test_delete_asks_first_saying_what_goes_with_it(signed_in_client, sent_invoice):
    payment = pay(sent_invoice, tip="10.00", fee="3.49")
    services.refund_record(payment=payment, date=date(2026, 11, 5), amount=Decimal("20.00"))
    page = signed_in_client.get(delete_url(payment)).content.decode()
    assert "Delete this payment?" in page
    assert "Its processing fee of 3.49 goes with it." in page
    assert "Its refund (20.00 in all) goes with it." in page
    assert "The invoice's balance goes back to $110.00." in page
    assert Payment.objects.filter(pk=payment.pk).exists()  # asking deletes nothing


def test_deleting_from_the_page_puts_the_balance_back(signed_in_client, sent_invoice):
    payment = pay(sent_invoice)
    response = signed_in_client.post(delete_url(payment), follow=True)
    assert response.redirect_chain[-1][0] == sent_invoice.get_absolute_url()
    assert "Payment of $110.00 deleted from invoice 1002." in response.content.decode()
    assert not Payment.objects.exists()
    assert status_of(sent_invoice) == Invoice.Status.SENT


def test_deleting_twice_says_it_is_gone_already(signed_in_client, sent_invoice):
    payment = pay(sent_invoice)
    signed_in_client.post(delete_url(payment))
    again = signed_in_client.post(delete_url(payment), follow=True)
    assert again.redirect_chain[-1][0] == sent_invoice.get_absolute_url()
    assert "That payment is no longer on invoice 1002: it was deleted already." in (
        again.content.decode())


def test_another_accounts_payment_cannot_be_edited_or_deleted(
    signed_in_client, other_invoice
):
    payment = pay(other_invoice, amount="30.00")
    assert signed_in_client.get(edit_url(payment)).status_code == 404
    assert signed_in_client.post(delete_url(payment)).status_code == 404
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_a_payment_entered_in_quickbooks_offers_no_edit_or_delete(signed_in_client, sent_invoice):
    payment = services.payment_record_from_books(invoice=sent_invoice, date=date(2026, 11, 4),
                                                 amount=Decimal("50.00"))
    content = signed_in_client.get(sent_invoice.get_absolute_url()).content.decode()
    assert edit_url(payment) not in content and delete_url(payment) not in content
    response = signed_in_client.get(edit_url(payment), follow=True)
    assert "entered in QuickBooks, so it cannot be edited here" in response.content.decode()
