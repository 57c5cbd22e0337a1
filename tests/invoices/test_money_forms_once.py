"""Every form that makes money records (an invoice, a payment with its fee, a refund, an
expense) makes at most one per form shown: Back and submit again, a double click or a second
tab of the same page answers with the record the first submission made, on its page, and
the database itself refuses a second row with the form's token."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from invoices import services
from invoices.models import Expense, Invoice, Payment, Refund
from tests.invoices.test_invoice_form import invoice_data


def token_of(response) -> str:
    """The one-time token the page issued (a hidden field), as the browser would send it."""
    token = response.context["form"]["form_token"].value()
    assert token and f'name="form_token" value="{token}"' in response.content.decode()
    return str(token)


def payment_url(invoice):
    return reverse("invoices:payment_create", args=[invoice.pk])


def payment_data(token, **fields):
    return {"date": "2026-11-05", "amount": "100.00", "tip_amount": "0", "method": "card",
            "reference": "BACK-TEST", "form_token": token, **fields}


def test_a_payment_form_submitted_again_records_one_payment_and_says_so(
    signed_in_client, sent_invoice
):
    token = token_of(signed_in_client.get(payment_url(sent_invoice)))
    signed_in_client.post(payment_url(sent_invoice), payment_data(token))

    again = signed_in_client.post(payment_url(sent_invoice), payment_data(token), follow=True)

    [payment] = Payment.objects.filter(invoice=sent_invoice)
    assert payment.form_token == uuid.UUID(token)
    url, _ = again.redirect_chain[-1]
    assert url == f"{sent_invoice.get_absolute_url()}#payment-{payment.pk}"
    assert again.status_code == 200
    content = again.content.decode()
    assert ("This payment was already recorded: $100.00 on Nov. 5, 2026. Submitting the "
            "form again added nothing.") in content
    assert f'id="payment-{payment.pk}"' in content
    assert Invoice.objects.get(pk=sent_invoice.pk).balance == Decimal("10.00")


def test_a_payment_that_paid_in_full_submitted_again_is_not_refused_but_answered(
    signed_in_client, sent_invoice
):
    token = token_of(signed_in_client.get(payment_url(sent_invoice)))
    signed_in_client.post(payment_url(sent_invoice), payment_data(token, amount="110.00"))
    again = signed_in_client.post(payment_url(sent_invoice),
                                  payment_data(token, amount="110.00"), follow=True)
    assert "This payment was already recorded" in again.content.decode()
    assert "payments can only be recorded" not in again.content.decode()
    assert Payment.objects.filter(invoice=sent_invoice).count() == 1


def test_each_showing_of_the_payment_form_is_a_new_token(signed_in_client, sent_invoice):
    first = token_of(signed_in_client.get(payment_url(sent_invoice)))
    second = token_of(signed_in_client.get(payment_url(sent_invoice)))
    assert first != second
    signed_in_client.post(payment_url(sent_invoice), payment_data(first, amount="50.00"))
    # Another amount: the same money again from a second form is asked about first
    # (test_money_forms_again_without_js.py).
    signed_in_client.post(payment_url(sent_invoice), payment_data(second, amount="40.00"))
    assert Payment.objects.filter(invoice=sent_invoice).count() == 2  # two forms, two payments


def test_a_refused_payment_keeps_its_token_and_records_once_when_corrected(
    signed_in_client, sent_invoice
):
    token = token_of(signed_in_client.get(payment_url(sent_invoice)))
    refused = signed_in_client.post(payment_url(sent_invoice), payment_data(token, amount="0"))
    assert refused.status_code == 200
    assert token_of(refused) == token
    signed_in_client.post(payment_url(sent_invoice), payment_data(token))
    signed_in_client.post(payment_url(sent_invoice), payment_data(token))
    assert Payment.objects.filter(invoice=sent_invoice).count() == 1


def test_a_refund_form_submitted_again_records_one_refund(signed_in_client, sent_invoice):
    payment = services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                      amount=Decimal("110.00"))
    url = reverse("invoices:refund_create", args=[sent_invoice.pk, payment.pk])
    token = token_of(signed_in_client.get(url))
    data = {"date": "2026-11-06", "amount": "110.00", "method": "card", "reason": "",
            "form_token": token}
    signed_in_client.post(url, data)
    again = signed_in_client.post(url, data, follow=True)

    [refund] = Refund.objects.filter(payment=payment)
    assert again.redirect_chain[-1][0] == (
        f"{sent_invoice.get_absolute_url()}#refund-{refund.pk}")
    assert "This refund was already recorded: $110.00 on Nov. 6, 2026." in (
        again.content.decode())
    assert "refunded in full already" not in again.content.decode()


def test_an_invoice_form_submitted_again_creates_one_invoice(
    signed_in_client, contact, product
):
    url = reverse("invoices:invoice_create")
    token = token_of(signed_in_client.get(url))
    data = invoice_data(contact, [{"product": product.pk}], form_token=token)
    signed_in_client.post(url, data)
    again = signed_in_client.post(url, data, follow=True)

    [invoice] = Invoice.objects.filter(account=contact.account)
    assert again.redirect_chain[-1][0] == invoice.get_absolute_url()
    content = again.content.decode()
    assert "Invoice 2001 was already created from this form." in content
    assert "Another invoice already has this number." not in content


def test_the_invoice_edit_form_carries_no_token(signed_in_client, draft_invoice):
    response = signed_in_client.get(reverse("invoices:invoice_edit", args=[draft_invoice.pk]))
    assert "form_token" not in response.context["form"].fields


def test_an_expense_form_submitted_again_adds_one_expense(signed_in_client, account):
    url = reverse("invoices:expense_create")
    token = token_of(signed_in_client.get(url))
    data = {"date": "2026-11-02", "vendor": "Camera Shop", "category": "Equipment",
            "amount": "45.00", "notes": "", "form_token": token}
    signed_in_client.post(url, data)
    again = signed_in_client.post(url, data, follow=True)
    assert Expense.objects.filter(account=account).count() == 1
    assert again.redirect_chain[-1][0] == reverse("invoices:expense_list")
    assert "This expense from Camera Shop was already added" in again.content.decode()


def test_a_form_without_a_token_still_records(signed_in_client, sent_invoice):
    signed_in_client.post(payment_url(sent_invoice), payment_data("", amount="10.00"))
    signed_in_client.post(payment_url(sent_invoice), payment_data("", amount="20.00"))
    assert Payment.objects.filter(invoice=sent_invoice, form_token=None).count() == 2


# Two submissions at the same moment: both pass the look-up, the database keeps one -------


@pytest.fixture
def both_pass_the_look_up(monkeypatch):
    """As when two submissions arrive together: neither sees the other's row in time (nor
    what the other wrote in the session)."""
    monkeypatch.setattr(services, "_check_form_unused", lambda *args: None)
    monkeypatch.setattr("invoices.views._recorded_before", lambda request, model: None)
    monkeypatch.setattr("invoices.views._asked_first", lambda *args, **kwargs: False)


def test_two_payments_at_once_from_one_form_make_one(
    signed_in_client, sent_invoice, both_pass_the_look_up
):
    token = token_of(signed_in_client.get(payment_url(sent_invoice)))
    signed_in_client.post(payment_url(sent_invoice), payment_data(token, amount="50.00"))
    again = signed_in_client.post(payment_url(sent_invoice),
                                  payment_data(token, amount="50.00"), follow=True)
    assert Payment.objects.filter(invoice=sent_invoice).count() == 1
    assert "This payment was already recorded" in again.content.decode()
    assert Invoice.objects.get(pk=sent_invoice.pk).status == Invoice.Status.PARTIALLY_PAID


def test_two_refunds_at_once_from_one_form_make_one(sent_invoice, both_pass_the_look_up):
    payment = services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                      amount=Decimal("110.00"))
    token = uuid.uuid4()
    first = services.refund_record(payment=payment, date=date(2026, 11, 6),
                                   amount=Decimal("10.00"), form_token=token)
    with pytest.raises(services.AlreadyRecorded) as already:
        services.refund_record(payment=payment, date=date(2026, 11, 6),
                               amount=Decimal("10.00"), form_token=token)
    assert already.value.record == first
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("model", ["payment", "refund", "invoice", "expense"])
def test_the_database_refuses_a_second_row_with_one_form_token(
    model, account, sent_invoice, contact
):
    token = uuid.uuid4()
    payment = Payment.objects.create(account=account, invoice=sent_invoice,
                                     date=date(2026, 11, 4), amount=Decimal("5.00"))

    def make(n):
        if model == "payment":
            return Payment.objects.create(account=account, invoice=sent_invoice,
                                          date=date(2026, 11, 4), amount=Decimal("5.00"),
                                          form_token=token)
        if model == "refund":
            return Refund.objects.create(account=account, payment=payment,
                                         date=date(2026, 11, 4), amount=Decimal("1.00"),
                                         form_token=token)
        if model == "invoice":
            return Invoice.objects.create(account=account, contact=contact, number=f"T-{n}",
                                          issue_date=date(2026, 11, 1),
                                          due_date=date(2026, 11, 30), currency="USD",
                                          form_token=token)
        return Expense.objects.create(account=account, date=date(2026, 11, 4), vendor="V",
                                      category="C", amount=Decimal("1.00"), form_token=token)

    make(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(2)
