"""Products with one Display Name, whatever its capitals and spacing, are one QuickBooks
item (by design). The product form of a connected account says so before saving a name that
another product already has, naming them; once confirmed it saves, and the product's page
keeps saying so."""

import pytest
from django.urls import reverse

from invoices.models import Product
from tests.factories import make_product
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db

NEW = reverse("invoices:product_create")
LIST = reverse("invoices:product_list")


def product_data(**fields):
    return {"display_name": "Portrait Session", "description": "", "rate": "150.00",
            "taxable": "on", "default_tax_rate": "", **fields}


def test_a_name_another_product_has_is_not_saved_until_confirmed_and_names_the_other(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    make_product(account=account, display_name="Portrait Session")
    response = client.post(NEW, product_data(display_name="portrait  session"))
    assert response.status_code == 200
    [note] = response.context["form"].name_notes
    assert note == (
        "QuickBooks will see this as the same item as your product “Portrait Session”: "
        "item names there are one name whatever their capitals and spacing, so invoices "
        "with either product use one QuickBooks item. Press Add again to keep this name, or "
        "give it a name of its own."
    )
    assert note in response.content.decode()
    assert Product.objects.filter(account=account).count() == 1

    response = client.post(NEW, product_data(display_name="portrait  session",
                                             same_item_ok="portrait  session"))
    assert response.status_code == 302
    assert Product.objects.filter(account=account).count() == 2


def test_the_note_names_every_other_product_with_that_name(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    make_product(account=account, display_name="Portrait Session")
    make_product(account=account, display_name="PORTRAIT SESSION")
    make_product(account=account, display_name="Headshots")
    response = client.post(NEW, product_data(display_name="Portrait Session"))
    [note] = response.context["form"].name_notes
    assert note.startswith("QuickBooks will see this as the same item as your products "
                           "“PORTRAIT SESSION” and “Portrait Session”:")
    assert "Headshots" not in note


def test_products_of_one_name_are_counted_not_repeated(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    make_product(account=account, display_name="Portrait Session")
    make_product(account=account, display_name="Portrait Session")
    response = client.post(NEW, product_data(display_name="Portrait Session"))
    [note] = response.context["form"].name_notes
    assert note.startswith("QuickBooks will see this as the same item as your products "
                           "“Portrait Session” (2 of them):")


def test_a_product_that_shares_its_item_says_so_on_its_page_and_saves_without_asking(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    make_product(account=account, display_name="Portrait Session")
    mine = make_product(account=account, display_name="portrait session")
    url = reverse("invoices:product_edit", args=[mine.pk])
    content = client.get(url).content.decode()
    assert "QuickBooks will see this as the same item as your product “Portrait Session”" \
        in content
    response = client.post(url, product_data(display_name="portrait session", rate="99"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert str(mine.rate) == "99.00"


def test_a_name_of_its_own_is_saved_at_once(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    make_product(account=account, display_name="Portrait Session")
    response = client.post(NEW, product_data(display_name="Portrait Session Deluxe"))
    assert response.status_code == 302


def test_without_quickbooks_nothing_is_said(account_for, client):
    account = account_for("US", US_REALM, connect=False)
    make_product(account=account, display_name="Portrait Session")
    response = client.post(NEW, product_data())
    assert response.status_code == 302
