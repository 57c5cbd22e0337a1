"""Browser journey through the local QuickBooks' pages (issue 20, item 7): what hatsync sent
for a Canadian and a UK studio (an invoice with a discount, a card payment with its fee, a
refund), read as a bookkeeper reads it in QuickBooks. The figures on each page add up and
match hatsync's; tax codes show by name; the refund receipt and the fee (an expense) have
pages of their own, reached from the Sales and Expenses lists."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from invoices import services
from tests.factories import make_invoice, make_product, make_tax_rate
from tests.sandbox_helpers import CA_REALM, GB_REALM, record_for
from tests.system.helpers import connected_account, synced
from tests.system.test_browser import (  # noqa: F401  (fixtures)
    assert_accessible,
    browser_type_launch_args,
    shoot,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figures(page: Page) -> list[tuple[str, Decimal]]:
    """The rows under a form's lines, as shown: (label, amount)."""
    rows = page.locator("table.totals tr")
    expect(rows.first).to_be_visible()
    return [(row.locator("th").inner_text().strip(), Decimal(row.locator("td").inner_text()))
            for row in rows.all()]


def tax_column(page: Page) -> list[str]:
    return [cell.inner_text().strip()
            for cell in page.locator("table.lines tr td:last-child").all()]


def studio_books(client, country: str, realm: str, rates: list[tuple[str, str]]):
    """A connected studio whose sent invoice (two lines at two tax rates, 10% off) was paid
    by card (a 3.20 fee) and partly refunded, all synced through the worker."""
    account = connected_account(client, country, realm)
    first, second = (make_tax_rate(account=account, name=name, percentage=percent)
                     for name, percent in rates)
    invoice = make_invoice(account=account, number=f"PAGES-{country}", lines=[
        (make_product(account=account, display_name="Portrait Session"), "2", "50.00", first),
        (make_product(account=account, display_name="Travel Fee"), "1", "30.00", second)])
    invoice.discount_kind, invoice.discount_value = "percent", Decimal("10")
    invoice.save()
    invoice = services.invoice_send(invoice=invoice)
    payment = services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                      amount=Decimal("60.00"), reference="CARD-4242",
                                      processor_fee=Decimal("3.20"))
    refund = services.refund_record(payment=payment, date=date(2026, 11, 21),
                                    amount=Decimal("20.00"), reason="Album late")
    for obj, kind in ((invoice, "invoice"), (payment, "payment"), (payment, "fee"),
                      (refund, "refund")):
        synced(obj, kind, timeout=60)
    invoice.refresh_from_db()
    return invoice, record_for(invoice).qbo_id


@pytest.mark.parametrize(("country", "realm", "rates", "codes"), [
    ("CA", CA_REALM, [("GST", "5"), ("HST ON", "13")], ["GST (5%)", "HST ON (13%)"]),
    ("GB", GB_REALM, [("20.0% S", "20"), ("Exempt", "0")], ["20.0% S", "Exempt (0%)"]),
])
def test_a_bookkeeper_sees_in_quickbooks_what_hatsync_sent_and_it_adds_up(
        country, realm, rates, codes, client, page: Page, sandbox):
    sandbox.control("POST", "reset", json={"sample_data": True})  # accounts for fees, refunds
    invoice, qbo_id = studio_books(client, country, realm, rates)

    # Deep links open in the browser's current company (as on Intuit): switch to it first.
    page.goto(f"{sandbox.base_url}/app/switchCompany?companyId={realm}")
    page.goto(f"{sandbox.base_url}/app/invoice?txnId={qbo_id}")
    expect(page.get_by_role("heading", name=re.compile(f"Invoice PAGES-{country}"))
           ).to_be_visible()
    assert tax_column(page) == codes
    shown = figures(page)
    values = dict(shown)
    labels = [label for label, _ in shown]
    total_at, balance_at = labels.index("Total"), labels.index("Balance due")
    assert sum(value for _, value in shown[:total_at]) == values["Total"]  # sub - disc + tax
    assert sum(value for _, value in shown[total_at:balance_at]) == values["Balance due"]
    assert values["Subtotal"] == invoice.subtotal
    assert values["Discount 10%"] == -invoice.discount_amount
    assert values["Total"] == invoice.total
    assert values["Balance due"] == invoice.balance
    assert values["Payments received"] == Decimal("-60.00")
    expect(page.locator("table.payments")).to_contain_text("CARD-4242")
    assert_accessible(page, f"QuickBooks invoice ({country})")
    shoot(page, f"qbo-invoice-{country.lower()}")

    page.locator("table.payments a").first.click()  # the payment's own page
    expect(page.get_by_role("heading", name=re.compile("Payment"))).to_be_visible()
    expect(page.locator("table.applied")).to_contain_text(f"Invoice PAGES-{country}")
    paid = dict(figures(page))
    assert paid["Amount to apply"] + paid["Amount to credit"] == paid["Amount received"]
    assert_accessible(page, f"QuickBooks payment ({country})")

    page.get_by_role("link", name="Sales", exact=True).first.click()
    page.locator("table.sales tr", has_text=f"R-PAGES-{country}").get_by_role(
        "link", name="Refund receipt").click()
    expect(page.get_by_role("heading", name=re.compile(f"Refund receipt R-PAGES-{country}"))
           ).to_be_visible()
    refunded = dict(figures(page))
    assert refunded["Amount refunded"] == refunded["Total"] == Decimal("20.00")
    included = [value for label, value in figures(page) if label.startswith("Includes ")]
    assert included and sum(included) > 0  # the tax given back, inside the 20.00
    assert_accessible(page, f"QuickBooks refund receipt ({country})")
    shoot(page, f"qbo-refund-{country.lower()}")

    page.get_by_role("link", name="Expenses", exact=True).first.click()
    fee_row = page.locator("table.expenses tr", has_text="Merchant account fees")
    expect(fee_row).to_contain_text("2026-11-20")
    fee_row.get_by_role("link", name="Expense").click()
    expect(page.locator("table.lines")).to_contain_text("Card processing fee")
    assert dict(figures(page))["Total"] == Decimal("3.20")
    assert_accessible(page, f"QuickBooks expense ({country})")
