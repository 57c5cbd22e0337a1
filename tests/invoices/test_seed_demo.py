from decimal import Decimal

import pytest
from django.core.management import call_command

from invoices.models import Account, Contact, Expense, Invoice, Payment, Product, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_seed_creates_a_us_a_canadian_and_a_uk_account_with_a_demo_sign_in(seeded, client):
    assert sorted(Account.objects.values_list("country", flat=True)) == ["CA", "GB", "US"]
    # Through the sign-in page: django-axes needs the request (Client.login passes none).
    response = client.post("/login/", {"username": "demo", "password": "hatsync-demo"})
    assert response.status_code == 302 and response.url == "/invoices/"
    assert User.objects.get(username="demo-uk").account.country == "GB"


def test_seed_data_exercises_every_quickbooks_rule(seeded):
    us = Account.objects.get(country="US")
    invoices = Invoice.objects.filter(account=us)
    assert invoices.filter(number__regex=r"^.{22,}$").count() >= 3
    assert Payment.objects.filter(account=us, reference__regex=r"^.{22,}$").exists()
    assert Payment.objects.filter(account=us, tip_amount__gt=0).exists()
    assert Payment.objects.filter(account=us, method="card", processor_fee__gt=0).exists()
    assert invoices.filter(status=Invoice.Status.DRAFT).count() == 2
    assert invoices.filter(status=Invoice.Status.VOID).exists()
    assert invoices.filter(status=Invoice.Status.PAID).count() > 100
    assert invoices.exclude(status__in=["draft", "void"]).count() >= 300
    assert Product.objects.filter(account=us, display_name__contains="[%").count() >= 2
    assert us.tax_rates.filter(percentage=0).count() >= 2
    assert Expense.objects.filter(account=us).exists()
    same_name = Contact.objects.filter(account=us, first_name="Ana", last_name="Silva")
    assert same_name.count() == 2
    assert same_name.values("email").distinct().count() == 2
    token_lines = {line.name for i in invoices.filter(number__startswith="S-")
                   for line in i.lines.all() if "Session for" in line.name}
    assert len(token_lines) == 2


def test_seed_gives_canada_and_the_uk_a_tax_rate_with_no_quickbooks_match(seeded):
    assert Account.objects.get(country="CA").tax_rates.filter(name="QST").exists()
    assert Account.objects.get(country="GB").tax_rates.filter(name="VAT 17.5%").exists()


def test_seed_has_percent_and_amount_discounts_in_every_country(seeded):
    for account in Account.objects.all():
        discounted = Invoice.objects.filter(account=account).exclude(discount_kind="")
        assert set(discounted.values_list("discount_kind", flat=True)) == {"percent", "amount"}
        for invoice in discounted:
            assert invoice.discount_amount > 0
            assert invoice.total == invoice.subtotal - invoice.discount_amount \
                + invoice.tax_total
        paid = discounted.get(discount_kind="amount")
        assert paid.status == Invoice.Status.PAID and paid.balance == Decimal("0.00")


def test_seed_totals_are_consistent(seeded):
    for invoice in Invoice.objects.filter(status=Invoice.Status.PAID)[:50]:
        assert invoice.balance == Decimal("0.00")


def test_running_seed_twice_creates_nothing_new(seeded):
    before = Invoice.objects.count(), Contact.objects.count(), Payment.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert (Invoice.objects.count(), Contact.objects.count(), Payment.objects.count()) == before


def test_seed_reset_rebuilds_the_demo(seeded):
    call_command("seed_demo", "--reset", stdout=open("/dev/null", "w"))
    assert Account.objects.count() == 3
    assert User.objects.filter(username="demo").count() == 1


def test_seed_has_refunds_of_an_amount_and_of_a_tip_in_every_country(seeded):
    from invoices.models import Account

    for account in Account.objects.all():
        refunds = [r for r in account.refunds.select_related("payment__invoice")
                   if r.payment.invoice.currency == account.currency]  # the foreign: below
        assert len(refunds) == 2, account
        assert any(r.tip_amount == r.payment.tip_amount > 0 for r in refunds)  # a whole tip
        for refund in refunds:
            amount, tip = refund.payment.refundable
            assert amount >= 0 and tip >= 0  # never more than was paid


@pytest.mark.parametrize("country, currency", [("CA", "USD"), ("GB", "EUR")])
def test_the_canadian_and_uk_studios_bill_a_client_in_another_currency(
    seeded, country, currency
):
    account = Account.objects.get(country=country)
    [client] = Contact.objects.filter(account=account, billing_currency=currency)
    invoices = Invoice.objects.filter(account=account, contact=client)
    assert invoices.count() == 3 and {i.currency for i in invoices} == {currency}
    assert invoices.filter(exchange_rate__isnull=False).count() == 1  # the owner's own rate
    assert Payment.objects.filter(invoice__in=invoices).count() == 2
    assert account.refunds.filter(payment__invoice__in=invoices).count() == 1
    assert not Contact.objects.filter(account__country="US").exclude(billing_currency="USD")
