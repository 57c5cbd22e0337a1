"""Products & Services: a Display Name may hold tokens, and only known tokens are accepted."""

from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.models import Product
from tests.factories import make_product

LIST = reverse("invoices:product_list")
NEW = reverse("invoices:product_create")


def product_data(**fields):
    return {"display_name": "Headshots", "description": "", "rate": "150.00", "taxable": "on",
            "default_tax_rate": "", **fields}


def test_the_list_shows_this_accounts_products_and_which_names_have_tokens(
    signed_in_client, account, product, other_product
):
    make_product(account=account, display_name="Session for [% contact.first_name %]")
    content = signed_in_client.get(LIST).content.decode()
    assert "Portrait Session" in content
    assert "Session for [% contact.first_name %]" in content
    assert content.count("Has tokens") == 1
    assert "Sales Tax (10%)" in content
    assert "Tea Party" not in content


def test_adding_a_product_with_a_token_and_a_default_tax_rate(signed_in_client, account, tax_rate):
    data = product_data(
        display_name="Photography Session for [% contact.full_name %]",
        default_tax_rate=tax_rate.pk,
    )
    response = signed_in_client.post(NEW, data, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    product = Product.objects.get(account=account, display_name__startswith="Photography")
    assert product.rate == Decimal("150.00")
    assert product.taxable
    assert product.default_tax_rate == tax_rate


def test_the_form_lists_the_tokens_that_can_be_used(signed_in_client):
    content = signed_in_client.get(NEW).content.decode()
    for token in ("contact.first_name", "contact.last_name", "contact.full_name",
                  "contact.company", "account.name"):
        assert f"[% {token} %]" in content


def test_an_unknown_token_is_refused_and_the_name_kept(signed_in_client):
    data = product_data(display_name="Shoot for [% contact.nickname %]")
    response = signed_in_client.post(NEW, data)
    assert response.status_code == 200
    [error] = response.context["form"].errors["display_name"]
    assert error.startswith("Unknown token [% contact.nickname %].")
    assert "Shoot for [% contact.nickname %]" in response.content.decode()
    assert not Product.objects.exists()


def test_a_negative_rate_is_refused(signed_in_client):
    response = signed_in_client.post(NEW, product_data(rate="-1"))
    assert response.context["form"].errors["rate"] == ["A rate cannot be negative."]


def test_another_accounts_tax_rate_cannot_be_the_default(signed_in_client, other_tax_rate):
    response = signed_in_client.post(NEW, product_data(default_tax_rate=other_tax_rate.pk))
    assert "default_tax_rate" in response.context["form"].errors
    assert not Product.objects.exists()


def test_editing_a_product_changes_its_rate(signed_in_client, product):
    url = reverse("invoices:product_edit", args=[product.pk])
    assert signed_in_client.get(url).status_code == 200
    signed_in_client.post(url, product_data(display_name="Portrait Session", rate="120"))
    product.refresh_from_db()
    assert product.rate == Decimal("120.00")
    assert product.default_tax_rate is None


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Album for [% contact.first_name",
         "The token “[% contact.first_name” is not closed. A token starts with [% and ends "
         "with %], as in [% contact.first_name %]."),
        ("Album for [% contact.first_name %] and [% contact.last_name",
         "The token “[% contact.last_name” is not closed. A token starts with [% and ends "
         "with %], as in [% contact.last_name %]."),
        ("Album for contact.first_name %]",
         "The token “contact.first_name %]” is not opened. A token starts with [% and ends "
         "with %], as in [% contact.first_name %]."),
        ("Album for [% nickname",
         "The token “[% nickname” is not closed. A token starts with [% and ends with %], "
         "as in [% contact.first_name %]."),
    ],
)
def test_a_token_left_open_or_never_opened_is_refused_and_the_name_kept(
    signed_in_client, name, error
):
    response = signed_in_client.post(NEW, product_data(display_name=name))
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"] == [error]
    assert not Product.objects.exists()


def test_square_brackets_and_percent_signs_of_their_own_are_words(signed_in_client, account):
    signed_in_client.post(NEW, product_data(display_name="Prints [A4] at 20% off"))
    assert Product.objects.filter(account=account, display_name="Prints [A4] at 20% off").exists()
