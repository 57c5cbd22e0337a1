"""Browser journey (issue 20, item 2): record a payment, press Back, press Record payment
again: one payment, in hatsync and in the local QuickBooks. Then edit the synced payment
(QuickBooks follows) and delete it (it goes from QuickBooks, once, and the invoice's balance
comes back there too)."""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from invoices.models import Invoice, Payment
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import synced, wait_for
from tests.system.test_browser import (  # noqa: F401  (fixtures)
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
    studio,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def qbo_payments(sandbox, invoice_qbo_id: str) -> list[dict]:
    payments = sandbox.control("GET", f"companies/{US_REALM}/entities/Payment")["Payment"]
    return [p for p in payments
            if any(link.get("TxnId") == invoice_qbo_id
                   for line in p.get("Line", []) for link in line.get("LinkedTxn", []))]


def qbo_invoice(sandbox, number: str) -> dict:
    invoices = sandbox.control("GET", f"companies/{US_REALM}/entities/Invoice")["Invoice"]
    return next(i for i in invoices if i.get("DocNumber") == number)


def test_back_and_record_again_makes_one_payment_then_edit_and_delete_reach_quickbooks(
    studio, page: Page, live_server, sandbox, figures  # noqa: F811
):
    invoice = studio["invoices"][1]  # WEB-001: 130.00
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    page.goto(f"{live_server.url}/import-invoices/")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    expect(page.locator("#progress [data-role=activity]")).to_have_text(
        "Done: 12 synced.", timeout=60_000)
    invoice_qbo_id = synced(invoice).qbo_id

    # Record 100.00 "BACK-TEST", press Back, press Record payment again.
    page.goto(f"{live_server.url}/invoices/{invoice.pk}/payments/new/")
    page.get_by_label("Amount").fill("100.00")
    page.get_by_label("Reference").fill("BACK-TEST")
    first_token = page.locator("input[name=form_token]").input_value()
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment of $100.00 recorded on invoice WEB-001.")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="Record payment")).to_be_visible()
    expect(page.get_by_label("Reference")).to_have_value("BACK-TEST")
    # Loaded again (pages are never cached), the browser put back what was typed; the
    # page's history entry put back the token the form was first shown with.
    assert page.evaluate("performance.getEntriesByType('navigation')[0].type") == "back_forward"
    expect(page.locator("input[name=form_token]")).to_have_value(first_token)
    page.get_by_role("button", name="Record payment").click()

    expect(page.get_by_text(re.compile(
        r"This payment was already recorded: \$100\.00 on .+\. Submitting the form again "
        r"added nothing\."))).to_be_visible()
    [payment] = Payment.objects.filter(invoice=invoice)
    expect(page).to_have_url(re.compile(rf"#payment-{payment.pk}$"))
    assert_accessible(page, "Invoice page saying the payment was already recorded")
    shoot(page, "payment-already-recorded")
    synced(payment, "payment")
    assert [p["TotalAmt"] for p in qbo_payments(sandbox, invoice_qbo_id)] == [100]
    assert Payment.objects.filter(invoice=invoice).count() == 1

    # Edit the synced payment: QuickBooks' payment follows (the same one, updated).
    page.get_by_role("link", name=re.compile("^Edit the payment of")).click()
    expect(page.get_by_role("heading", name="Edit payment")).to_be_visible()
    expect(page.get_by_label("Amount")).to_have_value("100.00")
    assert_accessible(page, "Edit payment form")
    page.get_by_label("Amount").fill("90.00")
    page.get_by_role("button", name="Save payment").click()
    saved_at = time.monotonic()
    expect(page.get_by_text("Payment of $90.00 on invoice WEB-001 saved.")).to_be_visible()
    [edited] = wait_for(lambda: [p for p in qbo_payments(sandbox, invoice_qbo_id)
                                 if p["TotalAmt"] == 90], what="the edit to reach QuickBooks")
    edit_seconds = time.monotonic() - saved_at
    assert len(qbo_payments(sandbox, invoice_qbo_id)) == 1
    assert qbo_invoice(sandbox, "WEB-001")["Balance"] == 40

    # Delete it: the page asks first, then it goes from QuickBooks and the balance comes back.
    page.get_by_role("link", name=re.compile("^Delete the payment of")).click()
    expect(page.get_by_role("heading", name="Delete this payment?")).to_be_visible()
    expect(page.get_by_text("The invoice's balance goes back to $130.00.")).to_be_visible()
    assert_accessible(page, "Delete payment confirmation")
    shoot(page, "payment-delete-confirm")
    page.get_by_role("button", name="Delete payment").click()
    deleted_at = time.monotonic()
    expect(page.get_by_text("Payment of $90.00 deleted from invoice WEB-001.")).to_be_visible()
    wait_for(lambda: qbo_payments(sandbox, invoice_qbo_id) == [],
             what="the delete to reach QuickBooks")
    figures(f"payment edit reached the local QuickBooks in {edit_seconds:.1f} s, its delete "
            f"in {time.monotonic() - deleted_at:.1f} s")
    wait_for(lambda: qbo_invoice(sandbox, "WEB-001")["Balance"] == 130,
             what="QuickBooks' balance to come back")
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT
    deletes = [r for r in sandbox.log(US_REALM)
               if r["method"] == "POST" and r["path"].endswith("/payment") and r["status"] == 200]
    assert len(deletes) == 3  # create, update, delete: nothing sent twice
    assert edited["Id"] not in {p["Id"] for p in qbo_payments(sandbox, invoice_qbo_id)}


@pytest.mark.parametrize("country, rate, percentage", [("GB", "20.0% S", "20"),
                                                       ("CA", "HST ON", "13")])
def test_in_the_uk_and_canada_back_and_record_again_makes_one_payment_and_delete_removes_it(
    worker, page: Page, live_server, sandbox, country, rate, percentage
):
    from tests.factories import make_account, make_invoice, make_product, make_tax_rate, make_user
    from tests.sandbox_helpers import CA_REALM, GB_REALM

    realm = {"GB": GB_REALM, "CA": CA_REALM}[country]
    account = make_account(country=country, name=f"Studio {country}")
    user = make_user(account=account)
    tax = make_tax_rate(account=account, name=rate, percentage=percentage)
    invoice = make_invoice(account=account, number=f"{country}-BACK",
                           lines=[(make_product(account=account), "1", "200.00", tax)],
                           send=True)
    sign_in(page, live_server, user.username)
    connect(page, live_server, realm)
    page.goto(f"{live_server.url}/import-invoices/")
    page.get_by_role("button", name=re.compile("Sync all that need it")).click()
    expect(page.locator("#progress [data-role=activity]")).to_have_text(
        "Done: 1 synced.", timeout=60_000)
    invoice_qbo_id = synced(invoice).qbo_id

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/payments/new/")
    page.get_by_label("Amount").fill("100.00")
    page.get_by_label("Reference").fill("BACK-TEST")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text(re.compile(r"Payment of .*100\.00.* recorded"))).to_be_visible()
    page.go_back()
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text(re.compile(r"This payment was already recorded: .*100\.00")
                            )).to_be_visible()
    [payment] = Payment.objects.filter(invoice=invoice)
    synced(payment, "payment")
    payments = sandbox.control("GET", f"companies/{realm}/entities/Payment")["Payment"]
    assert [p["TotalAmt"] for p in payments] == [100]

    page.get_by_role("link", name=re.compile("^Delete the payment of")).click()
    assert_accessible(page, f"Delete payment confirmation ({country})")
    page.get_by_role("button", name="Delete payment").click()
    wait_for(lambda: sandbox.control("GET", f"companies/{realm}/entities/Payment")["Payment"]
             == [], what="the delete to reach QuickBooks")
    found = sandbox.control("GET", f"companies/{realm}/entities/Invoice")["Invoice"]
    [qbo] = [i for i in found if i["Id"] == invoice_qbo_id]
    assert qbo["Balance"] == qbo["TotalAmt"]
