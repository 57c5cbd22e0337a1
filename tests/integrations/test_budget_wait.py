"""Waiting for our own request budget: not an attempt, not a retry, never left to the sweep."""

from unittest import mock

import pytest

from integrations import tasks
from integrations.models import SyncLog, SyncRecord
from integrations.qbo import budget, client
from integrations.services import sync
from tests.factories import make_invoice
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db


def spend_the_budget(settings, realm: str) -> None:
    settings.QBO_REQUESTS_PER_MINUTE = 1
    budget.take(realm)
    assert budget.wait_seconds(realm) > 0


def test_a_record_waiting_for_the_budget_is_not_attempted_and_shows_no_problem(
    sandbox, account_for, settings
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="B-1"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    calls = len(sandbox.api_calls())
    spend_the_budget(settings, US_REALM)
    outcome = sync.sync_record(record_id=record.pk)
    assert outcome.budget_wait and 0 < outcome.retry_after <= budget.longest_pause_seconds()
    record.refresh_from_db()
    assert (record.state, record.attempts, record.last_error) == ("needs_sync", 0, "")
    assert not SyncLog.objects.filter(record=record).exists()
    assert len(sandbox.api_calls()) == calls


def test_the_task_requeues_a_budget_wait_for_when_the_budget_has_room_without_using_a_retry(
    sandbox, account_for, settings
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="B-2"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    spend_the_budget(settings, US_REALM)
    with mock.patch.object(tasks.sync_record, "apply_async") as requeue, \
            mock.patch.object(tasks.sync_record, "retry") as retry:
        for retries in range(tasks.MAX_RETRIES + 3):  # far more waits than retries allowed
            tasks.sync_record.apply(args=[record.pk], retries=retries)
    assert retry.call_count == 0
    assert requeue.call_count == tasks.MAX_RETRIES + 3
    countdown = requeue.call_args.kwargs["countdown"]
    assert 0 < countdown <= budget.longest_pause_seconds() + tasks.BUDGET_JITTER
    assert requeue.call_args.args == ((record.pk,),)


def test_a_push_that_runs_out_of_budget_midway_waits_for_room_instead_of_failing(
    sandbox, account_for, settings, tmp_path, monkeypatch
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="B-3"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    clock = FakeClock()
    store = budget.FileStore(tmp_path / "slow-budget", clock=clock.time)
    monkeypatch.setattr(budget, "store", lambda: store)
    # two requests per 10 seconds: this push (look-ups, then customer, item and invoice
    # creates) needs several windows
    settings.QBO_REQUESTS_PER_MINUTE = 12
    with mock.patch.object(client.time, "sleep", side_effect=clock.sleep):
        outcome = sync.sync_record(record_id=record.pk)
    assert outcome.state == "synced"
    assert clock.slept and all(0 < s <= budget.longest_pause_seconds() for s in clock.slept)
    assert SyncRecord.objects.get(pk=record.pk).attempts == 1
    assert not SyncLog.objects.filter(record=record, outcome="retry").exists()


class FakeClock:
    """Time stands still until the code sleeps."""

    def __init__(self):
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
