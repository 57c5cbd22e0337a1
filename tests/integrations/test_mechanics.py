from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import BulkSyncJob, QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import sync
from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db


def test_a_503_is_retried_not_recorded_as_the_users_error(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="R-1"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    sandbox.control("POST", "faults", json={"responses": [{"status": 503}]})
    outcome = sync.sync_record(record_id=record.pk)
    assert outcome.retryable and outcome.state == "needs_sync"
    assert SyncLog.objects.filter(record=record, outcome="retry").exists()
    assert sync.sync_record(record_id=record.pk).state == "synced"


def test_a_429_carries_retry_after_to_the_task(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="R-2"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    sandbox.control("POST", "faults", json={"responses": [{"status": 429, "retry_after": 7}]})
    outcome = sync.sync_record(record_id=record.pk)
    assert outcome.retryable and outcome.retry_after == 7
    with mock.patch.object(tasks.sync_record, "retry", side_effect=RuntimeError) as retry:
        SyncRecord.objects.filter(pk=record.pk).update(state="needs_sync")
        sandbox.control("POST", "faults", json={"responses": [{"status": 429, "retry_after": 7}]})
        with pytest.raises(RuntimeError):
            tasks.sync_record.apply(args=[record.pk], throw=True)
    assert retry.call_args.kwargs["countdown"] == 7


def test_the_sweep_re_enqueues_records_left_waiting_or_stuck(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    SyncRecord.objects.filter(pk=record.pk).update(
        state="syncing", state_changed_at=timezone.now() - timedelta(minutes=30))
    with mock.patch.object(tasks, "queue_drain") as delay:
        assert tasks.sweep_outbox() == 1
    delay.assert_called_once_with(QuickBooksConnection.objects.get(account=account).pk)
    assert SyncRecord.objects.get(pk=record.pk).state == "needs_sync"


def test_recheck_settings_reads_quickbooks_again(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": False})
    client.post("/integrations/quickbooks/recheck/")
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.settings_snapshot["custom_txn_numbers"] is False
    page = client.get("/settings/integrations/").content.decode()
    assert "turn on “Custom transaction numbers”" in page


def test_import_progress_counts_synced_blocked_and_failed(sandbox, account_for, client):
    account = account_for("US", US_REALM, connect=False)
    one = make_invoice(account=account, number="I-1", send=True)
    two = make_invoice(account=account, number="I-2", send=True)
    from tests.sandbox_helpers import connect_through_consent_page

    connect_through_consent_page(client, US_REALM)
    response = client.post("/import-invoices/sync/", {"all": "1"})
    job = BulkSyncJob.objects.get(account=account)
    assert sorted(job.invoice_ids) == sorted([one.pk, two.pk])
    assert client.get(f"/import-invoices/jobs/{job.pk}/").json()["done"] == 0
    run_outbox(account)
    progress = client.get(f"/import-invoices/jobs/{job.pk}/").json()
    figures = {key: progress[key] for key in ("total", "done", "synced", "failed", "blocked",
                                              "finished", "percent")}
    assert figures == {"total": 2, "done": 2, "synced": 2, "failed": 0, "blocked": 0,
                       "finished": True, "percent": 100}
    assert response.status_code == 302


def test_another_accounts_job_and_invoice_are_404(sandbox, account_for, client):
    other = make_account()
    job = BulkSyncJob.objects.create(account=other, invoice_ids=[])
    invoice = make_invoice(account=other, send=True)
    client.force_login(make_user(account=make_account()))
    assert client.get(f"/import-invoices/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/invoices/{invoice.pk}/sync/").status_code == 404


def test_a_needs_sync_record_waits_while_disconnected(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account))
    client.post("/integrations/quickbooks/disconnect/")
    run_outbox(account)
    assert SyncRecord.objects.get(key=f"invoice:{invoice.pk}").state == "needs_sync"


def test_sync_all_leaves_out_invoices_already_synced(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    synced = make_invoice(account=account, number="SA-1", send=True)
    run_outbox(account)
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() + timedelta(days=1))  # later sends wait for Import
    waiting = make_invoice(account=account, number="SA-2", send=True)
    client.post("/import-invoices/sync/", {"all": "1"})
    job = BulkSyncJob.objects.get(account=account)
    assert job.invoice_ids == [waiting.pk]
    assert SyncRecord.objects.get(key=f"invoice:{synced.pk}").state == "synced"


def test_a_task_for_a_record_that_no_longer_exists_does_nothing(db):
    assert sync.sync_record(record_id=987654).message == "Nothing to sync any more."


def test_a_drain_whose_connection_is_gone_does_nothing(db):
    assert tasks.drain_company(987654) == 0


def test_a_refused_write_goes_again_under_a_new_requestid_and_a_lost_one_under_the_same(
    sandbox, account_for, monkeypatch
):
    """QuickBooks answers a repeated requestid with its first answer: after a refusal (the
    cause fixed since, e.g. in QuickBooks' settings) the same payload needs a new one; after
    a lost answer it must keep the old one, so the write is applied once."""
    from integrations.qbo.client import QboClient
    from integrations.qbo.errors import QboFault, QboUnavailable
    from integrations.services import imports

    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="RQ-1"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    real_create = QboClient.create
    seen = []

    def refuse_then_lose_twice(self, entity, payload, *, request_id):
        if entity != "Invoice":
            return real_create(self, entity, payload, request_id=request_id)
        seen.append(request_id)
        if len(seen) == 1:
            raise QboFault("refused", code="6000")
        if len(seen) <= 3:
            raise QboUnavailable("no answer")
        return real_create(self, entity, payload, request_id=request_id)

    monkeypatch.setattr(QboClient, "create", refuse_then_lose_twice)
    sync.sync_record(record_id=record.pk)  # refused
    imports.retry(connection=QuickBooksConnection.objects.get(account=account),
                  records=SyncRecord.objects.filter(pk=record.pk))  # the owner presses Retry
    for _ in range(2):
        assert sync.sync_record(record_id=record.pk).retryable  # no answer: goes again
    record.refresh_from_db()
    assert record.pending_request_id == seen[2]  # kept for the next attempt

    assert sync.sync_record(record_id=record.pk).state == "synced"
    assert seen[0] != seen[1] and seen[1] == seen[2] == seen[3]
    writes = [c for c in sandbox.api_calls("/invoice") if c.request.method == "POST"]
    assert [f"requestid={seen[3]}" in c.request.url for c in writes] == [True]
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["RQ-1"]
