"""Currencies in the CRM: a contact is billed in its account's currency unless it says
otherwise, an invoice takes its contact's currency (and may carry the owner's exchange rate),
and pages show each amount with its currency and sum per currency, never across."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices import services
from invoices.models import Contact, Invoice
from tests.factories import make_account, make_contact, make_invoice, make_product
from tests.invoices.test_invoice_form import invoice_data

pytestmark = pytest.mark.django_db
NEW_CONTACT = reverse("invoices:contact_create")
NEW_INVOICE = reverse("invoices:invoice_create")


@pytest.mark.parametrize("country, currency", [("US", "USD"), ("CA", "CAD"), ("GB", "GBP")])
def test_a_contact_is_billed_in_its_accounts_currency_by_default(country, currency):
    contact = make_contact(account=make_account(country=country))
    assert contact.billing_currency == currency


def test_an_invoice_takes_its_contacts_currency():
    account = make_account(country="CA")
    contact = make_contact(account=account)
    contact.billing_currency = "USD"
    contact.save()
    assert make_invoice(account=account, contact=contact).currency == "USD"


def test_a_rate_on_a_home_currency_invoice_is_dropped():
    account = make_account(country="GB")
    contact = make_contact(account=account)
    product = make_product(account=account)
    invoice = services.invoice_create(
        account=account, number="R-1", contact=contact, issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 15), exchange_rate=Decimal("1.2"),
        lines=[services.LineInput(product, Decimal(1), Decimal("10"), None)])
    assert invoice.currency == "GBP" and invoice.exchange_rate is None


def test_an_invoice_given_a_contact_in_another_currency_takes_that_currency():
    account = make_account(country="CA")
    home, abroad = make_contact(account=account), make_contact(account=account, first_name="Bo")
    abroad.billing_currency = "USD"
    abroad.save()
    invoice = make_invoice(account=account, contact=home)
    line = invoice.lines.get()
    updated = services.invoice_update(
        invoice=invoice, number=invoice.number, contact=abroad, issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, None)])
    assert updated.currency == "USD"


def test_the_contact_form_offers_the_billing_currency_and_saves_it(signed_in_client, account):
    page = signed_in_client.get(NEW_CONTACT).content.decode()
    assert 'name="billing_currency"' in page and '<option value="USD" selected>' in page
    signed_in_client.post(NEW_CONTACT, {"first_name": "Claire", "last_name": "Dubois",
                                        "company": "", "email": "", "phone": "",
                                        "billing_currency": "EUR"})
    assert Contact.objects.get(first_name="Claire").billing_currency == "EUR"


def test_the_invoice_form_names_a_contacts_other_currency_and_takes_a_rate(
    signed_in_client, account
):
    contact = make_contact(account=account, first_name="Claire", last_name="Dubois")
    contact.billing_currency = "EUR"
    contact.save()
    product = make_product(account=account)
    page = signed_in_client.get(NEW_INVOICE).content.decode()
    assert "Claire Dubois · billed in EUR" in page
    assert "Exchange rate (USD per unit)" in page
    signed_in_client.post(NEW_INVOICE, invoice_data(contact, [{"product": product.pk}],
                                                    exchange_rate="1.08"))
    invoice = Invoice.objects.get(number="2001")
    assert (invoice.currency, invoice.exchange_rate) == ("EUR", Decimal("1.080000"))
    detail = signed_in_client.get(invoice.get_absolute_url()).content.decode()
    assert "1.08 USD per EUR (entered)" in detail


def test_the_invoice_list_sums_per_currency_and_never_across(signed_in_client, account):
    home = make_contact(account=account, first_name="Tom")
    euros = make_contact(account=account, first_name="Claire")
    euros.billing_currency = "EUR"
    euros.save()
    product = make_product(account=account)
    for n, (who, price) in enumerate([(home, "100.00"), (home, "50.00"), (euros, "70.00")]):
        invoice = make_invoice(account=account, contact=who, number=f"L-{n}", send=True,
                               lines=[(product, "1", price, None)],
                               issue_date=date(2026, 11, 1) + timedelta(days=n))
    page = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    assert "Total in USD (2 invoices on this page" in page
    assert "Total in EUR (1 invoice on this page" in page
    usd = page.split("Total in USD")[1].split("</tr>")[0]
    eur = page.split("Total in EUR")[1].split("</tr>")[0]
    assert "$150.00" in usd and "€70.00" in eur
    assert "220" not in page  # never a sum across currencies
    assert invoice.currency == "EUR"
