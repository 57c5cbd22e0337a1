"""Browser journeys for a UK and a Canadian studio whose tax rates are not named like
QuickBooks' codes: the checklist leads to the mapping (never "rename"), the forms and Send
warn before a line that cannot sync goes, and once matched the invoice syncs with the chosen
code. Real worker, real sandbox server, Debian chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from integrations.models import QuickBooksConnection
from invoices.models import Invoice
from tests.factories import make_account, make_contact, make_product, make_tax_rate, make_user
from tests.sandbox_helpers import CA_REALM, GB_REALM
from tests.system.helpers import synced
from tests.system.test_browser import (  # noqa: F401 - the chromium fixture is used by `page`
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def codes_of(account) -> dict[str, str]:
    return QuickBooksConnection.objects.get(account=account).settings_snapshot["tax_codes"]


def line_codes(sandbox, realm: str, number: str) -> list[str]:
    [qbo] = sandbox.invoices(realm, number)
    return [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in qbo["Line"]
            if line["DetailType"] == "SalesItemLineDetail"
            and line["SalesItemLineDetail"]["ItemRef"]["value"] != "GRATUITY_ITEM_ID"]


def no_dialog(dialog) -> None:
    raise AssertionError(f"Send asked “{dialog.message}” of an invoice that can sync")


def test_a_uk_studio_matches_vat_17_5_to_a_vat_code_and_fixes_travel_fee_before_send(
        worker, live_server, sandbox, page: Page):
    account = make_account(country="GB", name="Thames Films")
    user = make_user(account=account)
    standard = make_tax_rate(account=account, name="20.0% S", percentage="20")
    make_tax_rate(account=account, name="Exempt", percentage="0")
    make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    make_product(account=account, display_name="Portrait Session", tax_rate=standard)
    travel = make_product(account=account, display_name="Travel Fee")
    travel.taxable = False
    travel.save()
    make_contact(account=account, first_name="Olive", last_name="Hart")
    sign_in(page, live_server, user.username)
    connect(page, live_server, GB_REALM)

    # The checklist names the rate and links to the mapping; it never says to rename.
    item = page.locator("li", has_text="Every VAT rate has a QuickBooks VAT code")
    expect(item).to_contain_text("Needs attention")
    expect(item).to_contain_text("VAT 17.5%")
    expect(page.locator("main")).not_to_contain_text("Rename")

    # The new invoice form says what QuickBooks cannot take before a line is typed.
    page.goto(f"{live_server.url}/invoices/new/")
    expect(page.locator("#tax-sync-note")).to_contain_text(
        "The VAT rate “VAT 17.5%” has no QuickBooks VAT code.")
    page.get_by_label("Number").fill("UK-TAXMAP-1")
    page.get_by_label("Contact").select_option(label="Olive Hart")
    page.locator("select[name='lines-0-product']").select_option(label="Travel Fee")
    # Each line says so as it is picked.
    rows = page.locator("tr.line-row")
    expect(rows.nth(0).locator("[data-line-tax-note]")).to_have_text(
        "No VAT rate: QuickBooks will not take this line. Choose one.")
    page.locator("select[name='lines-1-product']").select_option(label="Portrait Session")
    expect(rows.nth(1).locator("[data-line-tax-note]")).to_be_hidden()
    page.locator("select[name='lines-1-tax_rate']").select_option(label="VAT 17.5% (17.5%)")
    expect(rows.nth(1).locator("[data-line-tax-note]")).to_have_text(
        "This VAT rate has no QuickBooks VAT code yet: match it on the Integrations page, or "
        "choose another.")
    assert_accessible(page, "the UK invoice form with lines that cannot sync")
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(re.compile(r"/invoices/\d+/$"))
    invoice = Invoice.objects.get(account=account, number="UK-TAXMAP-1")

    # Beside Send: both problems, and Send asks first (dismissed: nothing is sent).
    warning = page.locator("#tax-sync-note")
    expect(warning).to_contain_text("Before you send: QuickBooks will not take this invoice")
    expect(warning).to_contain_text("The line “Travel Fee” has no VAT rate")
    expect(warning).to_contain_text("The VAT rate “VAT 17.5%” has no QuickBooks VAT code")
    assert_accessible(page, "a UK draft that cannot sync yet")
    shoot(page, "tax-warning-before-send")
    asked = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#tax-sync-note")).to_be_visible()
    assert asked and asked[0].startswith("QuickBooks will not take invoice UK-TAXMAP-1 as it "
                                         "is: The line “Travel Fee” has no VAT rate")
    assert Invoice.objects.get(pk=invoice.pk).status == "draft"

    # Fix the line here: Travel Fee is exempt.
    warning.get_by_role("link", name="Edit the invoice").click()
    page.locator("select[name='lines-0-tax_rate']").select_option(label="Exempt (0%)")
    page.get_by_role("button", name="Save invoice").click()
    expect(page.locator("#tax-sync-note")).not_to_contain_text("Travel Fee")

    # Match the old rate to QuickBooks' standard VAT code, on the mapping page.
    page.locator("#tax-sync-note").get_by_role(
        "link", name="match VAT rates to QuickBooks VAT codes").click()
    expect(page.get_by_role("heading", name="Match VAT rates to QuickBooks")).to_be_visible()
    expect(page.locator("tr", has_text="20.0% S (20%)")).to_contain_text("Same name: 20.0% S")
    assert_accessible(page, "Match VAT rates to QuickBooks")
    shoot(page, "tax-codes-uk")
    page.get_by_label("VAT 17.5% (17.5%)").select_option(label="20.0% S")
    page.get_by_role("button", name="Save VAT rates").click()
    expect(page.get_by_text("VAT rates matched to QuickBooks VAT codes.")).to_be_visible()
    expect(page.locator("tr", has_text="VAT 17.5%")).to_contain_text("Chosen: 20.0% S")

    # Now Send asks nothing, and QuickBooks gets the chosen code on the line.
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.locator("#tax-sync-note")).to_have_count(0)
    page.on("dialog", no_dialog)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Invoice UK-TAXMAP-1 sent.")).to_be_visible()
    synced(invoice, timeout=60)
    codes = codes_of(account)
    assert line_codes(sandbox, GB_REALM, "UK-TAXMAP-1") == [codes["Exempt"], codes["20.0% S"]]

    page.goto(f"{live_server.url}/settings/integrations/")
    expect(page.locator("li.ok", has_text="Every VAT rate has a QuickBooks VAT code")
           ).to_be_visible()


def test_a_canadian_studio_matches_hst_from_the_product_form_warning(
        worker, live_server, sandbox, page: Page):
    account = make_account(country="CA", name="Maple Events")
    user = make_user(account=account)
    hst = make_tax_rate(account=account, name="HST", percentage="13")
    make_tax_rate(account=account, name="GST", percentage="5")
    session = make_product(account=account, display_name="Event Coverage", tax_rate=hst)
    make_contact(account=account, first_name="Jean", last_name="Roy")
    sign_in(page, live_server, user.username)
    connect(page, live_server, CA_REALM)
    expect(page.locator("li", has_text="Every GST/HST rate has a QuickBooks tax code")
           ).to_contain_text("HST")

    # The product form says its default rate cannot sync, in Canada's words.
    page.goto(f"{live_server.url}/products/{session.pk}/edit/")
    note = page.locator("#tax-sync-note")
    expect(note).to_contain_text("The GST/HST rate “HST” has no QuickBooks tax code.")
    assert_accessible(page, "a Canadian product whose rate cannot sync")
    note.get_by_role("link", name="match GST/HST rates to QuickBooks tax codes").click()

    expect(page.get_by_role("heading", name="Match GST/HST rates to QuickBooks")
           ).to_be_visible()
    expect(page.locator("tr", has_text="GST (5%)")).to_contain_text("Same name: GST")
    assert_accessible(page, "Match GST/HST rates to QuickBooks")
    shoot(page, "tax-codes-ca")
    page.get_by_label("HST (13%)").select_option(label="HST ON")
    page.get_by_role("button", name="Save GST/HST rates").click()
    expect(page.get_by_text("GST/HST rates matched to QuickBooks tax codes.")).to_be_visible()

    page.goto(f"{live_server.url}/products/{session.pk}/edit/")
    expect(page.locator("#tax-sync-note")).to_have_count(0)

    # An invoice made on the form with the product's default goes with HST ON.
    page.goto(f"{live_server.url}/invoices/new/")
    page.get_by_label("Number").fill("CA-TAXMAP-1")
    page.get_by_label("Contact").select_option(label="Jean Roy")
    page.locator("select[name='lines-0-product']").select_option(label="Event Coverage")
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(re.compile(r"/invoices/\d+/$"))
    page.on("dialog", no_dialog)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Invoice CA-TAXMAP-1 sent.")).to_be_visible()
    invoice = Invoice.objects.get(account=account, number="CA-TAXMAP-1")
    synced(invoice, timeout=60)
    assert line_codes(sandbox, CA_REALM, "CA-TAXMAP-1") == [codes_of(account)["HST ON"]]
