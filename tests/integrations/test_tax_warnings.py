"""Before anyone presses Send: the invoice form, the product form and list, and the invoice
page say which lines QuickBooks (Canada, UK) will not take, and how to fix them. The CRM's
pages get these from the integration (a context processor): invoices/ never imports it."""

import html
import re

import pytest

from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_product, make_tax_rate
from tests.sandbox_helpers import CA_REALM, GB_REALM, US_REALM

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def uk_studio(account_for):
    """A UK account as demo-uk has it: a rate QuickBooks has no code for, and an untaxable
    Travel Fee."""
    account = account_for("GB", GB_REALM)
    standard = make_tax_rate(account=account, name="20.0% S", percentage="20")
    old = make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    portrait = make_product(account=account, display_name="Portrait Session", tax_rate=standard)
    travel = make_product(account=account, display_name="Travel Fee", tax_rate=None)
    travel.taxable = False
    travel.save()
    return account, standard, old, portrait, travel


def test_the_invoice_page_warns_before_send_and_send_asks_first(sandbox, account_for, client):
    account, standard, _, portrait, travel = uk_studio(account_for)
    draft = make_invoice(account=account, number="UK-W-1", lines=[
        (portrait, "1", "100.00", standard), (travel, "1", "40.00", None)])

    page = text(client.get(draft.get_absolute_url()))
    assert "Before you send: QuickBooks will not take this invoice as it is" in page
    assert ("The line “Travel Fee” has no VAT rate, and in the UK every line QuickBooks takes "
            "needs one (0% and exempt are rates too). Choose one on that line.") in page
    assert f'href="/invoices/{draft.pk}/edit/">Edit the invoice</a>' in page
    assert 'href="/settings/integrations/tax-codes/">match VAT rates to QuickBooks VAT ' \
           'codes</a>' in page
    send_form = re.search(r'<form[^>]*invoice_send|<form[^>]*/send/"[^>]*>', page).group(0)
    assert 'data-confirm="QuickBooks will not take invoice UK-W-1 as it is: The line ' \
           '“Travel Fee” has no VAT rate' in send_form
    # Warned, then allowed: the client still gets the invoice, QuickBooks waits for the fix.
    client.post(f"/invoices/{draft.pk}/send/")
    assert Invoice.objects.get(pk=draft.pk).status == "sent"


def test_an_invoice_that_can_sync_gets_no_warning_and_send_asks_nothing(sandbox, account_for,
                                                                        client):
    account, standard, _, portrait, _ = uk_studio(account_for)
    draft = make_invoice(account=account, lines=[(portrait, "1", "100.00", standard)])
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Before you send" not in page
    assert "data-confirm=\"QuickBooks will not take" not in page


def test_a_canadian_rate_with_no_code_is_named_before_send_in_canadas_words(
        sandbox, account_for, client):
    account = account_for("CA", CA_REALM)
    qst = make_tax_rate(account=account, name="QST", percentage="9.975")
    draft = make_invoice(account=account, lines=[(make_product(account=account), "1", "100",
                                                  qst)])
    page = text(client.get(draft.get_absolute_url()))
    assert ("The GST/HST rate “QST” has no QuickBooks tax code. Choose one for it in "
            "“Match GST/HST rates to QuickBooks”, or pick another rate.") in page


def test_the_new_invoice_form_names_the_rates_quickbooks_has_no_code_for(
        sandbox, account_for, client):
    uk_studio(account_for)
    page = text(client.get("/invoices/new/"))
    assert "What QuickBooks cannot take yet" in page
    assert "The VAT rate “VAT 17.5%” has no QuickBooks VAT code." in page
    assert ("Lines of “Travel Fee” get no VAT rate QuickBooks takes unless you choose one on "
            "the line.") in page


def test_the_invoice_form_carries_the_rules_its_lines_are_checked_by_as_they_are_picked(
        sandbox, account_for, client):
    _, _, old, _, _ = uk_studio(account_for)
    page = client.get("/invoices/new/").content.decode()
    [rules] = re.findall(r'<div hidden id="line-tax-rules"[^>]*>', page)
    assert f'data-bad-rates="{old.pk}"' in rules  # not {standard.pk}: it has its code
    assert 'data-needs-rate="1"' in rules
    assert 'data-no-rate="No VAT rate: QuickBooks will not take this line. Choose one."' in rules


def test_the_invoice_form_shown_again_names_the_posted_line_without_a_rate(
        sandbox, account_for, client):
    account, _, _, _, travel = uk_studio(account_for)
    contact = make_contact(account=account)
    response = client.post("/invoices/new/", {
        "number": "", "contact": contact.pk, "issue_date": "2026-11-01",
        "due_date": "2026-11-15", "memo": "", "discount_kind": "",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-product": travel.pk, "lines-0-quantity": "1", "lines-0-unit_price": "",
        "lines-0-tax_rate": "", "lines-0-description": "", "lines-0-discount_percent": ""})
    assert response.status_code == 200  # the number is missing: the form comes back
    page = text(response)
    assert "These lines cannot go to QuickBooks as they are" in page
    assert "The line “Travel Fee” has no VAT rate" in page


def test_the_edit_form_names_its_saved_line_with_a_rate_that_has_no_code(
        sandbox, account_for, client):
    account, _, old, portrait, _ = uk_studio(account_for)
    draft = make_invoice(account=account, lines=[(portrait, "1", "100.00", old)])
    page = text(client.get(f"/invoices/{draft.pk}/edit/"))
    assert "These lines cannot go to QuickBooks as they are" in page
    assert "The VAT rate “VAT 17.5%” has no QuickBooks VAT code." in page


def test_the_product_form_warns_about_a_product_that_is_not_taxable(sandbox, account_for,
                                                                    client):
    _, _, old, portrait, travel = uk_studio(account_for)
    page = text(client.get(f"/products/{travel.pk}/edit/"))
    assert "Lines of this product cannot go to QuickBooks as they come" in page
    assert ("This product is not taxable, so its invoice lines get no VAT rate, and in the UK "
            "QuickBooks takes no line without one") in page
    portrait.default_tax_rate = old
    portrait.save()
    page = text(client.get(f"/products/{portrait.pk}/edit/"))
    assert "The VAT rate “VAT 17.5%” has no QuickBooks VAT code." in page


def test_the_product_form_shown_again_warns_about_the_posted_default_rate(
        sandbox, account_for, client):
    _, _, old, _, _ = uk_studio(account_for)
    response = client.post("/products/new/", {"display_name": "", "rate": "10",
                                              "taxable": "on", "default_tax_rate": old.pk})
    assert response.status_code == 200
    assert "The VAT rate “VAT 17.5%” has no QuickBooks VAT code." in text(response)


def test_the_product_list_names_the_products_whose_lines_cannot_sync(sandbox, account_for,
                                                                     client):
    uk_studio(account_for)
    page = text(client.get("/products/"))
    assert "Products whose lines cannot go to QuickBooks as they come" in page
    assert "Lines of “Travel Fee” get no VAT rate" in page
    assert "“Portrait Session”" not in page.split("Products whose lines")[1].split("</div>")[0]


def test_nothing_is_said_in_a_us_company_with_automated_sales_tax(sandbox, account_for,
                                                                   client):
    account = account_for("US", US_REALM)
    product = make_product(account=account, display_name="Travel Fee")
    draft = make_invoice(account=account, lines=[(product, "1", "40.00", None)])
    for url in (draft.get_absolute_url(), "/invoices/new/", f"/products/{product.pk}/edit/",
                "/products/"):
        assert "tax-sync-note" not in client.get(url).content.decode(), url


def test_nothing_is_said_before_connecting(sandbox, account_for, client):
    account = account_for("GB", GB_REALM, connect=False)
    draft = make_invoice(account=account)
    assert "tax-sync-note" not in client.get(draft.get_absolute_url()).content.decode()


def test_the_warnings_read_nothing_from_quickbooks(sandbox, account_for, client):
    account, _, old, _, travel = uk_studio(account_for)
    draft = make_invoice(account=account, lines=[(travel, "1", "40.00", old)])
    sandbox.rsps.calls.reset()
    for url in (draft.get_absolute_url(), "/invoices/new/", f"/invoices/{draft.pk}/edit/",
                f"/products/{travel.pk}/edit/", "/products/"):
        client.get(url)
    assert sandbox.api_calls() == []


def test_a_rate_or_product_named_with_markup_stays_text_in_every_warning(sandbox, account_for,
                                                                         client):
    account = account_for("GB", GB_REALM)
    hostile = '<img src=x onerror="alert(1)">'
    rate = make_tax_rate(account=account, name=f"VAT {hostile}", percentage="17.5")
    product = make_product(account=account, display_name=f"Fee {hostile}", tax_rate=rate)
    draft = make_invoice(account=account, lines=[(product, "1", "10.00", rate)])
    for url in (draft.get_absolute_url(), "/invoices/new/", f"/invoices/{draft.pk}/edit/",
                f"/products/{product.pk}/edit/", "/products/", "/settings/integrations/",
                "/settings/integrations/tax-codes/"):
        page = client.get(url).content.decode()
        assert "<img src=x" not in page, url
        assert "&lt;img src=x" in page, url
