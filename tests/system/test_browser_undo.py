"""Browser journey for Undo sync on Import Invoices: Debian's chromium driven by Playwright,
against the live app, the real sandbox server and the real Celery worker (system fixtures)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.sandbox_helpers import US_REALM
from tests.system.test_browser import (  # noqa: F401  (fixtures)
    assert_accessible,
    browser_type_launch_args,
    connect,
    sign_in,
    studio,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_two_synced_invoices_undo_their_sync_and_they_need_a_sync_again(
    studio, page: Page, live_server, sandbox  # noqa: F811
):
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    page.goto(f"{live_server.url}/import-invoices/")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    expect(page.locator("#progress [data-role=activity]")).to_have_text(
        "Done: 12 synced.", timeout=60_000)

    page.goto(f"{live_server.url}/import-invoices/?sort=number")
    rows = page.locator("tr[data-invoice]")
    chosen = [rows.nth(n).get_attribute("data-invoice") for n in (0, 1)]
    for pk in chosen:
        page.locator(f"tr[data-invoice='{pk}'] input[name=invoice]").check()
    page.get_by_role("button", name="Undo sync…").click()

    expect(page.get_by_text("Delete 2 invoices and their 0 payments from QuickBooks? They "
                            "stay in hatsync and show as Needs Sync.")).to_be_visible()
    assert_accessible(page, "Undo sync confirmation")
    page.get_by_role("button", name="Delete from QuickBooks").click()

    card = page.locator("#undo-progress")
    expect(card).to_contain_text("Removed 2 invoices and 0 payments from QuickBooks.",
                                 timeout=60_000)
    expect(page.locator("tr.sync-needs_sync")).to_have_count(2)
    expect(page.locator("tr.sync-synced")).to_have_count(10)
    for pk in chosen:  # the page reloaded once the undo ended: the rows say what QBO holds
        expect(page.locator(f"tr[data-invoice='{pk}']")).to_have_class(re.compile("sync-needs_sync"))
        expect(page.locator(f"tr[data-invoice='{pk}'] .sync-cell")).to_contain_text("Needs Sync")
