"""One import, Undo sync or check at a time per account: the next press while one runs says
"already running", shows the running job's progress and starts nothing. And an undo never
waits in a worker for its company: a busy company (or a spent budget) ends its turn, and the
rest goes back on the queue."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from integrations import tasks
from integrations.models import (
    BulkSyncJob,
    QuickBooksConnection,
    ReconcileReport,
    SyncRecord,
    UndoJob,
)
from integrations.qbo import budget
from integrations.services import undo
from integrations.services.lease import connection_lease
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import CA_REALM, US_REALM, connect_through_consent_page, record_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(sandbox, account_for, client):
    """Three invoices sent before connecting: waiting for an import."""
    account = account_for("US", US_REALM, connect=False)
    invoices = [make_invoice(account=account, number=f"OB-{n}", send=True) for n in range(3)]
    connect_through_consent_page(client, US_REALM)
    return account, invoices


@pytest.fixture
def synced(sandbox, account_for):
    """Three invoices in QuickBooks, for Undo sync."""
    account = account_for("US", US_REALM)
    invoices = [send(make_invoice(account=account, number=f"OS-{n}")) for n in range(3)]
    run_outbox(account)
    assert all(record_for(i).state == "synced" for i in invoices)
    return account, invoices


def press_sync_all(client):
    return client.post("/import-invoices/sync/", {"all": "1"})


def press_undo(client, confirm: bool = True):
    return client.post("/import-invoices/undo/",
                       {"all_synced": "1", **({"confirm": "1"} if confirm else {})})


def press_check(client):
    return client.post("/integrations/quickbooks/reconcile/")


def said(client, answer) -> str:
    return client.get(answer["Location"]).content.decode()


def test_sync_while_an_import_runs_says_already_running_and_starts_nothing(waiting, client):
    first = press_sync_all(client)
    job = BulkSyncJob.objects.get()
    again = press_sync_all(client)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert again["Location"].endswith(f"/import-invoices/?job={job.pk}")
    assert BulkSyncJob.objects.count() == 1
    assert ("An import to QuickBooks is already running (0 of 3 invoices done). Its progress "
            "is shown here; nothing new was started.") in said(client, again)


def test_undo_while_an_undo_runs_says_already_running_and_starts_nothing(synced, client):
    first = press_undo(client)  # its task never runs here: the undo stays under way
    job = UndoJob.objects.get()
    assert first["Location"].endswith(f"?undo={job.job}")
    for confirm in (False, True):  # the confirmation is not even shown
        again = press_undo(client, confirm=confirm)
        assert again.status_code == 302 and again["Location"] == first["Location"]
        assert ("Undo sync is already running (0 of 3 invoices done). Its progress is shown "
                "here; nothing new was started.") in said(client, again)
    assert UndoJob.objects.count() == 1


def test_check_while_a_check_runs_says_already_running_and_starts_nothing(synced, client):
    press_check(client)
    again = press_check(client)
    assert again["Location"].endswith("/settings/integrations/#reconcile")
    assert ReconcileReport.objects.count() == 1
    assert ("A check that QuickBooks matches hatsync is already running. Its progress is "
            "shown here; nothing new was started.") in said(client, again)


def test_undo_while_an_import_runs_is_refused_naming_the_import(waiting, client):
    _account, invoices = waiting
    first = press_sync_all(client)
    SyncRecord.objects.filter(invoice=invoices[0]).update(
        state="synced", qbo_id="1")  # one is in QuickBooks already: there is one to undo
    answer = press_undo(client)
    assert answer["Location"] == first["Location"]
    assert UndoJob.objects.count() == 0
    assert ("An import to QuickBooks is already running (1 of 3 invoices done). hatsync runs "
            "one import, Undo sync or check at a time for an account (they work on the same "
            "QuickBooks company), so Undo sync can start once it has finished."
            ) in said(client, answer)


def test_sync_and_check_while_an_undo_runs_are_refused_naming_the_undo(synced, client):
    account, _invoices = synced
    running = press_undo(client)
    make_invoice(account=account, number="OS-new", send=True)
    for press, what in ((press_sync_all, "the import"), (press_check, "the check")):
        answer = press(client)
        assert answer["Location"] == running["Location"]
        assert (f"Undo sync is already running (0 of 3 invoices done). hatsync runs one "
                f"import, Undo sync or check at a time for an account (they work on the same "
                f"QuickBooks company), so {what} can start once it has finished."
                ) in said(client, answer)
    assert BulkSyncJob.objects.count() == 0 and ReconcileReport.objects.count() == 0


def test_a_job_that_stopped_moving_no_longer_counts_as_running(synced, client):
    press_undo(client)
    UndoJob.objects.update(updated_at=timezone.now() - timedelta(minutes=11))  # a lost worker
    assert "?undo=" in press_undo(client)["Location"]
    assert UndoJob.objects.count() == 2


def test_another_accounts_job_does_not_count(synced, client, account_for):
    press_undo(client)
    other = account_for("CA", CA_REALM)  # the client is signed in as its owner now
    answer = press_check(client)
    assert "Checking QuickBooks in the background" in said(client, answer)
    assert ReconcileReport.objects.get().account == other
    assert UndoJob.objects.count() == 1


# --- an undo gives its worker back ------------------------------------------------------------
def turn(account, invoice_ids: list[int], carry=None, job="a" * 32):
    return undo.undo_turn(connection_id=account.quickbooks_connection.pk, job=job,
                          invoice_ids=invoice_ids, carry=carry)


def test_an_undo_whose_company_is_busy_ends_its_turn_at_once(synced):
    account, invoices = synced
    connection = QuickBooksConnection.objects.get(account=account)
    with connection_lease(connection_id=connection.pk):  # another sync holds the company
        started = time.monotonic()
        waits = turn(account, [i.pk for i in invoices])
        assert time.monotonic() - started < 0.5  # no worker waits for the company
    assert waits.again_in == undo.BUSY_RETRY_SECONDS
    assert waits.left == [i.pk for i in invoices] and waits.progress["done"] == 0
    assert all(record_for(i).state == "synced" for i in invoices)

    done = turn(account, waits.left, carry=waits.carry)  # the company is free again
    assert done.again_in is None and done.progress["removed"] == 3
    assert done.progress["finished"] and done.progress["failed"] == []


def test_the_task_puts_the_rest_back_on_the_bulk_queue_with_a_countdown(synced, monkeypatch):
    account, invoices = synced
    connection = QuickBooksConnection.objects.get(account=account)
    queued = []
    monkeypatch.setattr(tasks.undo_sync, "apply_async",
                        lambda args, **kwargs: queued.append((args, kwargs)))
    job = uuid.uuid4().hex
    with connection_lease(connection_id=connection.pk):
        tasks.undo_sync(connection.pk, job, [i.pk for i in invoices])
    [(args, kwargs)] = queued
    assert args[:3] == (connection.pk, job, [i.pk for i in invoices])
    assert kwargs == {"countdown": undo.BUSY_RETRY_SECONDS, "queue": "bulk"}
    assert args[3]["busy_since"] <= time.time()


def test_an_undo_whose_next_turn_cannot_be_queued_ends_saying_so(synced, client,
                                                                  monkeypatch):
    account, invoices = synced
    connection = QuickBooksConnection.objects.get(account=account)

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.undo_sync, "apply_async", broker_down)
    job = press_undo(client)["Location"].split("?undo=")[1]
    with connection_lease(connection_id=connection.pk):
        tasks.undo_sync(connection.pk, job, [i.pk for i in invoices])
    finished = UndoJob.objects.get(job=job)
    assert finished.finished and finished.failed == [
        "The background worker could not be reached, so nothing was deleted. Try Undo sync "
        "again in a minute."]
    assert "?undo=" in press_undo(client)["Location"]  # the next press goes


def test_an_undo_gives_up_once_its_company_has_been_busy_too_long(synced):
    account, invoices = synced
    connection = QuickBooksConnection.objects.get(account=account)
    busy_since = time.time() - undo.BUSY_GIVE_UP_SECONDS - 1
    with connection_lease(connection_id=connection.pk):
        result = turn(account, [i.pk for i in invoices], carry={"busy_since": busy_since})
    assert result.again_in is None and result.progress["removed"] == 0
    assert result.progress["failed"] == [
        f"Invoice {i.number} could not be removed: another sync kept QuickBooks busy for too "
        "long. Press Undo sync to try again." for i in invoices]


def test_an_undo_whose_request_budget_is_spent_goes_again_when_it_has_room(synced, settings):
    account, invoices = synced
    settings.QBO_REQUESTS_PER_MINUTE = 1
    budget.take(US_REALM)  # the minute's one request is spent
    result = turn(account, [i.pk for i in invoices])
    assert result.again_in > undo.BUDGET_MOMENT and result.progress["done"] == 0
    assert all(record_for(i).state == "synced" for i in invoices)
