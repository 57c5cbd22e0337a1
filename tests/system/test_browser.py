"""Browser journeys: Debian's chromium driven by Playwright, against the live app, the real
sandbox server and the real Celery worker (the system fixtures). Screenshots of the main
screens are written to docs/screenshots/ for README.md, so they stay current.

A missing chromium fails these tests (CI installs it); they never skip for it.
"""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import wait_for

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("HATSYNC_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "pw-for-tests-1"  # tests.factories.make_user
XSS = '<img src=x onerror="window.__xss=1">'


# Playwright's sync API keeps an event loop running in this thread for the rest of the
# session, while the tests' (and pytest-django's) ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    assert Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM}: apt-get install chromium"
    return {"executable_path": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu"]}


@pytest.fixture
def studio(worker, live_server):
    """A US account with a few sent invoices, not yet connected."""
    account = make_account(country="US", name="Browser Studio")
    user = make_user(account=account)
    people = [make_contact(account=account, first_name=first, last_name=last)
              for first, last in (("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"))]
    products = [make_product(account=account, display_name=name)
                for name in ("Portrait Session", "Wedding Album", "Print Package")]
    invoices = [
        make_invoice(account=account, contact=people[n % 3], number=f"WEB-{n:03d}",
                     lines=[(products[n % 3], "1", f"{120 + 10 * n}.00", None)], send=True)
        for n in range(12)
    ]
    return {"account": account, "user": user, "invoices": invoices}


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def connect(page: Page, live_server, realm: str) -> None:
    page.goto(f"{live_server.url}/settings/integrations/")
    page.get_by_role("button", name=re.compile("Connect to QuickBooks", re.I)).click()
    page.locator(f"form:has(input[name=realm_id][value='{realm}']) button[value=connect]").click()
    expect(page).to_have_url(re.compile(r"/settings/integrations/"))


def assert_accessible(page: Page, what: str) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{what}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']}" for v in serious)


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_import_all_watch_progress_then_open_the_invoice_in_quickbooks(
    studio, page: Page, live_server, sandbox
):
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    expect(page.get_by_text("Sandbox Studio US", exact=True)).to_be_visible()
    assert_accessible(page, "Integrations")
    shoot(page, "integrations")
    page.goto(f"{live_server.url}/invoices/")
    shoot(page, "invoices")

    page.goto(f"{live_server.url}/import-invoices/")
    expect(page.locator("tr[data-invoice]")).to_have_count(12)
    assert_accessible(page, "Import Invoices")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    progress = page.locator("#progress")
    expect(progress).to_be_visible()
    expect(progress.locator("[data-role=activity]")).to_have_text(re.compile(r"\w"))
    # The rows change in place and the summary appears, without reloading the page.
    expect(progress.locator("[data-role=activity]")).to_have_text("Done: 12 synced.",
                                                                    timeout=60_000)
    expect(page.locator("tr.sync-synced")).to_have_count(12)
    expect(page.locator("tr .badge-syncing")).to_have_count(0)
    shoot(page, "import-invoices")

    with page.context.expect_page() as new_tab:
        page.locator("tr[data-invoice]").first.get_by_role(
            "link", name=re.compile("View Invoice in QuickBooks")).click()
    qbo = new_tab.value
    qbo.wait_for_load_state()
    number = page.locator("tr[data-invoice]").first.locator(".cell-number").inner_text()
    expect(qbo.get_by_text(number).first).to_be_visible()

    # Check QuickBooks matches hatsync: a background check, the card updates by itself.
    page.goto(f"{live_server.url}/settings/integrations/")
    page.get_by_role("button", name=re.compile("Check now")).click()
    card = page.locator("#reconcile")
    expect(card.get_by_text("All match")).to_be_visible(timeout=60_000)
    expect(card).to_contain_text("12 invoices and 0 payments checked")
    assert_accessible(page, "Integrations with the check's result")
    card.screenshot(path=str(SCREENSHOTS / "reconcile.png"))

    # Every attempt keeps Intuit's id of its answer, for Intuit's support.
    page.goto(f"{live_server.url}/settings/integrations/history/")
    references = page.get_by_text(re.compile(r"Reference for Intuit support: 1-[0-9a-f]{8}-"))
    expect(references.first).to_be_visible()

    for path, name in (("/contacts/", "contacts"), ("/products/", "products")):
        page.goto(f"{live_server.url}{path}")
        shoot(page, name)

    # Typing a number longer than QuickBooks takes says what it will store.
    page.goto(f"{live_server.url}/invoices/new/")
    page.get_by_label("Number").fill("INV-2026-WEDDING-SMITH-0042")
    expect(page.locator("#number-note")).to_have_text(
        "QuickBooks keeps 21 characters, so it will store this number as "
        "INV-2...NG-SMITH-0042.")


def test_a_script_in_a_contact_or_product_name_stays_text_on_every_page(
    worker, live_server, page: Page
):
    account = make_account(country="US", name="Hostile Names")
    user = make_user(account=account)
    contact = make_contact(account=account, first_name=XSS, last_name="Smith")
    product = make_product(account=account, display_name=f"Album {XSS}")
    invoice = make_invoice(account=account, contact=contact, number="XSS-1",
                           lines=[(product, "1", "10.00", None)], send=True)
    page.add_init_script("window.__xss = 0")
    sign_in(page, live_server, user.username)
    for path in ("/invoices/", f"/invoices/{invoice.pk}/", "/invoices/new/", "/contacts/",
                 f"/contacts/{contact.pk}/edit/", "/products/", "/products/new/",
                 "/tax-rates/", "/expenses/", "/import-invoices/", "/settings/integrations/",
                 "/settings/integrations/history/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.__xss") == 0, f"{path}: a name ran as script"
        assert page.locator("img[src=x]").count() == 0, f"{path}: a name became markup"
        assert_accessible(page, path)
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_text(XSS, exact=False).first).to_be_visible()


def test_an_australian_business_is_told_why_it_cannot_connect(worker, live_server, page: Page):
    account = make_account(country="AU", name="Sydney Studio")
    user = make_user(account=account)
    sign_in(page, live_server, user.username)
    page.goto(f"{live_server.url}/settings/integrations/")
    connect_button = page.get_by_role("button", name=re.compile("Connect to QuickBooks", re.I))
    if connect_button.count():
        connect_button.click()
    expect(page.get_by_text(re.compile("United States, Canada and the United Kingdom"))
           ).to_be_visible()


def test_the_narrow_layout_has_no_sideways_scroll(studio, page: Page, live_server):
    page.set_viewport_size({"width": 420, "height": 900})
    sign_in(page, live_server, studio["user"].username)
    for path in ("/invoices/", "/settings/integrations/", "/import-invoices/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 420px"
    shoot(page, "import-invoices-420px")
    # The sections fold into a menu: every one of them fits on the screen once it is open.
    page.get_by_role("button", name="Menu").click()
    for name in ("Invoices", "Contacts", "Products & Services", "Tax Rates", "Expenses"):
        link = page.locator("#nav-links").get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 420, f"{name}: {box}"
    assert_accessible(page, "the open menu at 420 px")


def test_a_blocked_invoice_says_why_retry_a_payment_and_reconnecting(
    studio, page: Page, live_server, sandbox
):
    from invoices import services

    account = studio["account"]
    twins = [make_invoice(account=account, contact=studio["invoices"][0].contact,
                          number=f"INV-2024-{x}-WEDDING-SMITH-0002", send=True) for x in "AB"]
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    page.goto(f"{live_server.url}/import-invoices/")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    expect(page.locator("[data-role=activity]")).to_have_text("Done: 13 synced, 1 blocked.",
                                                              timeout=60_000)
    page.get_by_role("link", name="Show the 1 that did not sync").click()
    expect(page.locator("tr[data-invoice]")).to_have_count(1)
    expect(page.locator(".sync-message")).to_contain_text("both become INV-2...NG-SMITH-0002")

    # Sync problems on the Integrations page: the reason, then Retry once it is fixed.
    page.goto(f"{live_server.url}/settings/integrations/")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("both become INV-2...NG-SMITH-0002")
    shoot(page, "sync-problems")
    blocked = next(i for i in twins if i.sync_records.get().state == "blocked")
    services.invoice_update(
        invoice=blocked, number="WED-SMITH-0002-B", contact=blocked.contact,
        issue_date=blocked.issue_date, due_date=blocked.due_date,
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate)
               for line in blocked.lines.all()])
    problems.get_by_role("button", name=re.compile("Retry")).first.click()
    # Blocked counts as settled: wait for this record to be synced, not just settled (the
    # worker pushes it; the list is read when the page loads).
    wait_for(lambda: blocked.sync_records.get().state == "synced", 60, "the retried invoice")
    page.goto(f"{live_server.url}/settings/integrations/")
    expect(page.locator("#problems")).to_have_count(0)

    # A payment recorded on a synced invoice gets its own state on the invoice page.
    invoice = studio["invoices"][0]
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/payments/new/")
    page.get_by_label("Amount").fill("50.00")
    page.get_by_label("Reference").fill("STRIPE-CHARGE-0000-1111-2222-3333")
    page.get_by_role("button", name="Record payment").click()
    payments = page.locator(".panel-payments li")
    expect(payments.locator(".badge-synced")).to_have_count(1, timeout=30_000)
    expect(payments).to_contain_text("reference in QuickBooks: STRIP...111-2222-3333")
    shoot(page, "invoice")

    # Disconnect, then connect again to the same company: it says so, and nothing is lost.
    page.goto(f"{live_server.url}/settings/integrations/")
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Not connected", exact=True)).to_be_visible()
    connect(page, live_server, US_REALM)
    expect(page.get_by_text("Sandbox Studio US", exact=True)).to_be_visible()
    sandbox.assert_exactly_once(US_REALM)
