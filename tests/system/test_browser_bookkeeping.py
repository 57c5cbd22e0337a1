"""Browser journey through the bookkeeping screens (issue 12): where money goes on the
Integrations page, a discount on an invoice, a card payment with its processing fee, and a
refund, each reaching the Intuit-like sample company through the real worker."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.sandbox_helpers import US_REALM
from tests.system.helpers import all_settled
from tests.system.test_browser import (  # noqa: F401  (fixtures)
    assert_accessible,
    browser_type_launch_args,
    connect,
    sign_in,
    studio,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choose_accounts_discount_an_invoice_take_a_card_payment_and_refund_it(
    studio, page: Page, live_server, sandbox  # noqa: F811
):
    sandbox.control("POST", "reset", json={"sample_data": True})  # Craig's chart of accounts
    invoice = studio["invoices"][0]
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    page.goto(f"{live_server.url}/import-invoices/")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    expect(page.locator("#progress [data-role=activity]")).to_have_text(
        "Done: 12 synced.", timeout=60_000)

    # Where money goes: deposits to Checking, for payments from now on.
    page.goto(f"{live_server.url}/settings/integrations/")
    deposit = page.get_by_label("Deposit payments to")
    checking = deposit.locator("option", has_text=re.compile("^Checking")).first
    deposit.select_option(checking.get_attribute("value"))
    assert_accessible(page, "Integrations with account choices")
    page.get_by_role("button", name="Save accounts").click()
    expect(page.get_by_text(re.compile("Payments recorded from now on go to Checking"))
           ).to_be_visible()

    # A 10% discount, before tax: 120.00 - 12.00 = 108.00.
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/edit/")
    page.get_by_label("Discount", exact=True).select_option("percent")
    page.get_by_label("Discount (% or amount)").fill("10")
    assert_accessible(page, "Invoice form with a discount")
    page.get_by_role("button", name="Save invoice").click()
    expect(page.locator("body")).to_contain_text("108.00")

    # A card payment: the fee is proposed at 2.9% + 0.30 (3.43 on 108.00).
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/payments/new/")
    expect(page.get_by_text(re.compile(r"2\.9% \+ 0\.30"))).to_be_visible()
    page.get_by_label("Amount").fill("108.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("body")).to_contain_text("3.43")

    # A refund of part of it.
    page.get_by_role("link", name="Refund").first.click()
    page.get_by_label("Amount").fill("20.00")
    page.get_by_label("Reason").fill("Album delivered late")
    assert_accessible(page, "Refund form")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_text("Refund of $20.00 recorded on invoice WEB-000.")).to_be_visible()
    expect(page.get_by_role("row", name="Refunded 20.00")).to_be_visible()

    # All of it reaches QuickBooks through the worker; the panel says so.
    panel = page.locator(".qbo-panel, #quickbooks-panel, [data-refresh-url]").first
    expect(panel).to_contain_text(re.compile(r"Synced\s+as R-WEB-000"), timeout=60_000)
    expect(panel).to_contain_text(re.compile(r"Fee \$3\.43 ·\s+Synced"), timeout=60_000)
    # The refund and the fee being synced say nothing of the invoice's own update (its
    # discount) or the payment: read QuickBooks once nothing is left to do.
    all_settled(studio["account"], timeout=60)
    qbo = sandbox.control("GET", f"companies/{US_REALM}/entities/Invoice")["Invoice"]
    synced = next(i for i in qbo if i.get("DocNumber") == "WEB-000")
    assert synced["TotalAmt"] == 108 and synced["Balance"] == 0
    payments = sandbox.control("GET", f"companies/{US_REALM}/entities/Payment")["Payment"]
    ours = next(p for p in payments if p["Line"] and p["Line"][0]["LinkedTxn"][0]["TxnId"]
                == synced["Id"])
    assert ours["DepositToAccountRef"]["name"] == "Checking"
    refunds = sandbox.control("GET", f"companies/{US_REALM}/entities/RefundReceipt")
    assert [r["TotalAmt"] for r in refunds["RefundReceipt"]
            if r["DocNumber"].startswith("R-WEB")] == [20]
