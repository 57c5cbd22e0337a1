"""Browser journey: the bookkeeper receives a payment in (the local) QuickBooks; the owner sees
it on hatsync's invoice page, marked "Recorded in QuickBooks". Live app, real sandbox server
(its webhooks), real worker."""

import re

import pytest
from playwright.sync_api import Page, expect

from invoices.models import Payment
from tests.factories import make_account, make_invoice, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import synced, wait_for
from tests.system.test_browser import browser_type_launch_args, connect, sign_in  # noqa: F401

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_payment_received_in_quickbooks_shows_on_the_invoice_page(
    worker, sandbox, live_server, webhooks_to_this_app, page: Page
):
    account = make_account(country="US", name="Inbound Studio")
    user = make_user(account=account)
    sign_in(page, live_server, user.username)
    connect(page, live_server, US_REALM)
    invoice = make_invoice(account=account, number="IN-001", send=True)
    record = synced(invoice)

    page.goto(f"{worker}/app/recvpayment?txnId={record.qbo_id}&realmId={US_REALM}")
    page.get_by_label("Amount received").fill("35.00")
    page.get_by_label("Payment method").select_option("Check")
    page.get_by_label("Reference no.").fill("CHK-77")
    page.get_by_role("button", name="Save payment").click()
    expect(page).to_have_url(re.compile(r"/app/invoice\?"))

    wait_for(lambda: Payment.objects.filter(invoice=invoice).exists(),
             what="the payment to come back")
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    row = page.locator("tr", has_text="CHK-77")
    expect(row).to_contain_text("Recorded in QuickBooks")
    expect(row).to_contain_text("35.00")
    expect(page.locator(".qbo-panel")).to_contain_text("Recorded in QuickBooks")
    expect(page.get_by_text("Partially paid").first).to_be_visible()
