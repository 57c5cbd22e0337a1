"""Dates the books cannot hold (a mistyped 9999-12-31, a year 1066) are refused on every form
that puts a date in the books, with the reason; the date pickers offer only the window."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices import book_dates, services
from invoices.models import Expense, Invoice, Payment, Refund
from tests.invoices.test_expenses import expense_data
from tests.invoices.test_invoice_form import invoice_data
from tests.invoices.test_payment_form import payment_data
from tests.invoices.test_refund_form import refund_data

pytestmark = pytest.mark.django_db
MESSAGE = ("Use a date from 1900 to 2099: accounting books cannot hold a date outside those "
           "years.")
TOO_LATE, TOO_EARLY = "9999-12-31", "1899-12-31"


def errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


@pytest.mark.parametrize(("field", "dates"), [
    ("issue_date", {"issue_date": TOO_LATE, "due_date": TOO_LATE}),
    ("due_date", {"issue_date": "2026-11-01", "due_date": TOO_LATE}),
    ("issue_date", {"issue_date": TOO_EARLY, "due_date": "2026-11-30"}),
    ("due_date", {"issue_date": "1899-12-01", "due_date": TOO_EARLY}),
])
def test_an_invoice_dated_outside_the_books_years_is_refused(signed_in_client, account,
                                                              contact, product, field, dates):
    data = invoice_data(contact, [{"product": product.pk, "unit_price": "10.00"}], **dates)

    response = signed_in_client.post(reverse("invoices:invoice_create"), data)

    assert response.status_code == 200
    assert MESSAGE in errors(response, field)
    assert not Invoice.objects.filter(account=account).exists()


def test_the_last_and_first_days_of_the_window_are_accepted(signed_in_client, account,
                                                            contact, product):
    data = invoice_data(contact, [{"product": product.pk, "unit_price": "10.00"}],
                        issue_date="1900-01-01", due_date="2099-12-31")
    signed_in_client.post(reverse("invoices:invoice_create"), data)
    invoice = Invoice.objects.get(account=account)
    assert (invoice.issue_date, invoice.due_date) == (date(1900, 1, 1), date(2099, 12, 31))


def test_a_payment_dated_9999_is_refused(signed_in_client, sent_invoice):
    response = signed_in_client.post(
        reverse("invoices:payment_create", args=[sent_invoice.pk]),
        payment_data(date=TOO_LATE))
    assert MESSAGE in errors(response, "date")
    assert not Payment.objects.filter(invoice=sent_invoice).exists()


def test_a_refund_dated_9999_is_refused(signed_in_client, sent_invoice):
    payment = services.payment_record(invoice=sent_invoice, date=date(2026, 11, 4),
                                      amount=Decimal("110.00"))
    response = signed_in_client.post(
        reverse("invoices:refund_create", args=[sent_invoice.pk, payment.pk]),
        refund_data(date=TOO_LATE))
    assert MESSAGE in errors(response, "date")
    assert not Refund.objects.filter(payment=payment).exists()


def test_an_expense_dated_9999_is_refused(signed_in_client, account):
    response = signed_in_client.post(reverse("invoices:expense_create"),
                                      expense_data(date=TOO_LATE))
    assert MESSAGE in errors(response, "date")
    assert not Expense.objects.filter(account=account).exists()


def test_the_date_pickers_offer_only_the_window(signed_in_client, sent_invoice):
    page = signed_in_client.get(reverse("invoices:invoice_create")).content.decode()
    assert 'min="1900-01-01"' in page and 'max="2099-12-31"' in page
    page = signed_in_client.get(
        reverse("invoices:payment_create", args=[sent_invoice.pk])).content.decode()
    assert 'max="2099-12-31"' in page
    assert (book_dates.EARLIEST, book_dates.LATEST) == (date(1900, 1, 1), date(2099, 12, 31))
