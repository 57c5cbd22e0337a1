"""Turns at the bulk workers' threads: while other companies' drains wait for one, a drain
sends a small chunk in batches only and goes back on the queue behind them; with nobody
waiting it keeps its thread and both lanes. Nothing is made twice, nothing is left."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.qbo import budget
from integrations.services import bulk, turns
from tests.integrations.test_bulk import import_all, waiting_studio
from tests.integrations.test_two_lanes import assert_each_once, single_writes
from tests.sandbox_helpers import CA_REALM, US_REALM

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_company(account_for):
    """Another connected company, whose drain is queued and waits for a thread."""
    account = account_for("CA", CA_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    turns.wanted(connection.pk)
    return connection


def drain_once(account, since) -> bulk.DrainResult:
    connection = QuickBooksConnection.objects.get(account=account)
    return bulk.drain_company(connection_id=connection.pk, since=since)


def test_a_wish_counts_for_the_others_until_a_thread_takes_it(sandbox, account_for,
                                                               other_company):
    ca = other_company
    us = QuickBooksConnection.objects.get(account=account_for("US", US_REALM))
    turns.taken(ca.pk)
    assert turns.others_waiting(us.pk) == 0
    turns.wanted(ca.pk)
    assert (turns.others_waiting(us.pk), turns.others_waiting(ca.pk)) == (1, 0)
    turns.taken(ca.pk)
    assert turns.others_waiting(us.pk) == 0
    turns.wanted(ca.pk, countdown=30)  # not due yet: it waits for its time, not a thread
    assert turns.others_waiting(us.pk) == 0
    QuickBooksConnection.objects.filter(pk=ca.pk).update(
        drain_wanted_at=timezone.now() - timedelta(seconds=turns.STALE_SECONDS + 1))
    assert turns.others_waiting(us.pk) == 0  # its message was lost: the sweeper queues it


def test_the_task_says_when_it_wants_a_thread_and_when_it_has_one(sandbox, account_for):
    connection = QuickBooksConnection.objects.get(account=account_for("CA", CA_REALM))
    with mock.patch.object(tasks.drain_company, "apply_async") as queued:
        tasks.queue_drain(connection.pk, countdown=4)
    queued.assert_called_once()
    connection.refresh_from_db()
    assert connection.drain_wanted_at > timezone.now() + timedelta(seconds=3)

    again = bulk.DrainResult(more=True, retry_after=0.0)
    with mock.patch.object(bulk, "drain_company", return_value=again) as drain, \
            mock.patch.object(tasks.drain_company, "apply_async") as queued:
        QuickBooksConnection.objects.filter(pk=connection.pk).update(drain_wanted_at=None)
        tasks.drain_company(connection.pk)
        assert drain.call_count == 1
    queued.assert_called_once()  # more to do: back on the queue, wanting a thread again
    connection.refresh_from_db()
    assert connection.drain_wanted_at <= timezone.now()


def test_crowded_a_drain_sends_what_its_budget_allows_then_gives_its_thread_back(
    sandbox, account_for, other_company, settings
):
    settings.QBO_BATCHES_PER_MINUTE = 18  # three batch requests in any 10 seconds
    account, _ = waiting_studio(account_for, 130, contacts=6, products=3, paid=10)
    sandbox.rsps.calls.reset()
    import_all(account)
    since = timezone.now()

    first = drain_once(account, since)

    # Room for 3 batches: a chunk of 90 invoices; customers and items took one of the 3,
    # so 30 invoices wait, unsent, for the budget (not for a one-by-one push).
    assert first.more and first.retry_after > 1
    assert len(sandbox.api_calls("/batch")) == 3
    synced = SyncRecord.objects.filter(account=account, kind="invoice", state="synced")
    assert synced.count() == 60
    assert single_writes(sandbox, "Invoice") == []  # batches only
    assert not SyncRecord.objects.filter(account=account, state="syncing").exists()

    results = [first]
    while results[-1].more:
        assert len(results) < 12, "the drain never finished"
        if results[-1].retry_after:
            budget.clear()  # the wait it was queued for
        results.append(drain_once(account, since))
    assert max(len(sandbox.api_calls("/batch")), 1) <= 3 * len(results)  # a small turn each
    assert single_writes(sandbox, "Invoice") == [] and single_writes(sandbox, "Payment") == []
    assert_each_once(sandbox, account)


def test_with_nobody_waiting_a_drain_keeps_its_thread(sandbox, account_for):
    account, _ = waiting_studio(account_for, 130, contacts=6, products=3, paid=10)
    import_all(account)

    result = drain_once(account, timezone.now())

    assert not result.more
    assert_each_once(sandbox, account)


def test_crowded_a_drain_whose_budget_is_spent_waits_off_its_thread(
    sandbox, account_for, other_company, settings
):
    account, _ = waiting_studio(account_for, 40, contacts=3, products=2)
    import_all(account)
    realm = QuickBooksConnection.objects.get(account=account).realm_id
    while budget.batches_free(realm):
        assert budget.take(realm, batch=True) == 0
    sandbox.rsps.calls.reset()

    result = drain_once(account, timezone.now())

    assert result.more and result.retry_after > 1  # queued for when the budget has room
    assert sandbox.api_calls("/batch") == [] and single_writes(sandbox, "Invoice") == []
    assert set(SyncRecord.objects.filter(account=account, kind="invoice")
               .values_list("state", flat=True)) == {"needs_sync"}


def test_a_crowded_send_that_would_wait_for_the_budget_leaves_the_rest_unsent(
    sandbox, account_for, other_company, settings
):
    """Room for two batch requests: customers and items, then one batch of invoices; the
    second waits, unsent, for the drain's next turn (not for a one-by-one push)."""
    account, _ = waiting_studio(account_for, 60, contacts=3, products=2)
    import_all(account)
    realm = QuickBooksConnection.objects.get(account=account).realm_id
    while budget.batches_free(realm) > 2:
        assert budget.take(realm, batch=True) == 0
    sandbox.rsps.calls.reset()
    since = timezone.now()

    result = drain_once(account, since)

    assert result.more and result.retry_after > 1
    assert len(sandbox.api_calls("/batch")) == 2
    states = list(SyncRecord.objects.filter(account=account, kind="invoice")
                  .values_list("state", flat=True))
    assert (states.count("synced"), states.count("needs_sync")) == (30, 30)
    assert single_writes(sandbox, "Invoice") == []
    budget.clear()
    while drain_once(account, since).more:
        pass
    assert_each_once(sandbox, account)


def test_a_drain_that_saw_others_wait_stays_crowded_for_a_while(sandbox, account_for,
                                                                 other_company):
    us = QuickBooksConnection.objects.get(account=account_for("US", US_REALM))
    assert turns.crowded(us)  # the other company waits now
    turns.taken(other_company.pk)
    us = QuickBooksConnection.objects.get(pk=us.pk)
    assert turns.crowded(us)  # nobody waits, but a moment ago somebody did
    QuickBooksConnection.objects.filter(pk=us.pk).update(
        crowded_seen_at=timezone.now() - timedelta(seconds=turns.memory_seconds() + 1))
    assert not turns.crowded(QuickBooksConnection.objects.get(pk=us.pk))


def test_crowded_turns_are_due_at_the_budgets_even_pace(sandbox, account_for, other_company,
                                                        settings):
    """A turn of two batches of invoices after one of customers and items, at 38 batch
    requests a minute: the next turn is due about 4.7 s after this one began."""
    account, _ = waiting_studio(account_for, 90, contacts=3, products=2)
    import_all(account)

    result = drain_once(account, timezone.now())

    assert result.more
    assert turns.turn_seconds(3) - 2 < result.retry_after <= turns.turn_seconds(3)
    assert SyncRecord.objects.filter(account=account, kind="invoice",
                                     state="synced").count() == 60


def concurrency_of(monkeypatch) -> list[int]:
    """Track the most requests a drain's sender has out at once."""
    from integrations.services.batches import BatchSender

    original, lock, now, most = BatchSender._post, threading.Lock(), [0], [0]

    def post(self, batch, *, counted):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        try:
            time.sleep(0.05)  # long enough for the others to be sent meanwhile
            return original(self, batch, counted=counted)
        finally:
            with lock:
                now[0] -= 1

    monkeypatch.setattr(BatchSender, "_post", post)
    return most


def test_a_crowded_turn_has_at_most_its_share_in_flight(sandbox, account_for, other_company,
                                                        settings, monkeypatch):
    settings.QBO_CROWDED_TURN_BATCHES = 6
    account, _ = waiting_studio(account_for, 180, contacts=3, products=2)
    import_all(account)
    most = concurrency_of(monkeypatch)

    drain_once(account, timezone.now())

    assert most[0] == settings.QBO_CROWDED_IN_FLIGHT == 2


def test_with_nobody_waiting_a_drain_sends_more_at_once(sandbox, account_for, monkeypatch):
    account, _ = waiting_studio(account_for, 180, contacts=3, products=2)
    import_all(account)
    most = concurrency_of(monkeypatch)

    drain_once(account, timezone.now())

    assert most[0] > 2
