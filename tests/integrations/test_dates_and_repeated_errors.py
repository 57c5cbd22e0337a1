"""A date QuickBooks cannot hold, and a record QuickBooks keeps failing on.

The local QuickBooks answers a 9999-12-31 as Intuit answers an invalid date (a 400 validation
fault), never a 500; hatsync does not send such a date at all (blocked, with the fix). And a
record that keeps failing for a reason that is not throttling or an outage shows in Sync
problems with its sentence, while the others sync."""

from datetime import date, timedelta
from unittest import mock

import pytest
import requests
from django.db.models import F
from django.urls import reverse

from integrations import rules
from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.qbo.errors import QboThrottled, QboUnavailable
from integrations.selectors import current_problems
from integrations.services import sync
from invoices import services
from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_product
from tests.integrations.conftest import run_outbox
from tests.sandbox_helpers import IN_PROCESS_URL, US_REALM, record_for

pytestmark = pytest.mark.django_db
END_OF_TIME = date(9999, 12, 31)


def post_to_quickbooks(account, entity: str, body: dict) -> requests.Response:
    connection = QuickBooksConnection.objects.get(account=account)
    return requests.post(
        f"{IN_PROCESS_URL}/v3/company/{connection.realm_id}/{entity.lower()}", json=body,
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"})


@pytest.mark.parametrize(("field", "value"), [
    ("TxnDate", "9999-12-31"), ("DueDate", "9999-12-31"), ("TxnDate", "1899-12-31")])
def test_the_local_quickbooks_answers_a_date_it_cannot_hold_with_a_validation_fault(
        sandbox, account_for, field, value):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="D-1", send=True)
    run_outbox(account)  # the customer and item exist
    customer = record_for(invoice.contact, "contact").qbo_id
    body = {"CustomerRef": {"value": customer}, "DocNumber": "D-2", "TxnDate": "2026-11-01",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}
    body[field] = value

    response = post_to_quickbooks(account, "Invoice", body)

    assert response.status_code == 400, response.text
    [error] = response.json()["Fault"]["Error"]
    assert response.json()["Fault"]["type"] == "ValidationFault"
    assert error["code"] == "2010" and field in error["Detail"]


def test_the_last_day_quickbooks_holds_needs_no_due_date_beyond_it(sandbox, account_for):
    """No due date sent: QuickBooks' default (30 days on) must not run past the calendar."""
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="D-1", send=True)
    run_outbox(account)
    customer = record_for(invoice.contact, "contact").qbo_id
    response = post_to_quickbooks(account, "Invoice", {
        "CustomerRef": {"value": customer}, "TxnDate": "2099-12-31",
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
                  "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})
    assert response.status_code == 200, response.text
    assert response.json()["Invoice"]["DueDate"] == "2099-12-31"


def test_an_invoice_dated_9999_is_blocked_before_it_is_sent_with_the_fix(sandbox, account_for,
                                                                          client):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="FAR-1", send=True)
    # Saved without the form (an import, an older version): the sync refuses to send it.
    Invoice.objects.filter(pk=invoice.pk).update(issue_date=END_OF_TIME, due_date=END_OF_TIME)

    run_outbox(account)

    record = record_for(invoice)
    assert record.state == SyncRecord.State.BLOCKED and not record.qbo_id
    assert record.last_error == (
        "QuickBooks cannot hold the date 9999-12-31: it takes dates from 1900 to 2099. Change "
        "the invoice's dates here, then press Sync.")
    assert not sandbox.entities(US_REALM, "Invoice")
    page = client.get(reverse("integrations:settings")).content.decode()
    assert "QuickBooks cannot hold the date 9999-12-31" in page


def test_a_payment_dated_9999_is_blocked_with_the_fix(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="FAR-2", send=True)
    run_outbox(account)
    payment = services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                      amount=invoice.total)
    type(payment).objects.filter(pk=payment.pk).update(date=END_OF_TIME)

    run_outbox(account)

    record = record_for(payment, "payment")
    assert record.state == SyncRecord.State.BLOCKED
    assert "Change the payment's date here" in record.last_error
    assert not sandbox.entities(US_REALM, "Payment")


def studio(account) -> list[Invoice]:
    ana = make_contact(account=account, first_name="Ana", last_name="Silva")
    shoot = make_product(account=account, display_name="Portrait Session")
    return [make_invoice(account=account, contact=ana, number=f"E-{n}", send=True,
                         lines=[(shoot, "1", f"{100 + n}.00", None)]) for n in range(3)]


def failing_on(invoice: Invoice, error: Exception):
    """QuickBooks answers this one invoice's push with `error`, every time."""
    real = sync.push_invoice

    def push(engine, record):
        if record.invoice_id == invoice.pk:
            raise error
        return real(engine, record)

    return mock.patch.object(sync, "push_invoice", push)


def attempt(invoice: Invoice, *, minutes_later: int = 0) -> sync.Outcome:
    """One try of the task (its retries call this again), `minutes_later` than the last."""
    record = record_for(invoice)
    SyncLog.objects.filter(record=record).update(
        created_at=F("created_at") - timedelta(minutes=minutes_later))
    SyncRecord.objects.filter(pk=record.pk).update(state="needs_sync")
    return sync.sync_record(record_id=record.pk)


def test_a_repeated_500_on_one_record_becomes_a_sync_problem_while_the_others_sync(
        sandbox, account_for, client):
    account = account_for("US", US_REALM)
    first, stuck, third = studio(account)
    connection = QuickBooksConnection.objects.get(account=account)
    with failing_on(stuck, QboUnavailable("QuickBooks had a problem (500).", status=500,
                                          intuit_tid="1-abc-500")):
        outcomes = []
        for _ in range(rules.SERVER_ERROR_REPEATS):  # the task's first try and its retries
            assert not current_problems(account=account, connection=connection).exists()
            outcomes.append(attempt(stuck, minutes_later=3))
        run_outbox(account)  # the others
    assert record_for(first).state == record_for(third).state == "synced"
    assert [o.state for o in outcomes] == ["needs_sync", "needs_sync", "failed"]
    assert outcomes[1].retryable and not outcomes[-1].retryable  # the task stops retrying
    record = record_for(stuck)
    assert record.state == SyncRecord.State.FAILED
    assert record.last_error.startswith(
        "QuickBooks answered this with an error on its side (500) 3 times in a row over 6 "
        "minutes, so hatsync stopped retrying it by itself")
    assert "Reference for Intuit support: 1-abc-500." in record.last_error
    assert list(current_problems(account=account, connection=connection)) == [record]
    page = client.get(reverse("integrations:settings")).content.decode()
    assert "3 times in a row over 6 minutes, so hatsync stopped retrying" in page
    # Its requestid is kept: a 500 may have landed, and the next push looks it up first.
    assert record.refusals == 0


def test_a_few_500s_in_quick_succession_stay_a_quiet_wait(sandbox, account_for):
    """Bad luck (the fault tests' random 500s) is not a problem: only time tells."""
    account = account_for("US", US_REALM)
    _, stuck, _ = studio(account)
    connection = QuickBooksConnection.objects.get(account=account)
    with failing_on(stuck, QboUnavailable("QuickBooks had a problem (500).", status=500)):
        outcomes = [attempt(stuck, minutes_later=1) for _ in range(4)]
    assert {o.state for o in outcomes} == {"needs_sync"}
    assert not current_problems(account=account, connection=connection).exists()


@pytest.mark.parametrize("error", [
    QboUnavailable("QuickBooks had a problem (503).", status=503),
    QboUnavailable("QuickBooks could not be reached (timed out)."),
    QboThrottled("QuickBooks is getting too many requests.", status=500, retry_after=60),
])
def test_outages_and_throttling_stay_quiet_waits(sandbox, account_for, error):
    account = account_for("US", US_REALM)
    _, stuck, _ = studio(account)
    connection = QuickBooksConnection.objects.get(account=account)
    with failing_on(stuck, error):
        run_outbox(account)
        outcomes = [attempt(stuck, minutes_later=3)
                    for _ in range(rules.SERVER_ERROR_REPEATS + 2)]

    assert {o.state for o in outcomes} == {"needs_sync"}
    assert all(o.retryable for o in outcomes)
    assert not current_problems(account=account, connection=connection).exists()


def test_a_sync_in_between_starts_the_count_again():
    message = "QuickBooks had a problem (500)."
    assert rules.keeps_failing(status=500, message=message,
                               earlier=[(message, 200), (message, 400)])
    assert not rules.keeps_failing(status=500, message=message,
                                   earlier=[(message, 200), (None, 300), (message, 400)])
    assert not rules.keeps_failing(status=500, message=message,
                                   earlier=[(message, 20), (message, 40)])  # too quick
    assert not rules.keeps_failing(status=500, message=message, earlier=[])
    assert not rules.keeps_failing(status=504, message=message, earlier=[(message, 900)] * 5)
    assert not rules.keeps_failing(status=0, message=message, earlier=[(message, 900)] * 5)
    assert rules.server_error_streak(message=message, earlier=[(message, 60), ("other", 90)]
                                     ) == (2, 60)
    assert rules.date_quickbooks_cannot_hold(date(2099, 12, 31), date(1900, 1, 1)) is None
    assert rules.date_quickbooks_cannot_hold(date(2026, 1, 1), END_OF_TIME) == END_OF_TIME


def test_the_forms_window_fits_inside_what_quickbooks_holds():
    from invoices import book_dates

    assert rules.QBO_EARLIEST_DATE <= book_dates.EARLIEST
    assert book_dates.LATEST <= rules.QBO_LATEST_DATE
