"""Invoice numbers are one number whatever their capitals: `disc-amt-1` beside `DISC-AMT-1`
is refused at the form and by the services, naming the invoice that has it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from invoices.models import Invoice
from tests.factories import make_invoice
from tests.invoices.test_invoice_form import invoice_data

NEW = reverse("invoices:invoice_create")
CASE_CLASH = ("disc-amt-1 is already used by invoice DISC-AMT-1 (numbers are compared "
              "without regard to capitals). Give this invoice a different number.")


def test_a_number_that_differs_only_in_capitals_is_refused_naming_the_other_invoice(
    signed_in_client, account, contact, product
):
    make_invoice(account=account, number="DISC-AMT-1")
    response = signed_in_client.post(
        NEW, invoice_data(contact, [{"product": product.pk}], number="disc-amt-1"))
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [CASE_CLASH]
    assert not Invoice.objects.filter(number="disc-amt-1").exists()


def test_spaces_around_a_number_do_not_make_it_another_number(
    signed_in_client, account, contact, product
):
    make_invoice(account=account, number="DISC-AMT-1")
    response = signed_in_client.post(
        NEW, invoice_data(contact, [{"product": product.pk}], number="  disc-amt-1 "))
    assert response.context["form"].errors["number"] == [CASE_CLASH]


def test_the_services_refuse_it_too(account, contact, product):
    make_invoice(account=account, number="DISC-AMT-1")
    with pytest.raises(ValidationError) as error:
        make_invoice(account=account, contact=contact, number="disc-amt-1")
    assert error.value.message_dict == {"number": [CASE_CLASH]}


def test_renumbering_to_another_invoices_number_in_other_capitals_is_refused(
    signed_in_client, account, contact, product
):
    make_invoice(account=account, number="DISC-AMT-1")
    mine = make_invoice(account=account, contact=contact, number="2001")
    url = reverse("invoices:invoice_edit", args=[mine.pk])
    response = signed_in_client.post(
        url, invoice_data(contact, [{"product": product.pk}], number="disc-amt-1"))
    assert response.context["form"].errors["number"] == [CASE_CLASH]
    mine.refresh_from_db()
    assert mine.number == "2001"


def test_an_invoice_may_change_the_capitals_of_its_own_number(
    signed_in_client, account, contact, product
):
    mine = make_invoice(account=account, contact=contact, number="disc-amt-1")
    url = reverse("invoices:invoice_edit", args=[mine.pk])
    signed_in_client.post(url, invoice_data(contact, [{"product": product.pk}],
                                            number="DISC-AMT-1"))
    mine.refresh_from_db()
    assert mine.number == "DISC-AMT-1"


def test_another_account_may_use_the_number_in_any_capitals(account, other_account, contact):
    make_invoice(account=other_account, number="DISC-AMT-1")
    assert make_invoice(account=account, contact=contact, number="disc-amt-1").pk


def test_a_pair_from_before_the_rule_can_still_be_edited_keeping_its_numbers(
    signed_in_client, account, contact, product
):
    first = make_invoice(account=account, contact=contact, number="DISC-AMT-1")
    second = make_invoice(account=account, contact=contact, number="2001")
    Invoice.objects.filter(pk=second.pk).update(number="disc-amt-1")  # as old data may hold
    for invoice in (first, second):
        invoice.refresh_from_db()
        url = reverse("invoices:invoice_edit", args=[invoice.pk])
        response = signed_in_client.post(url, invoice_data(
            contact, [{"product": product.pk}], number=invoice.number, memo="edited"))
        assert response.status_code == 302
        invoice.refresh_from_db()
        assert invoice.memo == "edited"
