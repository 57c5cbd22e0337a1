"""Browser journey: "View Invoice in QuickBooks" with two accounts on two companies (issue 20,
items 1 and 16). A QuickBooks link names no company: QuickBooks opens it in the company the
browser last used, and Ids are per company, so the UK account's link opened in the US company
the browser had used before. hatsync says beside the link which company the invoice is in,
with QuickBooks' Switch company; and the link stays while an edit is on its way."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from invoices import services
from tests.factories import make_account, make_invoice, make_product, make_tax_rate, make_user
from tests.sandbox_helpers import GB_REALM, US_REALM, connected_through_consent_page, record_for
from tests.system.helpers import synced, wait_for
from tests.system.test_browser import (  # noqa: F401
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HELD_SECONDS = 12


def open_link(page: Page, name: re.Pattern) -> Page:
    with page.context.expect_page() as new_tab:
        page.locator(".qbo-panel").get_by_role("link", name=name).click()
    tab = new_tab.value
    tab.wait_for_load_state()
    return tab


def test_the_view_link_says_which_company_it_opens_in_and_stays_while_an_edit_is_on_its_way(
    worker, sandbox, live_server, page: Page
):
    # The US account's owner connects in this browser and looks at an invoice in QuickBooks.
    us = make_account(country="US", name="Studio US")
    us_user = make_user(account=us)
    sign_in(page, live_server, us_user.username)
    connect(page, live_server, US_REALM)
    us_invoice = make_invoice(account=us, number="US-VIEW-1", send=True)
    us_record = synced(us_invoice)
    page.goto(f"{live_server.url}/invoices/{us_invoice.pk}/")
    tab = open_link(page, re.compile("View Invoice in QuickBooks"))
    expect(tab.get_by_text("US-VIEW-1").first).to_be_visible()
    tab.close()

    # The UK account (connected elsewhere) is opened next in the same browser.
    uk = make_account(country="GB", name="Studio UK")
    uk_user = make_user(account=uk)
    uk_client = Client()
    uk_client.force_login(uk_user)
    connected_through_consent_page(uk_client, GB_REALM)
    vat = make_tax_rate(account=uk, name="20.0% S", percentage="20")
    product = make_product(account=uk, display_name="Portrait Session")
    uk_invoice = make_invoice(account=uk, number="UK-VIEW-1", send=True,
                              lines=[(product, "1", "100.00", vat)])
    uk_record = synced(uk_invoice)
    assert uk_record.qbo_id == us_record.qbo_id  # Ids are per company: the same number
    with page.expect_navigation():  # Sign out (in the account menu)
        page.locator("form[action$='/logout/']").evaluate("form => form.submit()")
    sign_in(page, live_server, uk_user.username)
    page.goto(f"{live_server.url}/invoices/{uk_invoice.pk}/")

    panel = page.locator(".qbo-panel")
    expect(panel).to_contain_text("This invoice is in Sandbox Studio UK")
    expect(panel).to_contain_text("QuickBooks opens links in the company you last used there")
    assert_accessible(page, "UK invoice page with its QuickBooks link")
    shoot(page, "invoice-view-in-quickbooks")

    # As on Intuit, the link opens in the browser's last company: the US one.
    tab = open_link(page, re.compile("View Invoice in QuickBooks"))
    expect(tab.locator("body")).to_contain_text("Sandbox Studio US")
    expect(tab.locator("body")).not_to_contain_text("UK-VIEW-1")
    tab.close()
    # Switch company, as the panel says, then the same link opens the UK invoice.
    tab = open_link(page, re.compile("switch to Sandbox Studio UK"))
    expect(tab.locator("body")).to_contain_text("Sandbox Studio UK")
    tab.close()
    tab = open_link(page, re.compile("View Invoice in QuickBooks"))
    expect(tab.get_by_text("UK-VIEW-1").first).to_be_visible()
    expect(tab.locator("body")).to_contain_text("Sandbox Studio UK")
    tab.close()

    # An edit on its way (QuickBooks holds its update, then answers 503): the link stays.
    sandbox.control("POST", "faults", json={"realm": GB_REALM, "responses": [
        {"on": "writes", "status": 503, "hold_seconds": HELD_SECONDS}]})
    services.invoice_update(invoice=uk_invoice, number=uk_invoice.number,
                            contact=uk_invoice.contact, issue_date=uk_invoice.issue_date,
                            due_date=uk_invoice.due_date, memo="Two prints more",
                            lines=[services.LineInput(product, Decimal(1), Decimal("120.00"),
                                                      vat)])
    wait_for(lambda: sandbox.control("GET", "faults")["holding"] >= 1, 30,
             "QuickBooks to hold the update")
    assert record_for(uk_invoice).state != "synced"
    page.goto(f"{live_server.url}/invoices/{uk_invoice.pk}/")
    expect(panel.locator(".badge")).to_have_text(re.compile("Syncing|Needs Sync"))
    expect(panel.get_by_role("link", name=re.compile("View Invoice in QuickBooks"))) \
        .to_have_attribute("href", re.compile(rf"/app/invoice\?txnId={uk_record.qbo_id}$"))
    expect(panel).to_contain_text("This invoice is in Sandbox Studio UK")
    page.goto(f"{live_server.url}/import-invoices/")
    row = page.locator(f"tr[data-invoice='{uk_invoice.pk}']")
    expect(row.get_by_role("link", name=re.compile("View Invoice in QuickBooks"))).to_be_visible()
    expect(page.locator(".qbo-company-note")).to_contain_text(
        "These invoices are in Sandbox Studio UK")

    after = synced(uk_invoice, timeout=60)  # the 503 is retried; the edit lands
    [qbo] = sandbox.invoices(GB_REALM, "UK-VIEW-1")
    assert after.qbo_id == uk_record.qbo_id and qbo["PrivateNote"] != "Voided"
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("144.00")
