"""Every CRM page: the owner sees it, a visitor is sent to sign in, another account gets 404."""

import pytest
from django.urls import reverse

from invoices.models import Invoice

PAGES = [
    "invoices:invoice_list",
    "invoices:invoice_create",
    "invoices:contact_list",
    "invoices:contact_create",
    "invoices:product_list",
    "invoices:product_create",
    "invoices:tax_rate_list",
    "invoices:tax_rate_create",
    "invoices:expense_list",
    "invoices:expense_create",
]

# (URL name, fixture holding the object): pages about one record.
OBJECT_PAGES = [
    ("invoices:invoice_detail", "sent_invoice"),
    ("invoices:invoice_edit", "sent_invoice"),
    ("invoices:payment_create", "sent_invoice"),
    ("invoices:contact_edit", "contact"),
    ("invoices:product_edit", "product"),
    ("invoices:tax_rate_edit", "tax_rate"),
]
OTHER_OBJECT_PAGES = [
    ("invoices:invoice_detail", "other_invoice"),
    ("invoices:invoice_edit", "other_invoice"),
    ("invoices:payment_create", "other_invoice"),
    ("invoices:contact_edit", "other_contact"),
    ("invoices:product_edit", "other_product"),
    ("invoices:tax_rate_edit", "other_tax_rate"),
]
ACTIONS = [
    "invoices:invoice_send",
    "invoices:invoice_mark_sent",
    "invoices:invoice_void",
    "invoices:invoice_delete",
]


@pytest.mark.parametrize("name", PAGES)
def test_the_owner_sees_every_page(signed_in_client, name):
    response = signed_in_client.get(reverse(name))
    assert response.status_code == 200
    assert b"Mad Hatter Photography" in response.content


@pytest.mark.parametrize(("name", "fixture"), OBJECT_PAGES)
def test_the_owner_sees_every_page_about_their_records(signed_in_client, request, name, fixture):
    record = request.getfixturevalue(fixture)
    response = signed_in_client.get(reverse(name, args=[record.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_a_visitor_is_sent_to_sign_in(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "fixture"), OBJECT_PAGES)
def test_a_visitor_is_sent_to_sign_in_from_a_record(client, request, name, fixture):
    record = request.getfixturevalue(fixture)
    response = client.get(reverse(name, args=[record.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ACTIONS)
def test_a_visitor_cannot_change_an_invoice(client, draft_invoice, name):
    response = client.post(reverse(name, args=[draft_invoice.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert Invoice.objects.get(pk=draft_invoice.pk).status == Invoice.Status.DRAFT


@pytest.mark.parametrize(("name", "fixture"), OTHER_OBJECT_PAGES)
def test_another_accounts_record_is_not_found(signed_in_client, request, name, fixture):
    record = request.getfixturevalue(fixture)
    url = reverse(name, args=[record.pk])
    assert signed_in_client.get(url).status_code == 404
    # A page that only shows (no form) refuses a POST before looking anything up.
    assert signed_in_client.post(url, {}).status_code == (
        405 if name == "invoices:invoice_detail" else 404)


@pytest.mark.parametrize("name", ACTIONS)
def test_another_accounts_invoice_cannot_be_changed(signed_in_client, other_invoice, name):
    response = signed_in_client.post(reverse(name, args=[other_invoice.pk]))
    assert response.status_code == 404
    assert Invoice.objects.get(pk=other_invoice.pk).status == Invoice.Status.SENT


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_only_answer_a_post(signed_in_client, draft_invoice, name):
    response = signed_in_client.get(reverse(name, args=[draft_invoice.pk]))
    assert response.status_code == 405
