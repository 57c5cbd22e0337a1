"""The invoice list: the account's invoices only, searchable, filterable, in pages of 50."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from invoices import services
from tests.factories import make_contact, make_invoice

URL = reverse("invoices:invoice_list")


def test_the_list_shows_number_contact_dates_status_total_and_balance(
    signed_in_client, sent_invoice
):
    services.payment_record(invoice=sent_invoice, date=date(2026, 11, 3), amount=Decimal("10"))
    content = signed_in_client.get(URL).content.decode()
    assert "1002" in content
    assert "Ada Lovelace" in content
    assert "Nov. 1, 2026" in content
    assert "Nov. 15, 2026" in content
    assert "badge-partially_paid" in content
    assert "110.00" in content  # total
    assert "100.00" in content  # balance
    assert "Total ($)" in content


def test_the_list_never_shows_another_accounts_invoices(
    signed_in_client, draft_invoice, other_invoice
):
    content = signed_in_client.get(URL).content.decode()
    assert draft_invoice.get_absolute_url() in content
    assert other_invoice.get_absolute_url() not in content
    assert "Dormouse" not in content


def test_searching_finds_invoices_by_contact_name(signed_in_client, account, draft_invoice):
    hatter = make_contact(account=account, first_name="Hatter", email="hatter@example.com")
    teapot = make_invoice(account=account, contact=hatter, number="2001")
    response = signed_in_client.get(URL, {"q": "hatt"})
    content = response.content.decode()
    assert teapot.get_absolute_url() in content
    assert draft_invoice.get_absolute_url() not in content
    assert 'value="hatt"' in content


def test_filtering_by_status_shows_only_that_status(signed_in_client, draft_invoice, sent_invoice):
    content = signed_in_client.get(URL, {"status": "sent"}).content.decode()
    assert sent_invoice.get_absolute_url() in content
    assert draft_invoice.get_absolute_url() not in content


def test_an_unknown_status_filter_is_refused_with_a_sentence(signed_in_client, draft_invoice):
    # Issue 21: a malformed parameter is a 400 saying what it takes (it was ignored before).
    response = signed_in_client.get(URL, {"status": "bogus"})
    assert response.status_code == 400
    assert "“status” must be one of: draft, paid, " in response.content.decode()


def test_a_search_without_results_says_so(signed_in_client, draft_invoice):
    assert b"No invoices match this search." in signed_in_client.get(URL, {"q": "zzz"}).content


def test_invoices_come_in_pages_of_fifty_and_filters_follow_the_pages(
    signed_in_client, account, contact
):
    for number in range(55):
        make_invoice(account=account, contact=contact, number=f"P{number:03}")
    first = signed_in_client.get(URL, {"q": "P"})
    assert len(first.context["rows"]) == 50
    assert "?q=P&amp;page=2" in first.content.decode()
    second = signed_in_client.get(URL, {"q": "P", "page": 2})
    assert len(second.context["rows"]) == 5


def test_the_list_runs_the_same_few_queries_however_many_invoices_it_shows(
    signed_in_client, account, contact, product, tax_rate, django_assert_max_num_queries
):
    for number in range(20):
        invoice = make_invoice(
            account=account, contact=contact, number=f"Q{number}", send=True,
            lines=[(product, "1", "100.00", tax_rate), (product, "2", "5.00", None)],
        )
        services.payment_record(invoice=invoice, date=date(2026, 11, 3), amount=Decimal("1"))
    with django_assert_max_num_queries(12):
        response = signed_in_client.get(URL)
    assert len(response.context["rows"]) == 20
