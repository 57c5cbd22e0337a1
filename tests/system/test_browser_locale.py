"""Browser journeys in a UK and a Canadian account (issue 20, items 11 and 8): each page in its
country's English (Django's en_GB / en_CA formats), money with its sign, the tax by its name,
percentages without trailing zeros; and the card-fee hint that follows the tip as it is typed."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.factories import (
    make_account,
    make_contact,
    make_invoice,
    make_product,
    make_tax_rate,
    make_user,
)
from tests.sandbox_helpers import CA_REALM, GB_REALM
from tests.system.test_browser import (  # noqa: F401  (fixtures)
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOV_28 = date(2026, 11, 28)
US_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d{1,2}, 20\d\d")


def _account(country: str, name: str, rates: list[tuple[str, str]], amount: str):
    account = make_account(country=country, name=name)
    user = make_user(account=account)
    taxes = [make_tax_rate(account=account, name=rate, percentage=pct) for rate, pct in rates]
    product = make_product(account=account, display_name="Portrait Session", rate=amount,
                           tax_rate=taxes[0])
    contact = make_contact(account=account, first_name="Alice", last_name="Liddell")
    invoice = make_invoice(account=account, contact=contact, number=f"{country}-1",
                           lines=[(product, "1", amount, taxes[0])], send=True,
                           issue_date=NOV_28)
    return user, invoice


def test_a_uk_account_reads_british_dates_pounds_vat_and_even_percentages(
    worker, live_server, page: Page
):
    user, invoice = _account("GB", "Cheshire Prints",
                             [("20.0% S", "20"), ("VAT 17.5%", "17.500")], "700.00")
    sign_in(page, live_server, user.username)

    page.goto(f"{live_server.url}/invoices/")
    table = page.locator("table").first
    expect(table).to_contain_text("28 Nov 2026")  # issued; due 12 Dec 2026
    expect(table).to_contain_text((NOV_28 + timedelta(days=14)).strftime("%-d %b %Y"))
    expect(table.get_by_role("columnheader", name="Total (£)")).to_be_visible()
    expect(table).to_contain_text("840.00")
    assert not US_DATE.search(table.inner_text())
    assert_accessible(page, "UK invoice list")

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    body = page.locator("main, body").first
    expect(page.locator(".totals tr.grand").first).to_have_text(re.compile(r"Total\s*£840\.00"))
    expect(page.locator(".totals")).to_contain_text(re.compile(r"VAT\s*140\.00"))
    expect(page.locator("table.lines th", has_text="VAT")).to_be_visible()
    expect(body).to_contain_text("28 Nov 2026")
    expect(body).to_contain_text("20.0% S (20%)")
    assert "GBP 840.00" not in body.inner_text() and "Tax\n" not in body.inner_text()
    assert_accessible(page, "UK invoice page")
    shoot(page, "locale-uk-invoice")

    page.goto(f"{live_server.url}/tax-rates/")
    rates = page.locator("table").first
    expect(rates).to_contain_text("17.5%")
    expect(rates).to_contain_text("20%")
    assert "17.500" not in rates.inner_text()

    connect(page, live_server, GB_REALM)
    checklist = page.locator("main, body").first
    expect(checklist).to_contain_text("VAT is set up")
    assert "Sales tax is set up" not in checklist.inner_text()
    assert not US_DATE.search(checklist.inner_text())
    assert_accessible(page, "UK Integrations checklist")


def test_a_canadian_account_reads_its_dates_dollars_gst_hst_and_a_fee_hint_with_the_tip(
    worker, live_server, page: Page
):
    user, invoice = _account("CA", "Maple Portraits", [("HST ON", "13")], "500.00")
    sign_in(page, live_server, user.username)

    page.goto(f"{live_server.url}/invoices/")
    table = page.locator("table").first
    expect(table).to_contain_text("28 Nov 2026")  # Django's en_CA DATE_FORMAT, j M Y
    expect(table.get_by_role("columnheader", name="Balance ($)")).to_be_visible()
    expect(table).to_contain_text("565.00")
    assert not US_DATE.search(table.inner_text())

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    expect(page.locator(".totals tr.grand").first).to_have_text(re.compile(r"Total\s*\$565\.00"))
    expect(page.locator(".totals")).to_contain_text(re.compile(r"GST/HST\s*65\.00"))
    expect(page.locator("table.lines th", has_text="GST/HST")).to_be_visible()
    assert "CAD 565.00" not in page.locator("body").inner_text()
    assert_accessible(page, "Canadian invoice page")

    # Item 8: the fee hint is the fee a blank field records: on the amount and its tip.
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/payments/new/")
    hint = page.locator("#id_processor_fee_helptext")
    expect(hint).to_contain_text("Card fee at 2.9% + 0.30 on the amount and tip: 16.69")
    page.get_by_label("Tip").fill("40.00")
    expect(hint).to_contain_text("on the amount and tip: 17.85")  # 2.9% of 605.00 + 0.30
    page.get_by_label("Date").fill("")  # a validation error: the figure stays
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".has-error").first).to_be_visible()
    expect(hint).to_contain_text("on the amount and tip: 17.85")
    assert_accessible(page, "Canadian payment form after an error")
    page.get_by_label("Date").fill(NOV_28.isoformat())  # date inputs stay ISO
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment of $565.00 recorded on invoice CA-1.")).to_be_visible()
    payments = page.locator("table.table", has=page.locator("th", has_text="Fee")).first
    expect(payments).to_contain_text("17.85")
    expect(payments).to_contain_text("28 Nov 2026")

    connect(page, live_server, CA_REALM)
    checklist = page.locator("main, body").first
    expect(checklist).to_contain_text("GST/HST is set up")
    assert "Sales tax is set up" not in checklist.inner_text()
    assert_accessible(page, "Canadian Integrations checklist")
