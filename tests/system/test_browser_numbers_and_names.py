"""Browser journey (issue 20, items 4 and 13): numbers QuickBooks would take as another
invoice's are refused on the invoice form with the real cause, a product name another product
has is shown to be one QuickBooks item before it is saved, and a token left open is refused."""

import re

import pytest
from playwright.sync_api import Page, expect

from invoices.models import Invoice, Product
from tests.factories import make_invoice
from tests.sandbox_helpers import US_REALM
from tests.system.test_browser import (  # noqa: F401  (fixtures)
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
    studio,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_invoice(page: Page, live_server, number: str) -> None:
    page.goto(f"{live_server.url}/invoices/new/")
    page.get_by_label("Number").fill(number)
    page.get_by_label("Contact").select_option(label="Ada Lovelace")
    page.locator("select[name=lines-0-product]").select_option(label="Portrait Session")
    page.get_by_role("button", name="Create draft").click()


def test_numbers_and_product_names_quickbooks_would_take_as_one(
    studio, page: Page, live_server  # noqa: F811
):
    account = studio["account"]
    portrait = Product.objects.get(account=account, display_name="Portrait Session")
    make_invoice(account=account, number="INV-2024-A-WEDDING-SMITH-0002",
                 lines=[(portrait, "1", "150.00", None)])
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)

    fill_invoice(page, live_server, "web-000")
    number_error = page.locator("#id_number_error")
    expect(number_error).to_have_text(
        "web-000 is already used by invoice WEB-000 (numbers are compared without regard to "
        "capitals). Give this invoice a different number.")
    assert_accessible(page, "invoice form, number in other capitals")

    fill_invoice(page, live_server, "INV-2024-B-WEDDING-SMITH-0002")
    expect(number_error).to_contain_text(
        "INV-2024-B-WEDDING-SMITH-0002 shortens to INV-2...NG-SMITH-0002 in QuickBooks")
    expect(number_error).to_contain_text(
        "which invoice INV-2024-A-WEDDING-SMITH-0002 also becomes")
    shoot(page, "invoice-number-shortens-to-another")
    assert not Invoice.objects.filter(account=account, number="web-000").exists()

    page.goto(f"{live_server.url}/products/new/")
    page.get_by_label("Display Name").fill("portrait  session")
    page.locator("#id_rate").fill("150")
    page.get_by_role("button", name="Add").click()
    notes = page.locator(".name-notes")
    expect(notes).to_contain_text(
        "QuickBooks will see this as the same item as your product “Portrait Session”")
    expect(notes).to_contain_text("Press Add again to keep this name")
    assert Product.objects.filter(account=account).count() == 3
    assert_accessible(page, "product form, a name another product has")
    shoot(page, "product-same-quickbooks-item")
    page.get_by_role("button", name="Add").click()
    expect(page).to_have_url(re.compile(r"/products/$"))
    assert Product.objects.filter(account=account, display_name="portrait  session").exists()

    page.goto(f"{live_server.url}/products/new/")
    page.get_by_label("Display Name").fill("Album for [% contact.first_name")
    page.locator("#id_rate").fill("80")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#id_display_name_error")).to_have_text(
        "The token “[% contact.first_name” is not closed. A token starts with [% and ends "
        "with %], as in [% contact.first_name %].")
    assert_accessible(page, "product form, a token left open")
    assert not Product.objects.filter(display_name__startswith="Album for").exists()
