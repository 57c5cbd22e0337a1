"""Each account's pages in its country's English: Django's own date and number formats for the
language the middleware activates, the currency's sign, the tax's name, even percentages."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from invoices.localisation import (
    currency_symbol,
    format_money,
    format_percent,
    in_account_language,
    language_for,
    local_date,
    tax_word,
)
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user

NOV_28 = date(2026, 11, 28)


@pytest.mark.parametrize(("country", "language"), [
    ("US", "en-us"), ("CA", "en-ca"), ("GB", "en-gb"), ("AU", "en-au"), ("FR", "en-gb")])
def test_each_country_has_the_english_whose_formats_it_writes(country, language):
    assert language_for(country) == language


@pytest.mark.parametrize(("country", "written"), [
    ("US", "Nov. 28, 2026"), ("CA", "28 Nov 2026"), ("GB", "28 Nov 2026")])
def test_a_date_is_written_with_djangos_date_format_of_the_country(country, written):
    assert local_date(NOV_28, country) == written
    with in_account_language(country):
        assert Template("{{ day|date }}").render(Context({"day": NOV_28})) == written


@pytest.mark.parametrize(("currency", "country", "written"), [
    ("USD", "US", "$840.00"), ("CAD", "CA", "$840.00"), ("GBP", "GB", "£840.00"),
    ("CAD", "US", "CA$840.00"), ("USD", "CA", "US$840.00"), ("USD", "GB", "US$840.00"),
    ("EUR", "GB", "€840.00"),
])
def test_money_has_its_sign_bare_at_home_and_with_its_country_abroad(currency, country, written):
    with in_account_language(country):
        assert format_money(Decimal("840"), currency) == written


def test_thousands_are_grouped_the_countrys_way():
    with in_account_language("GB"):
        assert format_money(Decimal("12345.5"), "GBP") == "£12,345.50"
    with in_account_language("US"):
        assert format_money(Decimal("-12345.5"), "USD") == "\u2212$12,345.50"
    with in_account_language("CA"):  # Django's en_CA: a no-break space between thousands
        assert format_money(Decimal("12345.5"), "CAD") == "$12\u00a0345.50"


def test_an_unknown_currency_keeps_its_code():
    assert currency_symbol("JPY", "en-gb") == "JPY\u00a0"


@pytest.mark.parametrize(("value", "written"), [
    ("17.500", "17.5%"), ("20.000", "20%"), ("2.90", "2.9%"), ("0", "0%"), ("12.345", "12.345%"),
    ("100", "100%")])
def test_percentages_have_no_trailing_zeros(value, written):
    assert format_percent(Decimal(value)) == written


@pytest.mark.parametrize(("country", "word", "in_sentence"), [
    ("US", "Sales tax", "sales tax"), ("GB", "VAT", "VAT"), ("CA", "GST/HST", "GST/HST")])
def test_the_tax_has_the_countrys_name(country, word, in_sentence):
    assert tax_word(country) == word
    assert tax_word(country, in_sentence=True) == in_sentence


@pytest.mark.parametrize(("template", "written"), [
    ('{{ 840|money:"GBP" }}', "£840.00"),
    ("{{ rate|percent }}", "17.5%"),
    ('{{ "GBP"|currency_symbol }}', "£"),
])
def test_the_template_filters_write_the_active_languages_way(template, written):
    with translation.override("en-gb"):
        rendered = Template("{% load localised %}" + template).render(
            Context({"rate": Decimal("17.500")}))
    assert rendered == written


# --- the middleware: the signed-in account's language, for the whole request -------------


@pytest.fixture
def uk_client(client, db):
    account = make_account(country="GB", name="Cheshire Prints")
    client.force_login(make_user(account=account))
    contact = make_contact(account=account)
    product = make_product(account=account)
    invoice = make_invoice(account=account, contact=contact, number="UK-1",
                           lines=[(product, "1", "840.00", None)], send=True)
    invoice.issue_date, invoice.due_date = NOV_28, date(2026, 12, 28)
    invoice.save(update_fields=["issue_date", "due_date"])
    return client, invoice


@pytest.mark.django_db
def test_a_uk_account_sees_its_pages_in_british_english(uk_client):
    client, invoice = uk_client
    response = client.get(reverse("invoices:invoice_detail", args=[invoice.pk]))
    page = response.content.decode()
    assert response["Content-Language"] == "en-gb"
    assert '<html lang="en-gb">' in page
    assert "28 Nov 2026" in page and "Nov 28, 2026" not in page
    assert "£840.00" in page and "GBP 840.00" not in page
    assert "<th>VAT</th>" in page
    assert translation.get_language() != "en-gb"  # the language ended with the request


@pytest.mark.django_db
def test_a_canadian_and_a_us_account_each_get_their_own(client):
    for country, language, day in (("CA", "en-ca", "28 Nov 2026"),
                                   ("US", "en-us", "Nov. 28, 2026")):
        account = make_account(country=country)
        client.force_login(make_user(account=account))
        invoice = make_invoice(account=account, contact=make_contact(account=account),
                               lines=[(make_product(account=account), "1", "840.00", None)],
                               send=True)
        invoice.issue_date, invoice.due_date = NOV_28, date(2026, 12, 28)
        invoice.save(update_fields=["issue_date", "due_date"])
        response = client.get(reverse("invoices:invoice_list"))
        assert response["Content-Language"] == language
        assert day in response.content.decode()


@pytest.mark.django_db
def test_a_signed_out_visitor_gets_the_default_language(client):
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en-us"


@pytest.mark.django_db
def test_date_inputs_stay_iso_in_a_uk_account(uk_client):
    """The browser's date picker reads and sends ISO dates, whatever the account's language."""
    client, invoice = uk_client
    page = client.get(reverse("invoices:invoice_edit", args=[invoice.pk])).content.decode()
    assert 'value="2026-11-28"' in page
    page = client.get(reverse("invoices:payment_create", args=[invoice.pk])).content.decode()
    assert 'type="date"' in page and "/20" not in page.split('type="date"')[1][:80]
