from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from invoices.models import Contact, Expense, Invoice, Payment, Product, TaxRate
from tests.factories import (
    make_account,
    make_contact,
    make_invoice,
    make_product,
    make_tax_rate,
)

pytestmark = pytest.mark.django_db


def test_account_currency_follows_its_country():
    assert make_account(country="CA").currency == "CAD"
    assert make_account(country="GB").currency == "GBP"
    assert make_account(country="US").currency == "USD"


def test_two_contacts_may_share_a_name_with_different_emails():
    account = make_account()
    make_contact(account=account, email="ana@example.com")
    make_contact(account=account, email="ana.s@example.org")
    assert Contact.objects.filter(account=account, first_name="Ana", last_name="Silva").count() == 2


def test_contact_email_is_unique_per_account_whatever_its_case():
    account = make_account()
    make_contact(account=account, email="ana@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_contact(account=account, email="ANA@example.com")


def test_the_same_email_may_exist_in_two_accounts():
    make_contact(account=make_account(), email="ana@example.com")
    make_contact(account=make_account(), email="ana@example.com")
    assert Contact.objects.filter(email="ana@example.com").count() == 2


def test_invoice_number_is_unique_per_account():
    account = make_account()
    make_invoice(account=account, number="1042")
    with pytest.raises(ValidationError, match="already has this number"):
        make_invoice(account=account, number="1042")
    make_invoice(account=make_account(), number="1042")


def test_database_refuses_a_duplicate_invoice_number_even_without_validation():
    account = make_account()
    invoice = make_invoice(account=account, number="1042")
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            account=account, number="1042", contact=invoice.contact,
            issue_date=invoice.issue_date, due_date=invoice.due_date, currency="USD",
        )


def test_invoice_numbers_up_to_64_characters_are_allowed():
    number = "INV-" + "X" * 60
    assert make_invoice(account=make_account(), number=number).number == number


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (TaxRate, {"name": "Bad", "percentage": Decimal("-1")}),
        (Product, {"display_name": "Bad", "rate": Decimal("-1")}),
        (Expense, {"date": "2026-01-01", "vendor": "X", "category": "Y", "amount": Decimal("-1")}),
    ],
)
def test_database_refuses_negative_amounts(model, fields):
    account = make_account()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(account=account, **fields)


def test_database_refuses_a_zero_payment():
    account = make_account()
    invoice = make_invoice(account=account, send=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            account=account, invoice=invoice, date="2026-11-02", amount=Decimal("0")
        )


def test_zero_percent_and_exempt_are_real_tax_rates():
    account = make_account(country="GB")
    assert make_tax_rate(account=account, name="0.0% Z", percentage="0").percentage == 0
    assert make_tax_rate(account=account, name="Exempt", percentage="0").pk


def test_product_with_an_unknown_token_does_not_validate():
    product = Product(
        account=make_account(), display_name="Session for [% contact.nickname %]", rate=1
    )
    with pytest.raises(ValidationError, match=r"Unknown token \[% contact.nickname %\]"):
        product.full_clean()


def test_product_display_name_renders_per_contact():
    account = make_account()
    product = make_product(account=account, display_name="Session for [% contact.first_name %]")
    ana = make_contact(account=account, first_name="Ana")
    ben = make_contact(account=account, first_name="Ben")
    assert product.rendered_name(ana) == "Session for Ana"
    assert product.rendered_name(ben) == "Session for Ben"


def test_invoice_totals_are_exact_decimals_rounded_half_up_per_line():
    account = make_account()
    tax = make_tax_rate(account=account, percentage="8.875")
    product = make_product(account=account)
    invoice = make_invoice(
        account=account,
        lines=[
            (product, "3", "33.33", tax),
            (product, "1", "0.10", None),
            (product, "2", "0.05", tax),
        ],
    )
    # 99.99 + 0.10 + 0.10 = 100.19; tax 8.874 -> 8.87, 0.10 * 8.875% = 0.0089 -> 0.01
    assert invoice.subtotal == Decimal("100.19")
    assert invoice.tax_total == Decimal("8.88")
    assert invoice.total == Decimal("109.07")
    assert isinstance(invoice.total, Decimal)


def test_lines_store_the_display_name_rendered_for_the_invoice_contact():
    account = make_account()
    product = make_product(account=account, display_name="Album for [% contact.full_name %]")
    contact = make_contact(account=account, first_name="Ben", last_name="Okafor")
    invoice = make_invoice(account=account, contact=contact, lines=[(product, "1", "5", None)])
    assert invoice.lines.get().name == "Album for Ben Okafor"


def test_an_invoices_tax_is_rounded_once_per_rate_not_line_by_line(account):
    from decimal import Decimal

    from tests.factories import make_invoice, make_product, make_tax_rate

    ten = make_tax_rate(account=account, name="Ten", percentage="10")
    five = make_tax_rate(account=account, name="Five", percentage="5")
    thing = make_product(account=account, display_name="Thing")
    invoice = make_invoice(account=account, lines=[
        (thing, "1", "0.05", ten), (thing, "1", "0.05", ten),  # 0.005 + 0.005 -> 0.01
        (thing, "1", "10.10", five), (thing, "1", "10.10", five),  # 0.505 + 0.505 -> 1.01
        (thing, "1", "3.00", None),
    ])
    assert [line.tax_amount for line in invoice.lines.all()] == [
        Decimal("0.01"), Decimal("0.01"), Decimal("0.51"), Decimal("0.51"), Decimal("0")]
    assert invoice.tax_total == Decimal("1.02")
    assert invoice.total == Decimal("24.32")
