"""Browser journeys for the screens (issue 20, items 9, 10, 12, 14, 15): money columns stay on
the screen from 1024 px up with long names and numbers, the invoice page keeps its Tax column at
420 px, a skip link and a visible focus ring, a favicon, no cut-off placeholders, an open invoice
page that follows a payment received in QuickBooks, and the product's own error pages.
Live app, real sandbox server (its webhooks), real worker; axe on every page changed."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from invoices import services
from invoices.models import TaxRate
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import synced, wait_for
from tests.system.test_browser import (  # noqa: F401
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Maximiliana-Theodora-Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh"
LONG_COMPANY = ("The Extraordinarily Long-Named Photographic Society of Greater "
                "Wolverhampton and the Surrounding Villages Limited")
LONG_NUMBER = "INV-2026-WEDDING-SMITH-JONES-FAMILY-REUNION-PACKAGE-0042-FINAL"
LONG_PRODUCT = ("Deluxe-Heirloom-Leather-Bound-Wedding-Album-With-Forty-Spreads-"
                "And-Gilded-Edges-Premium-Edition")
WIDTHS = (1024, 1280, 1400)

# Contrast of two CSS colours (WCAG relative luminance), in the page.
CONTRAST_JS = """([a, b]) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}"""
# Does an input's or a select's text (its placeholder, its chosen option) fit inside it?
TEXT_FITS_JS = """(el) => {
  const style = getComputedStyle(el);
  const text = el.tagName === "SELECT" ? el.options[el.selectedIndex].text : el.placeholder;
  const probe = document.createElement("span");
  probe.style.font = style.font; probe.style.whiteSpace = "pre"; probe.style.position = "absolute";
  probe.textContent = text; document.body.appendChild(probe);
  const needed = probe.getBoundingClientRect().width; probe.remove();
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
    - (el.tagName === "SELECT" ? 20 : 0);  // a select's arrow
  return {text, needed, room, fits: needed <= room + 0.5};
}"""


@pytest.fixture
def long_names(worker, live_server):
    """A US account whose names and numbers are as long as the forms allow them to be."""
    account = make_account(country="US", name="Long Names Studio")
    user = make_user(account=account)
    contact = make_contact(account=account, first_name=LONG_NAME, last_name="Smith")
    contact.company = LONG_COMPANY
    contact.save()
    product = make_product(account=account, display_name=LONG_PRODUCT, rate="1234567.89")
    tax = TaxRate.objects.create(account=account, name="Sales tax 8.875%",
                                 percentage=Decimal("8.875"))
    invoices = [make_invoice(account=account, contact=contact, number=f"{LONG_NUMBER[:60]}-{n}",
                             lines=[(product, "3", "1234567.89", tax)], send=True)
                for n in range(1, 3)]
    discounted = services.invoice_create(
        account=account, number=f"{LONG_NUMBER[:60]}-0", contact=contact,
        issue_date=date(2026, 11, 1), due_date=date(2026, 11, 15), discount_kind="amount",
        discount_value=Decimal("1000.00"),
        lines=[services.LineInput(product, Decimal("3"), Decimal("1234567.89"), tax)])
    invoices.insert(0, services.invoice_send(invoice=discounted))
    return {"account": account, "user": user, "invoices": invoices, "product": product}


def right_edge(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not on the page"
    return box["x"] + box["width"]


def assert_inside(page: Page, selectors: list[str], width: int, where: str) -> None:
    for selector in selectors:
        edge = right_edge(page, selector)
        assert edge <= width + 0.5, f"{where} at {width}px: {selector} ends at {edge:.0f}px"
    overflow = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.table-wrap')].map("
        "w => w.scrollWidth - w.clientWidth), 0)")
    assert overflow <= 1, f"{where} at {width}px: a table scrolls sideways by {overflow}px"


def test_money_columns_stay_on_screen_with_long_names_and_numbers(long_names, page: Page,
                                                                  live_server):
    sign_in(page, live_server, long_names["user"].username)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/invoices/")
        assert_inside(page, ["th:has-text('Total')", "th:has-text('Balance')",
                             "tbody tr td:nth-child(6)", "tbody tr td:nth-child(7)"],
                      width, "Invoices")
        # The long text is cut or wrapped, and all of it is still there (title).
        number = page.locator("td.cell-number a").first
        assert (number.get_attribute("title") or "").startswith(LONG_NUMBER[:60])
        page.goto(f"{live_server.url}/products/")
        assert_inside(page, ["th:has-text('Rate')", "tbody tr td.num"], width, "Products")
        assert page.locator(f"[title='{LONG_PRODUCT}']").count() >= 1
        page.goto(f"{live_server.url}/import-invoices/")
        assert_inside(page, ["th:has-text('QuickBooks')", "tbody tr td.sync-cell"], width,
                      "Import Invoices")
        page.goto(f"{live_server.url}/invoices/{long_names['invoices'][0].pk}/")
        assert_inside(page, ["table.lines th:has-text('Amount')", "table.lines td.num >> nth=-1"],
                      width, "the invoice page")
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in ("/invoices/", "/products/", "/import-invoices/"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, f"{path} with long names")
        shoot(page, f"long-names-{path.strip('/')}-1280px")


def test_the_invoice_page_keeps_its_tax_column_at_420px(long_names, page: Page, live_server):
    page.set_viewport_size({"width": 420, "height": 900})
    sign_in(page, live_server, long_names["user"].username)
    page.goto(f"{live_server.url}/invoices/{long_names['invoices'][1].pk}/")
    for header in ("Qty", "Unit price", "Sales tax", "Amount"):
        edge = right_edge(page, f"table.lines th:text-is('{header}')")
        assert edge <= 420, f"{header} ends at {edge:.0f}px at 420 px"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    shoot(page, "invoice-420px")
    assert_accessible(page, "the invoice page at 420 px")


def test_skip_link_focus_ring_favicon_and_no_cut_text(long_names, page: Page, live_server,
                                                      sandbox):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, long_names["user"].username)
    page.goto(f"{live_server.url}/import-invoices/")
    # The first Tab reaches "Skip to main content", shown on the screen; Enter goes to main.
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to main content")
    box = skip.bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # A checkbox reached with the keyboard has a ring of 3:1 against the page (WCAG 2.2).
    page.locator("[data-select-all]").focus()
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("type") == "checkbox"
    ring = focused.evaluate("""el => { const s = getComputedStyle(el); return {
        style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor}}""")
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    contrast = page.evaluate(CONTRAST_JS, [ring["color"], "rgb(255, 255, 255)"])
    assert contrast >= 3, f"focus ring {ring['color']}: contrast {contrast:.2f}:1"

    # "Undo sync…" and "Sync history" are apart.
    undo = page.get_by_role("button", name=re.compile("Undo sync…")).bounding_box()
    history = page.get_by_role("link", name="Sync history").bounding_box()
    assert history["x"] - (undo["x"] + undo["width"]) >= 8 or history["y"] >= undo["y"] + 8

    # A favicon, linked and served; /favicon.ico too.
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{href}").status == 200
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200

    # Placeholders and chosen options are whole: the accounts, the invoice form's lines.
    connect(page, live_server, US_REALM)
    selects = page.locator(".account-choices select").all()
    assert len(selects) == 3
    for select in selects:
        fit = select.evaluate(TEXT_FITS_JS)
        assert fit["fits"], f"account cut off: {fit}"
    assert_accessible(page, "Integrations")
    page.goto(f"{live_server.url}/invoices/new/")
    placeholders = page.locator("table.line-form tbody input[placeholder]").all()
    assert placeholders
    for field in placeholders:
        fit = field.evaluate(TEXT_FITS_JS)
        assert fit["fits"], f"placeholder cut off: {fit}"
    # The number hint does not push Due date to a new row.
    due = page.get_by_label("Due date").bounding_box()
    page.get_by_label("Number").fill("INV-2026-WEDDING-SMITH-0042")
    expect(page.locator("#number-note")).to_be_visible()
    assert page.get_by_label("Due date").bounding_box()["y"] == due["y"]
    assert_accessible(page, "the invoice form with its number hint")

    # The payment form's amounts keep off the card's edge.
    page.goto(f"{live_server.url}/invoices/{long_names['invoices'][2].pk}/payments/new/")
    card = page.locator("aside.card").bounding_box()
    for cell in page.locator("aside.card .totals td").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"] - 12, (box, card)
    assert_accessible(page, "the payment form")


def test_an_open_invoice_page_shows_a_payment_received_in_quickbooks(
    worker, sandbox, live_server, webhooks_to_this_app, page: Page
):
    account = make_account(country="US", name="Live Studio")
    user = make_user(account=account)
    sign_in(page, live_server, user.username)
    connect(page, live_server, US_REALM)
    invoice = make_invoice(account=account, number="LIVE-001", send=True)
    record = synced(invoice)
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.get_by_text("No payments yet.")).to_be_visible()
    page.goto(f"{live_server.url}/invoices/")  # and the list, in a second tab
    listing = page
    invoice_page = page.context.new_page()
    invoice_page.goto(f"{live_server.url}/invoices/{invoice.pk}/")

    books = page.context.new_page()  # the bookkeeper, in the local QuickBooks
    books.goto(f"{worker}/app/recvpayment?txnId={record.qbo_id}&realmId={US_REALM}")
    books.get_by_label("Amount received").fill("35.00")
    books.get_by_label("Payment method").select_option("Check")
    books.get_by_label("Reference no.").fill("LIVE-77")
    books.get_by_role("button", name="Save payment").click()
    wait_for(lambda: invoice.payments.exists(), what="the payment to come back")

    # No reload: the open pages follow within a few seconds.
    row = invoice_page.locator("tr", has_text="LIVE-77")
    expect(row).to_contain_text("Recorded in QuickBooks", timeout=12_000)
    expect(invoice_page.locator(".qbo-panel")).to_contain_text("Recorded in QuickBooks")
    expect(invoice_page.get_by_text("Partially paid").first).to_be_visible()
    expect(listing.locator("tr", has_text="LIVE-001")).to_contain_text(
        "Partially paid", timeout=12_000)
    assert_accessible(invoice_page, "the invoice page after following a change")


def test_the_product_error_pages_with_debug_off(long_names, page: Page, live_server, settings):
    settings.DEBUG = False
    stranger = make_account(country="US", name="Stranger")
    theirs = make_invoice(account=stranger, number="THEIRS-1", send=True)
    sign_in(page, live_server, long_names["user"].username)
    response = page.goto(f"{live_server.url}/invoices/{theirs.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page is not here")).to_be_visible()
    expect(page.get_by_text("Using the URLconf")).to_have_count(0)
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor"
                         ) == "rgb(20, 26, 42)"  # the product's stylesheet, served
    assert_accessible(page, "the 404 page")


def test_the_progress_card_ends_cleanly_and_stops_asking(long_names, page: Page, live_server,
                                                          sandbox):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, long_names["user"].username)
    connect(page, live_server, US_REALM)
    page.goto(f"{live_server.url}/import-invoices/")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    card = page.locator("#progress")
    expect(card.locator("[data-role=activity]")).to_have_text("Done: 3 synced.", timeout=60_000)
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url)
            if "/import-invoices/jobs/" in request.url else None)
    page.wait_for_timeout(4000)
    assert polls == [], "the card still polls after Done"
    expect(card.locator("[data-role=hint]")).to_have_count(0)
    expect(page.get_by_text(re.compile("few minutes|left\\."))).to_have_count(0)
    expect(page.locator("tr .badge-syncing")).to_have_count(0)
    expect(page.locator(".message-info")).to_have_count(0)  # no "few minutes" flash either
    assert_accessible(page, "Import Invoices after Done")
