"""Celery tasks, a few lines each calling one service, with their retries and backoff; and the
receivers that queue them when a service signals work (`records_waiting`, `backlog_waiting`,
`undo_requested`), so no service imports this module. A broker that cannot be reached never
fails what the person did: the outbox sweep queues it later.
"""

import logging
import random
from datetime import datetime

from celery import shared_task
from celery.signals import beat_init, worker_ready
from django.db import DatabaseError
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import QuickBooksConnection
from .qbo.errors import QboError
from .services import bulk, company_status, outbox_sweep, sync, turns
from .services.outbox import backlog_waiting, records_waiting
from .services.reconcile import report_requested
from .services.undo import undo_requested

logger = logging.getLogger(__name__)
MAX_RETRIES = 6
BUDGET_JITTER = 1.0  # seconds


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def sync_record(self, record_id: int) -> str:
    try:
        outcome = sync.sync_record(record_id=record_id)
    except DatabaseError as error:  # e.g. a dropped connection: the record is retried
        raise self.retry(exc=error, countdown=min(600, 5 * 2**self.request.retries)) from error
    if outcome.budget_wait:
        # Only the request budget is in the way: go again the moment it has room. This is
        # not a retry (it must never run out and leave the record to the sweep); a little
        # jitter keeps a whole import from waking in the same millisecond.
        sync_record.apply_async(
            (record_id,), countdown=outcome.retry_after + random.uniform(0, BUDGET_JITTER),
            retries=self.request.retries,
        )
        return outcome.state
    if outcome.retryable:
        if self.request.retries >= MAX_RETRIES:
            logger.warning("Giving up on record %s for now; the sweep retries it", record_id)
            return outcome.state
        # Honour Retry-After when QuickBooks sends it; otherwise back off exponentially.
        raise self.retry(countdown=outcome.retry_after or min(600, 5 * 2**self.request.retries))
    return outcome.state


@shared_task(acks_late=True)
def drain_company(connection_id: int, since: str | None = None) -> int:
    """Push a company's backlog in batches for a while, then queue the rest behind the other
    companies' turns (the "bulk" queue, so a person's invoice never waits behind it)."""
    started = datetime.fromisoformat(since) if since else timezone.now()
    turns.taken(connection_id)
    result = bulk.drain_company(connection_id=connection_id, since=started)
    if result.more:
        queue_drain(connection_id, since=started, countdown=result.retry_after)
    return result.synced


def queue_drain(connection_id: int, *, since: datetime | None = None,
                countdown: float = 0.0) -> None:
    """Queue a company's drain, saying first that it wants a thread (services/turns.py)."""
    turns.wanted(connection_id, countdown=countdown)
    drain_company.apply_async((connection_id, since.isoformat() if since else None),
                              countdown=countdown or None)


@shared_task
def sweep_outbox() -> int:
    """Beat: drain again the companies whose records were left waiting (a broker outage, a
    lost batch answer) or stuck syncing (a killed worker); push their refunds and fees again.
    What counts as left behind is decided in services/outbox_sweep.py."""
    swept = outbox_sweep.sweep_invoices_and_payments()
    for connection_id in swept.drain_ids:
        queue_drain(connection_id)
    followers = outbox_sweep.sweep_payment_followers(realms=swept.realms, now=swept.now)
    for record_id in followers.push_ids:
        sync_record.delay(record_id)
    for connection_id in company_status.connections_to_probe():
        probe_company_writes.delay(connection_id)
    return swept.count + followers.count


@shared_task(acks_late=True)
def probe_company_writes(connection_id: int) -> bool:
    """One push to a company that refused writes: does QuickBooks accept them again?"""
    connection = QuickBooksConnection.objects.filter(pk=connection_id).first()
    return connection is not None and company_status.connection_probe_writes(
        connection=connection)


# The records are saved (the outbox) before anything is queued: when the broker cannot be
# reached, what the person did still succeeds and the sweeper queues the records later.
BROKER_DOWN = (OperationalError, OSError)


@receiver(records_waiting, dispatch_uid="integrations.queue_waiting_records")
def queue_waiting_records(sender, record_ids: list[int], **kwargs) -> None:
    try:
        for record_id in record_ids:
            sync_record.delay(record_id)
    except BROKER_DOWN as error:
        logger.warning("The broker is unreachable (%s); the sweeper will queue records %s",
                       error, record_ids)


@receiver(backlog_waiting, dispatch_uid="integrations.queue_backlog")
def queue_backlog(sender, connection_id: int, **kwargs) -> None:
    try:
        queue_drain(connection_id)
    except BROKER_DOWN as error:
        logger.warning("The broker is unreachable (%s); the sweeper will drain connection %s",
                       error, connection_id)


@shared_task(acks_late=True)
def undo_sync(connection_id: int, job: str, invoice_ids: list[int],
              carry: dict | None = None) -> int:
    """Import Invoices' "Undo sync": delete the invoices from QuickBooks, one at a time (the
    "bulk" queue), a turn at a time: when the company is busy (or its budget spent) the rest
    goes back on the queue for later, so no worker waits for one company. Re-running it after
    a lost worker is safe: each object is read first."""
    from .services import undo

    turn = undo.undo_turn(connection_id=connection_id, job=job, invoice_ids=invoice_ids,
                          carry=carry)
    if turn.again_in is not None:
        try:
            undo_sync.apply_async((connection_id, job, turn.left, turn.carry),
                                  countdown=turn.again_in, queue="bulk")
        except BROKER_DOWN as error:
            logger.warning("The broker is unreachable (%s); undo %s stops here", error, job)
            undo.undo_not_started(connection_id=connection_id, job=job)
    return turn.progress["removed"]


@receiver(undo_requested, dispatch_uid="integrations.queue_undo")
def queue_undo(sender, connection_id: int, job: str, invoice_ids: list[int], **kwargs) -> None:
    try:
        undo_sync.apply_async((connection_id, job, invoice_ids), queue="bulk")
    except BROKER_DOWN as error:
        from .services import undo

        logger.warning("The broker is unreachable (%s); undo %s not started", error, job)
        undo.undo_not_started(connection_id=connection_id, job=job)


@shared_task
def reconcile_account(report_id: int) -> int:
    """"Check QuickBooks matches hatsync" from the Integrations page: fills in the report the
    page created (it shows "Checking…" until then)."""
    from .services import reconcile

    return reconcile.run_report(report_id=report_id)


@receiver(report_requested, dispatch_uid="integrations.queue_reconcile")
def queue_reconcile(sender, report_id: int, **kwargs) -> None:
    reconcile_account.delay(report_id)


# --- changes made in QuickBooks -----------------------------------------------------------
def _retry_later(task, error: QboError) -> None:
    """Throttled or unreachable: go again later. Anything else is left to change data
    capture: the caller marks the gap, and the next tick reads the same objects again."""
    if error.retryable and task.request.retries < MAX_RETRIES:
        raise task.retry(countdown=getattr(error, "retry_after", None)
                         or min(600, 5 * 2**task.request.retries)) from error
    logger.warning("Changes from QuickBooks not read now (%s); the catch-up reads them",
                   error.message)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def process_webhook(self, events: list[dict]) -> int:
    """The changes a QuickBooks webhook announced (the view answered at once)."""
    from .services import inbound

    try:
        return inbound.process_events(events=events)
    except DatabaseError as error:
        if self.request.retries >= MAX_RETRIES:
            _gap(events)
        raise self.retry(exc=error, countdown=min(600, 5 * 2**self.request.retries)) from error
    except QboError as error:
        _retry_later(self, error)
        _gap(events)  # given up on: the catch-up reads them at the next tick
        return 0


def _gap(events: list[dict] | None) -> None:
    """Changes of these companies (every one: None) may be missed: a CDC at the next tick.
    Never fails the caller (the database may be what is down)."""
    from .services import inbound

    try:
        inbound.mark_gap(events=events)
    except DatabaseError as error:
        logger.warning("Could not note a gap in the changes from QuickBooks (%s); the daily "
                       "catch-up reads them", error)


def queue_webhook(events: list[dict]) -> bool:
    """Hand a webhook's events to the worker. False when the broker is unreachable: the
    delivery is still acknowledged (change data capture brings the changes in later)."""
    try:
        # No publish retries: Intuit waits 3 seconds at most for the answer.
        process_webhook.apply_async((events,), retry=False)
    except BROKER_DOWN as error:
        logger.warning("The broker is unreachable (%s); %d QuickBooks event(s) wait for the "
                       "catch-up", error, len(events))
        _gap(events)
        return False
    return True


@shared_task
def catch_up_changes() -> int:
    """Beat, every QBO_CDC_TICK_SECONDS: queue change data capture for the connected
    companies it is due for (rules.cdc_due; the tick itself calls no QuickBooks)."""
    from .services import inbound

    now = timezone.now()
    ids = inbound.connections_due_for_cdc(now=now)
    for connection_id in ids:
        catch_up_company.delay(connection_id, now.isoformat())
    return len(ids)


@worker_ready.connect(dispatch_uid="integrations.cdc_after_worker_start")
@beat_init.connect(dispatch_uid="integrations.cdc_after_beat_start")
def catch_up_after_a_restart(sender=None, **kwargs) -> None:
    """A worker or beat (re)started: webhooks may have been lost meanwhile (a delivery taken
    and not processed, a tick missed), so every connected company gets a CDC at the next
    tick."""
    _gap(None)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def catch_up_company(self, connection_id: int, queued_at: str | None = None) -> int:
    """One company's change data capture; none when one started after this was queued (a
    busy queue: the next tick queued it again)."""
    from .services import inbound

    try:
        return inbound.catch_up(connection_id=connection_id, queued_at=(
            datetime.fromisoformat(queued_at) if queued_at else None))
    except QboError as error:
        _retry_later(self, error)
        return 0
