"""QuickBooks' books are closed through a date: a change dated then or earlier is blocked with
a sentence the owner can act on, and the checklist shows the closing date."""

from datetime import date

import pytest

from integrations.models import SyncLog
from integrations.services import messages
from tests.factories import make_invoice
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def close_books(sandbox, through: str | None, realm: str = US_REALM) -> None:
    sandbox.control("POST", f"companies/{realm}/closing-date", json={"date": through})


def recheck(client) -> None:
    assert client.post("/integrations/quickbooks/recheck/").status_code == 302


def test_an_invoice_dated_in_the_closed_period_is_blocked_with_the_closing_date(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    close_books(sandbox, "2025-12-31")
    recheck(client)  # hatsync reads the closing date with the other settings
    invoice = send(make_invoice(account=account, number="CB-1", issue_date=date(2025, 12, 15)))
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith(
        "QuickBooks' books are closed through Dec. 31, 2025, so QuickBooks refuses changes")
    assert "then press Sync" in record.last_error
    assert SyncLog.objects.filter(record=record, qbo_error_code="6200").count() == 1
    assert sandbox.invoices(US_REALM, "CB-1") == []


def test_once_the_books_are_reopened_the_blocked_invoice_syncs_on_sync(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    close_books(sandbox, "2025-12-31")
    invoice = send(make_invoice(account=account, number="CB-2", issue_date=date(2025, 12, 15)))
    run_outbox(account)
    assert record_for(invoice).state == "blocked"
    close_books(sandbox, None)
    record_for(invoice).__class__.objects.filter(pk=record_for(invoice).pk).update(
        state="needs_sync")  # what Sync / Retry does
    run_outbox(account)
    # a new request (not the refused one's requestid, which QuickBooks would answer again)
    assert record_for(invoice).state == "synced", record_for(invoice).last_error
    assert len(sandbox.invoices(US_REALM, "CB-2")) == 1


def test_a_payment_dated_in_the_closed_period_is_blocked_and_its_invoice_stays_synced(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="CB-3", issue_date=date(2026, 11, 1)))
    run_outbox(account)
    close_books(sandbox, "2026-11-30")  # payments are dated 20 Nov 2026 (conftest.pay)
    payment = pay(invoice, "50.00")
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    record = record_for(payment, kind="payment")
    assert record.state == "blocked"
    # closed after hatsync read the settings: read once more, for the date
    assert record.last_error.startswith("QuickBooks' books are closed through Nov. 30, 2026")


def test_the_closing_date_is_written_the_way_the_accounts_country_writes_dates():
    message = messages.books_closed_message(close_date="2025-12-31", country="GB")
    assert message.startswith("QuickBooks' books are closed through 31 Dec 2025,")


def test_the_checklist_shows_the_closing_date(sandbox, account_for, client):
    account_for("GB", "9341453108260003")
    close_books(sandbox, "2025-12-31", realm="9341453108260003")
    recheck(client)
    page = client.get("/settings/integrations/").content.decode()
    assert "Books closed through 31 Dec 2025" in page
    close_books(sandbox, None, realm="9341453108260003")
    recheck(client)
    page = client.get("/settings/integrations/").content.decode()
    assert "Books are open (no closing date)" in page


def test_voiding_an_invoice_in_the_closed_period_is_blocked_and_quickbooks_keeps_it(
    sandbox, account_for, client
):
    from invoices import services

    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="CB-V", issue_date=date(2026, 11, 1)))
    run_outbox(account)
    close_books(sandbox, "2026-11-30")
    recheck(client)
    services.invoice_void(invoice=invoice)
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith("QuickBooks' books are closed through Nov. 30, 2026")
    (kept,) = sandbox.invoices(US_REALM, "CB-V")
    assert float(kept["TotalAmt"]) > 0  # not voided there
