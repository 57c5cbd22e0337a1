"""Turns at the bulk workers' threads, so that many companies' imports share them fairly.

A drain spends most of its time waiting: for its company's request budget, for QuickBooks'
answers. When more companies import at once than there are bulk worker threads, a drain that
kept its thread for its whole slice would keep the others queued behind it for a whole slice
while their own budgets stand unused. So every queued drain says when it wants a thread
(`wanted`, a column on its connection, cleared when a thread takes it), and a drain that
others wait behind is "crowded" (`others_waiting`): it sends a small chunk in batches only
and then goes back on the queue behind them (bulk.py). With nobody waiting, a drain keeps its
thread and uses both lanes, as before.

Once crowded, a drain stays so for `memory_seconds()` after it last saw another wait: paced
turns leave the queue empty most of the time, and a drain that then took its thread for a
whole slice would crowd the others out again. Its turn is QBO_CROWDED_TURN_BATCHES batch
requests, and the next is due when the company's batch budget's even pace (its minute's
limit spread over the minute) allows it: the companies' requests are spread evenly over the
time instead of all at the start, where they would queue for the same workers' CPU.

A wish whose message was lost (a broker outage) stops counting after STALE_SECONDS; the
sweeper queues that drain again anyway."""

from datetime import timedelta

from django.conf import settings
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


def turn_seconds(batches: int) -> float:
    """The even pace of a company's batch budget: the seconds `batches` batch requests take
    at its minute's limit."""
    return batches * 60.0 / settings.QBO_BATCHES_PER_MINUTE / settings.QBO_LIMITS_TIME_SCALE


def memory_seconds() -> float:
    """How long a drain stays crowded after it last saw another wait: a minute, or three
    turns' pace when that is longer."""
    return max(60.0, 3 * turn_seconds(settings.QBO_CROWDED_TURN_BATCHES))


def crowded(connection: QuickBooksConnection) -> bool:
    """Whether this company's drain takes short, paced turns: other drains wait for a thread
    now, or did within `memory_seconds()`."""
    now = timezone.now()
    if others_waiting(connection.pk):
        QuickBooksConnection.objects.filter(pk=connection.pk).update(crowded_seen_at=now)
        connection.crowded_seen_at = now
        return True
    seen = connection.crowded_seen_at
    return seen is not None and (now - seen).total_seconds() < memory_seconds()
