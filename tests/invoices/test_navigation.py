"""The layout every page shares: navigation, who is signed in, flash messages."""

import pytest
from django.urls import NoReverseMatch, reverse


def test_the_navigation_links_every_section(signed_in_client):
    content = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    assert "hatsync" in content
    for name in ("invoice_list", "contact_list", "product_list", "tax_rate_list", "expense_list"):
        assert f'href="{reverse(f"invoices:{name}")}"' in content
    assert "Products &amp; Services" in content
    assert "Tax Rates" in content


def test_the_navigation_shows_the_account_and_the_user(signed_in_client, account):
    content = signed_in_client.get(reverse("invoices:contact_list")).content.decode()
    assert account.name in content
    assert "alice" in content


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("integrations:import_invoices", "Import Invoices"),
        ("integrations:settings", "Integrations"),
    ],
)
def test_an_integration_link_appears_exactly_when_its_page_exists(signed_in_client, name, label):
    content = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    try:
        url = reverse(name)
    except NoReverseMatch:
        assert label not in content
    else:
        assert f'href="{url}"' in content
        assert label in content


def test_the_stylesheet_and_script_are_linked_and_served_by_the_app(signed_in_client):
    content = signed_in_client.get(reverse("invoices:invoice_list")).content.decode()
    for path in ("/static/hatsync/app.css", "/static/hatsync/app.js"):
        assert path in content
        response = signed_in_client.get(path)
        assert response.status_code == 200
        response.close()
    assert "https://" not in content  # nothing is loaded from the internet


def test_a_flash_message_appears_on_the_next_page(signed_in_client, draft_invoice):
    response = signed_in_client.post(
        reverse("invoices:invoice_send", args=[draft_invoice.pk]), follow=True
    )
    assert b"Invoice 1001 sent." in response.content
