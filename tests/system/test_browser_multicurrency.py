"""Browser journey of a foreign-currency invoice (issue 23): a Toronto studio whose
QuickBooks company has multicurrency on bills a New York client in US dollars, is paid and
refunds part; the invoice, payment and refund reach QuickBooks in USD, at QuickBooks' rate,
for the customer "Jordan Avery (USD)". Same live app, sandbox server, worker and chromium as
test_browser.py."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from invoices.models import Contact
from tests.factories import make_account, make_invoice, make_product, make_tax_rate, make_user
from tests.sandbox_helpers import CA_REALM
from tests.system.helpers import all_settled
from tests.system.test_browser import (  # noqa: F401 - the chromium fixture is used by `page`
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_usd_invoice_for_a_canadian_studio_is_paid_and_refunded_in_usd(
    worker, live_server, sandbox, page: Page
):
    account = make_account(country="CA", name="Maple Studio")
    user = make_user(account=account)
    gst = make_tax_rate(account=account, name="GST", percentage="5")
    product = make_product(account=account, display_name="Wedding day", rate="1000.00",
                           tax_rate=gst)
    sandbox.control("POST", "reset", json={"sample_data": True})  # Undeposited Funds and all
    sandbox.control("PATCH", f"companies/{CA_REALM}/preferences", json={"multicurrency": True})
    sign_in(page, live_server, user.username)
    connect(page, live_server, CA_REALM)
    expect(page.get_by_text("Multi-currency: on (home currency CAD; other currencies: none "
                            "yet)")).to_be_visible()

    # A New York client, billed in US dollars.
    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Avery")
    page.get_by_label("Billing currency").select_option("USD")
    assert_accessible(page, "Contact form with a billing currency")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Jordan Avery.*USD"))).to_be_visible()
    jordan = Contact.objects.get(account=account, first_name="Jordan")
    assert jordan.billing_currency == "USD"

    invoice = make_invoice(account=account, contact=jordan, number="NY-1", send=True,
                           lines=[(product, "1", "1000.00", gst)])
    assert invoice.currency == "USD"
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.locator("body")).to_contain_text(re.compile(r"US\$1.050\.00"))
    expect(page.locator("body")).to_contain_text("Your accounting app's rate for the issue date")

    # Paid in full, in US dollars.
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/payments/new/")
    page.get_by_label("Amount").fill("1050.00")
    page.get_by_label("Processor fee").fill("0")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text(re.compile(r"Payment of US\$1.050\.00 recorded"))).to_be_visible()

    # Part of it refunded.
    page.get_by_role("link", name="Refund").first.click()
    page.get_by_label("Amount").fill("200.00")
    page.get_by_label("Reason").fill("Shorter day")
    assert_accessible(page, "Refund form in US dollars")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_text("Refund of US$200.00 recorded on invoice NY-1.")).to_be_visible()

    panel = page.locator(".qbo-panel, #quickbooks-panel, [data-refresh-url]").first
    expect(panel).to_contain_text(re.compile(r"Synced\s+as R-NY-1"), timeout=60_000)
    shoot(page, "multicurrency-invoice-ca-usd")
    all_settled(account, timeout=60)

    def entities(name: str) -> list[dict]:
        return sandbox.control("GET", f"companies/{CA_REALM}/entities/{name}")[name]

    rate = (Decimal("1") / Decimal("0.73")).quantize(Decimal("0.000001"))  # the sandbox's
    [qbo_invoice] = [i for i in entities("Invoice") if i.get("DocNumber") == "NY-1"]
    assert qbo_invoice["CurrencyRef"]["value"] == "USD"
    assert Decimal(str(qbo_invoice["ExchangeRate"])) == rate
    assert Decimal(str(qbo_invoice["Balance"])) == 0
    [payment] = [p for p in entities("Payment") if p["Line"]
                 and p["Line"][0]["LinkedTxn"][0]["TxnId"] == qbo_invoice["Id"]]
    assert payment["CurrencyRef"]["value"] == "USD" and Decimal(str(payment["TotalAmt"])) == 1050
    [receipt] = [r for r in entities("RefundReceipt") if r["DocNumber"] == "R-NY-1"]
    assert receipt["CurrencyRef"]["value"] == "USD" and Decimal(str(receipt["TotalAmt"])) == 200
    customer = next(c for c in entities("Customer")
                    if c["Id"] == qbo_invoice["CustomerRef"]["value"])
    assert customer["DisplayName"] == "Jordan Avery (USD)"
    assert customer["CurrencyRef"]["value"] == "USD"

    page.goto(f"{live_server.url}/settings/integrations/")
    expect(page.get_by_text("Multi-currency: on (home currency CAD; other currencies: USD)")
           ).to_be_visible()
    shoot(page, "multicurrency-checklist-ca")
