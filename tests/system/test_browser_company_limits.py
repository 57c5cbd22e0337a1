"""Browser journeys of what a QuickBooks company can refuse, as a studio owner sees it: books
closed through a date (the checklist shows it; an invoice dated inside is Blocked, in the
account's date format) and a company whose subscription lapsed (syncing pauses with a sentence
and resumes on Re-check once QuickBooks takes writes again). Same live app, sandbox server,
worker and chromium as test_browser.py."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM, record_for
from tests.system.helpers import settled, synced, wait_for
from tests.system.test_browser import (  # noqa: F401 - the chromium fixture is used by `page`
    assert_accessible,
    browser_type_launch_args,
    connect,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def studio(worker, live_server, sandbox, page: Page):
    account = make_account(country="US", name="Limits Studio")
    user = make_user(account=account)
    sign_in(page, live_server, user.username)
    connect(page, live_server, US_REALM)
    return {"account": account, "user": user}


def recheck(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/settings/integrations/")
    page.get_by_role("button", name="Re-check settings").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations/"))


def test_closed_books_show_on_the_checklist_and_block_an_invoice_dated_inside(
    studio, page: Page, live_server, sandbox
):
    sandbox.control("POST", f"companies/{US_REALM}/closing-date", json={"date": "2025-12-31"})
    sandbox.control("POST", f"companies/{US_REALM}/status", json={"plan": "simple_start"})
    recheck(page, live_server)
    expect(page.get_by_text("Books closed through Dec. 31, 2025")).to_be_visible()
    expect(page.get_by_text("Multi-currency: not on in this QuickBooks company")).to_be_visible()
    expect(page.get_by_text("Classes: not on in this QuickBooks company")).to_be_visible()
    assert_accessible(page, "Integrations with closed books")

    inside = send(make_invoice(account=studio["account"], number="LIM-1",
                               issue_date=date(2025, 12, 20)))
    assert settled(inside, timeout=60).state == "blocked"
    page.goto(f"{live_server.url}/invoices/{inside.pk}/")
    panel = page.locator(".qbo-panel")
    expect(panel).to_contain_text("QuickBooks' books are closed through Dec. 31, 2025")
    expect(panel).to_contain_text("Close the books")
    assert sandbox.invoices(US_REALM, "LIM-1") == []


def test_a_lapsed_company_pauses_syncing_with_a_sentence_and_recheck_resumes_it(
    studio, page: Page, live_server, sandbox
):
    sandbox.control("POST", f"companies/{US_REALM}/status", json={"status": "lapsed"})
    waiting = send(make_invoice(account=studio["account"], number="LIM-2"))
    wait_for(lambda: getattr(record_for(waiting), "paused", False), 60, "the invoice to pause")

    page.goto(f"{live_server.url}/settings/integrations/")
    notice = page.locator("#writes-paused")
    expect(notice).to_contain_text("Syncing is paused.")
    expect(notice).to_contain_text("QuickBooks is not accepting changes to Sandbox Studio US")
    page.goto(f"{live_server.url}/invoices/{waiting.pk}/")
    expect(page.get_by_text(re.compile("Paused: QuickBooks is not accepting changes"))
           ).to_be_visible()

    sandbox.control("POST", f"companies/{US_REALM}/status", json={"status": "active"})
    recheck(page, live_server)
    synced(waiting, timeout=60)
    page.goto(f"{live_server.url}/settings/integrations/")
    expect(page.locator("#writes-paused")).to_have_count(0)
    assert len(sandbox.invoices(US_REALM, "LIM-2")) == 1


def test_an_older_us_company_lists_tax_rates_without_a_code_and_blocks_their_invoice(
    worker, live_server, sandbox, page: Page
):
    from tests.factories import make_product, make_tax_rate

    realm = sandbox.control("POST", "companies", json={
        "name": "Older US Studio", "country": "US",
        "preferences": {"automated_sales_tax": False}})["realm_id"]
    account = make_account(country="US", name="Tax Studio")
    user = make_user(account=account)
    brooklyn = make_tax_rate(account=account, name="Brooklyn", percentage="8.875")
    sign_in(page, live_server, user.username)
    connect(page, live_server, realm)
    checklist = page.locator("li", has_text="Brooklyn")
    expect(checklist.first).to_be_visible()
    assert_accessible(page, "Integrations of an older US company")

    invoice = send(make_invoice(account=account, number="TAX-1", lines=[
        (make_product(account=account), "1", "100.00", brooklyn)]))
    assert settled(invoice, timeout=60).state == "blocked"
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.locator(".qbo-panel")).to_contain_text(
        "This sales tax rate has no QuickBooks tax code: Brooklyn")
    assert sandbox.invoices(realm, "TAX-1") == []
