"""Waiting for our own request budget: not an attempt, not a retry, never left to the sweep."""

from unittest import mock

import pytest

from integrations import tasks
from integrations.models import SyncLog, SyncRecord
from integrations.qbo import client
from integrations.services import sync
from tests.factories import make_invoice
from tests.integrations.conftest import US_REALM, send

pytestmark = pytest.mark.django_db


def spend_the_budget(realm: str) -> None:
    with mock.patch.object(client, "_window_budget", return_value=1):
        client._take_rate_limit_slot(realm)


def test_a_record_waiting_for_the_budget_is_not_attempted_and_shows_no_problem(
    sandbox, account_for, settings
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="B-1"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    calls = len(sandbox.api_calls())
    with mock.patch.object(client, "_window_budget", return_value=0):
        outcome = sync.sync_record(record_id=record.pk)
    assert outcome.budget_wait and 0 < outcome.retry_after <= client.RATE_WINDOW_SECONDS
    record.refresh_from_db()
    assert (record.state, record.attempts, record.last_error) == ("needs_sync", 0, "")
    assert not SyncLog.objects.filter(record=record).exists()
    assert len(sandbox.api_calls()) == calls


def test_the_task_requeues_a_budget_wait_for_when_the_budget_has_room_without_using_a_retry(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="B-2"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    with mock.patch.object(client, "_window_budget", return_value=0), \
            mock.patch.object(tasks.sync_record, "apply_async") as requeue, \
            mock.patch.object(tasks.sync_record, "retry") as retry:
        for retries in range(tasks.MAX_RETRIES + 3):  # far more waits than retries allowed
            tasks.sync_record.apply(args=[record.pk], retries=retries)
    assert retry.call_count == 0
    assert requeue.call_count == tasks.MAX_RETRIES + 3
    countdown = requeue.call_args.kwargs["countdown"]
    assert 0 < countdown <= client.RATE_WINDOW_SECONDS + tasks.BUDGET_JITTER
    assert requeue.call_args.args == ((record.pk,),)


def test_a_push_that_runs_out_of_budget_midway_waits_for_the_next_window_instead_of_failing(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="B-3"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    clock = FakeClock()
    # two requests a window: this push (look-ups, then customer, item and invoice creates)
    # needs several windows
    with mock.patch.object(client, "_window_budget", return_value=2), \
            mock.patch.object(client.time, "sleep", side_effect=clock.sleep), \
            mock.patch.object(client.time, "time", side_effect=clock.time):
        outcome = sync.sync_record(record_id=record.pk)
    assert outcome.state == "synced"
    assert clock.slept and all(0 < s <= client.RATE_WINDOW_SECONDS + 0.01 for s in clock.slept)
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
