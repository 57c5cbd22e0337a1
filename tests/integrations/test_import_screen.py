"""Import Invoices while a job runs: the progress says what is happening and how long is left,
rows that changed come back rendered, a summary stays when it ends, and the list filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import BulkSyncJob, QuickBooksConnection, SyncRecord
from integrations.qbo import budget
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox
from tests.sandbox_helpers import US_REALM, connect_through_consent_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting_import(sandbox, account_for, client):
    """Three invoices sent before connecting, imported: the job exists, nothing pushed yet."""
    account = account_for("US", US_REALM, connect=False)
    invoices = [make_invoice(account=account, number=f"IS-{n}", send=True) for n in range(3)]
    connect_through_consent_page(client, US_REALM)
    response = client.post("/import-invoices/sync/", {"all": "1"})
    job = BulkSyncJob.objects.get(account=account)
    assert response["Location"].endswith(f"?job={job.pk}")
    return account, invoices, job


def progress(client, job, since=None):
    params = {"since": since} if since else {}
    return client.get(f"/import-invoices/jobs/{job.pk}/", params).json()


def test_progress_says_it_is_starting_then_how_long_is_left(waiting_import, client):
    _account, invoices, job = waiting_import
    first = progress(client, job)
    assert first["done"] == 0 and first["activity"].startswith("Starting")
    assert first["eta_seconds"] is None  # nothing done yet: no guess

    BulkSyncJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=30))
    SyncRecord.objects.filter(invoice=invoices[0]).update(state="synced")
    later = progress(client, job)
    assert later["done"] == 1 and later["activity"] == "Sending invoices to QuickBooks."
    assert 50 <= later["eta_seconds"] <= 70  # 2 left at 30 s each


def test_progress_says_when_it_waits_for_quickbooks_limit(waiting_import, client, settings):
    _account, _invoices, job = waiting_import
    settings.QBO_BATCHES_PER_MINUTE = 1
    assert budget.take(US_REALM, batch=True) == 0  # the minute's one batch is spent
    answer = progress(client, job)
    assert answer["activity"].startswith("Waiting for QuickBooks' limit of 40 batch requests")
    assert "going on in about" in answer["activity"]


def test_progress_says_why_it_is_paused(waiting_import, client):
    account, _invoices, job = waiting_import
    QuickBooksConnection.objects.filter(account=account).update(
        status="needs_reconnect", status_reason="QuickBooks no longer accepts this connection.")
    answer = progress(client, job)
    assert answer["activity"] == "Paused: QuickBooks no longer accepts this connection."
    assert answer["eta_seconds"] is None


def test_rows_that_changed_come_back_rendered_and_the_summary_stays(waiting_import, client):
    account, invoices, job = waiting_import
    since = progress(client, job)["now"]
    run_outbox(account)
    answer = progress(client, job, since)
    assert answer["finished"] and answer["activity"] == "Done: 3 synced."
    assert set(answer["cells"]) == {str(i.pk) for i in invoices}
    assert all("View Invoice in QuickBooks" in html for html in answer["cells"].values())
    quiet = progress(client, job, answer["now"])
    assert "cells" not in quiet  # nothing changed since the last answer

    page = client.get(f"/import-invoices/?job={job.pk}").content.decode()
    assert "Sync of 3 invoices finished" in page and "Done: 3 synced." in page


def test_the_list_filters_by_state(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    synced = make_invoice(account=account, number="F-SYNCED", send=True)
    run_outbox(account)
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() + timedelta(days=1))
    waiting = make_invoice(account=account, number="F-WAITING", send=True)
    blocked = make_invoice(account=account, number="F-BLOCKED", send=True)
    SyncRecord.objects.create(account=account, realm_id=US_REALM, key=f"invoice:{blocked.pk}",
                              kind="invoice", invoice=blocked, state="blocked",
                              last_error="Blocked for the test.")

    def numbers(state):
        page = client.get("/import-invoices/", {"state": state}).content.decode()
        return {n for n in ("F-SYNCED", "F-WAITING", "F-BLOCKED") if f">{n}<" in page}

    assert numbers("") == {"F-SYNCED", "F-WAITING", "F-BLOCKED"}
    assert numbers("synced") == {"F-SYNCED"}
    assert numbers("needs_sync") == {"F-WAITING"}
    assert numbers("blocked") == numbers("problems") == {"F-BLOCKED"}
    assert numbers("failed") == set()
    assert synced.pk and waiting.pk


def test_sync_problems_lists_what_needs_someone_now_and_retries_it(
    sandbox, account_for, client
):
    """Blocked, failed and paused records are listed with their sentence and a link; a
    record that synced, or one only waiting for the budget, is not; Retry puts one back."""
    from unittest import mock

    from integrations import tasks

    account = account_for("US", US_REALM)
    fine = make_invoice(account=account, number="P-FINE", send=True)
    run_outbox(account)
    stuck = make_invoice(account=account, number="P-STUCK", send=True)
    waiting = make_invoice(account=account, number="P-WAIT", send=True)
    SyncRecord.objects.filter(invoice=stuck).update(state="blocked",
                                                    last_error="Blocked for the test.")
    SyncRecord.objects.filter(invoice=waiting).update(
        state="needs_sync", last_error="Waiting a few seconds to stay under QuickBooks' limit")

    page = client.get("/settings/integrations/").content.decode()
    assert "Sync problems" in page and "Invoice P-STUCK" in page
    assert "Blocked for the test." in page
    assert "P-FINE" not in page and "P-WAIT" not in page
    assert fine.pk

    record = SyncRecord.objects.get(invoice=stuck)
    with mock.patch.object(tasks.sync_record, "delay") as delay, \
            mock.patch("django.db.transaction.on_commit", side_effect=lambda f: f()):
        response = client.post("/integrations/quickbooks/retry/", {"record": record.pk})
    assert response.status_code == 302
    delay.assert_called_once_with(record.pk)
    record.refresh_from_db()
    assert record.state == "needs_sync"
    assert "Sync problems" not in client.get("/settings/integrations/").content.decode()


def test_retry_is_scoped_to_the_signed_in_account(sandbox, account_for, client):
    other = account_for("US", US_REALM)
    theirs = make_invoice(account=other, number="THEIRS", send=True)
    SyncRecord.objects.filter(invoice=theirs).update(state="failed", last_error="x")
    account_for("CA", "9341453108260002")  # the client now signs in as someone else
    client.post("/integrations/quickbooks/retry/", {"record": SyncRecord.objects.get(
        invoice=theirs).pk})
    assert SyncRecord.objects.get(invoice=theirs).state == "failed"


def test_search_sort_page_size_and_sync_all_shown(sandbox, account_for, client):
    from unittest import mock

    from integrations import tasks

    account = account_for("US", US_REALM)
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() + timedelta(days=1))  # sends wait for Import
    for n in range(30):
        make_invoice(account=account, number=f"{'WED' if n % 3 == 0 else 'POR'}-{n:02d}",
                     send=True)
    page = client.get("/import-invoices/", {"q": "wed", "per_page": "25"}).content.decode()
    assert page.count('data-invoice="') == 10 and "POR-" not in page
    assert "Sync all 10 shown that need it" in page
    first = client.get("/import-invoices/", {"sort": "number", "per_page": "25"}).content
    assert first.decode().index(">POR-01<") < first.decode().index(">POR-02<")

    with mock.patch.object(tasks, "queue_drain"):
        client.post("/import-invoices/sync/", {"matching": "1", "q": "wed", "state": ""})
    job = BulkSyncJob.objects.get(account=account)
    assert len(job.invoice_ids) == 10  # all the search found, across pages, and no others
    assert SyncRecord.objects.filter(account=account, kind="invoice").count() == 10


def test_the_sync_history_lists_every_attempt_with_filters(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    make_invoice(account=account, number="H-1", send=True)
    run_outbox(account)
    page = client.get("/settings/integrations/history/").content.decode()
    assert "Invoice H-1" in page and "badge-synced" in page
    assert "Invoice H-1" not in client.get("/settings/integrations/history/",
                                           {"outcome": "failed"}).content.decode()
    assert "Invoice H-1" in client.get("/settings/integrations/history/",
                                       {"q": "H-1", "kind": "invoice"}).content.decode()
    account_for("CA", "9341453108260002")  # another account sees none of it
    assert "Invoice H-1" not in client.get("/settings/integrations/history/").content.decode()
