"""Browser journey: the bookkeeper voids an invoice in (the local) QuickBooks; the owner's check
lists it with only what can work (void it here, or make a new one), never Send again, and says
"All match" only once both books agree. Live app, real sandbox server, real worker."""

import re

import pytest
from playwright.sync_api import Page, expect

from invoices.models import Invoice
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import synced, wait_for
from tests.system.test_browser import (  # noqa: F401
    SCREENSHOTS,
    assert_accessible,
    browser_type_launch_args,
    connect,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/integrations/")
    card = page.locator("#reconcile")
    card.get_by_role("button", name=re.compile("Check (now|again)")).click()
    expect(page.get_by_text("Checking QuickBooks in the background")).to_be_visible()
    expect(card.get_by_text(re.compile(r"checked (just now|.* ago)"))).to_be_visible(timeout=60_000)


def test_an_invoice_voided_in_quickbooks_is_voided_here_and_then_all_match(
    worker, sandbox, live_server, page: Page
):
    account = make_account(country="US", name="Reconcile Studio")
    user = make_user(account=account)
    sign_in(page, live_server, user.username)
    connect(page, live_server, US_REALM)
    dana = make_contact(account=account, first_name="Dana", last_name="Reyes")
    portrait = make_product(account=account, display_name="Portrait Session")
    kept = make_invoice(account=account, contact=dana, number="REC-1", send=True,
                        lines=[(portrait, "1", "120.00", None)])
    voided = make_invoice(account=account, contact=dana, number="DISC-PCT-1", send=True,
                          lines=[(portrait, "1", "174.19", None)])
    synced(kept)
    record = synced(voided)

    # The bookkeeper voids DISC-PCT-1 in QuickBooks (its own pages).
    page.goto(f"{worker}/app/invoice/void?txnId={record.qbo_id}&realmId={US_REALM}")
    page.get_by_role("button", name="Yes, void it").click()
    expect(page.get_by_text("Voided").first).to_be_visible()

    check(page, live_server)
    card = page.locator("#reconcile")
    row = card.locator("tr", has_text="Invoice DISC-PCT-1")
    expect(row).to_contain_text("It was voided in QuickBooks, but not here: hatsync holds "
                                "174.19 and QuickBooks 0.00.")
    expect(row.get_by_role("button", name="Void Invoice DISC-PCT-1 here")).to_be_visible()
    expect(row.get_by_role("button", name="Make a new invoice from Invoice DISC-PCT-1")
           ).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("Send .* again"))).to_have_count(0)
    expect(card.get_by_text("All match")).to_have_count(0)
    assert_accessible(page, "Integrations with a voided invoice")
    card.screenshot(path=str(SCREENSHOTS / "reconcile-voided.png"))

    # A second check still lists it (it used to say "All match" once a send had failed).
    check(page, live_server)
    expect(card.locator("tr", has_text="Invoice DISC-PCT-1")).to_have_count(1)
    expect(card.get_by_text("All match")).to_have_count(0)

    card.locator("tr", has_text="Invoice DISC-PCT-1").get_by_role(
        "button", name="Void Invoice DISC-PCT-1 here").click()
    expect(page.get_by_text("Voided here. Check again to confirm.").first).to_be_visible()
    wait_for(lambda: Invoice.objects.get(pk=voided.pk).status == Invoice.Status.VOID,
             what="the invoice to be void here")
    synced(voided)

    check(page, live_server)
    expect(card.get_by_text("All match")).to_be_visible()
    expect(card).to_contain_text("2 invoices and 0 payments checked")
