"""Turns at the bulk workers' threads, so that many companies' imports share them fairly.

A drain spends most of its time waiting: for its company's request budget, for QuickBooks'
answers. When more companies import at once than there are bulk worker threads, a drain that
kept its thread for its whole slice would keep the others queued behind it for a whole slice
while their own budgets stand unused. So every queued drain says when it wants a thread
(`wanted`, a column on its connection, cleared when a thread takes it), and a drain that
others wait behind is "crowded" (`others_waiting`): it sends a small chunk in batches only
and then goes back on the queue behind them (bulk.py). With nobody waiting, a drain keeps its
thread and uses both lanes, as before.

A wish whose message was lost (a broker outage) stops counting after STALE_SECONDS; the
sweeper queues that drain again anyway."""

from datetime import timedelta

from django.utils import timezone

from ..models import QuickBooksConnection

STALE_SECONDS = 600


def wanted(connection_id: int, *, countdown: float = 0.0) -> None:
    """A drain of this company is queued to start in `countdown` seconds."""
    due = timezone.now() + timedelta(seconds=max(0.0, countdown))
    QuickBooksConnection.objects.filter(pk=connection_id).update(drain_wanted_at=due)


def taken(connection_id: int) -> None:
    """A worker thread has started this company's drain."""
    QuickBooksConnection.objects.filter(pk=connection_id).update(drain_wanted_at=None)


def others_waiting(connection_id: int) -> int:
    """How many other companies' drains are due and wait for a worker thread."""
    now = timezone.now()
    return (QuickBooksConnection.objects
            .filter(drain_wanted_at__lte=now,
                    drain_wanted_at__gt=now - timedelta(seconds=STALE_SECONDS))
            .exclude(pk=connection_id).count())
