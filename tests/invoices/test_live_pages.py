"""Open pages follow changes made elsewhere (issue 20, item 12): the invoice page and the list
poll a cheap version (204 while nothing changed; a few queries, no call to QuickBooks) and
fetch themselves again when it changed."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse

from invoices import services
from tests.factories import make_invoice


def poll(client, url: str, version: str = ""):
    return client.get(url, {"v": version})


def test_the_invoice_page_carries_its_version_and_the_poll_answers_204_until_a_change(
        signed_in_client, sent_invoice, django_assert_max_num_queries):
    url = reverse("invoices:invoice_live", args=[sent_invoice.pk])
    page = signed_in_client.get(sent_invoice.get_absolute_url()).content.decode()
    assert f'data-live-url="{url}"' in page
    version = poll(signed_in_client, url).json()["version"]
    assert f'data-live-version="{version}"' in page
    with django_assert_max_num_queries(12):  # cheap: a handful of aggregates
        assert poll(signed_in_client, url, version).status_code == 204

    # A payment arrives (as one entered in QuickBooks does): the version changes.
    with transaction.atomic():
        services.payment_record_from_books(invoice=sent_invoice, date=date(2026, 11, 20),
                                           amount=Decimal("10.00"), reference="QB-1")
    answer = poll(signed_in_client, url, version)
    assert answer.status_code == 200 and answer.json()["version"] != version


def test_the_list_follows_a_new_invoice_or_payment(signed_in_client, account, sent_invoice):
    url = reverse("invoices:invoice_list_live")
    page = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    assert f'data-live-url="{url}"' in page
    version = poll(signed_in_client, url).json()["version"]
    assert poll(signed_in_client, url, version).status_code == 204
    make_invoice(account=account, number="NEW-1", send=True)
    assert poll(signed_in_client, url, version).status_code == 200


def test_another_accounts_invoice_cannot_be_polled(signed_in_client, other_account):
    theirs = make_invoice(account=other_account, number="THEIRS-1")
    url = reverse("invoices:invoice_live", args=[theirs.pk])
    assert poll(signed_in_client, url).status_code == 404


def test_a_signed_out_poll_gets_no_version(client, sent_invoice):
    response = poll(client, reverse("invoices:invoice_live", args=[sent_invoice.pk]))
    assert response.status_code == 302  # to sign in: the page stops asking (app.js)
