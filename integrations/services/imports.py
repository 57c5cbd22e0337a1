"""Import Invoices: queue many invoices at once and report progress."""

import math
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from invoices.models import Account, Invoice, User

from .. import rules
from ..models import BulkSyncJob, QuickBooksConnection, SyncRecord
from ..qbo import budget
from ..qbo.errors import QboAuthError
from .inbound import recreate_deleted
from .outbox import enqueue, mark_many_needs_sync, paused_reason, queue_backlog
from .running import IMPORT, one_at_a_time

State = SyncRecord.State
Kind = SyncRecord.Kind
MARK_CHUNK = 1000


def sync_many(*, account: Account, user: User | None, invoice_ids: list[int],
              first_ids: list[int] | None = None) -> BulkSyncJob:
    """Import Invoices: queue the chosen sent invoices (drafts and void ones are skipped).
    The company is then drained in batches (bulk.py), not one task per invoice; `first_ids`
    (the invoices on the screen) go first, so the rows the person watches change first."""
    connection = QuickBooksConnection.objects.get(account=account)
    if not connection.is_connected:
        raise QboAuthError(connection.status_reason or "Connect to QuickBooks first.")
    invoices = Invoice.objects.filter(account=account, pk__in=invoice_ids).exclude(
        status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]
    )
    chosen = list(invoices.order_by("issue_date", "pk").values_list("pk", flat=True))
    with transaction.atomic():
        recreate_deleted(connection=connection, invoice_ids=chosen)  # deleted in QuickBooks
        for start in range(0, len(chosen), MARK_CHUNK):
            chunk = chosen[start:start + MARK_CHUNK]
            mark_many_needs_sync(connection=connection, invoice_ids=chunk)
        wanted = set(chosen)
        _put_first(connection, [pk for pk in first_ids or [] if pk in wanted])
        job = BulkSyncJob.objects.create(account=account, created_by=user, invoice_ids=chosen)
        if chosen:
            queue_backlog(connection)
    return job


def import_start(*, account: Account, user: User | None, invoice_ids: list[int],
                 first_ids: list[int] | None = None) -> BulkSyncJob:
    """Import Invoices' Sync: `sync_many`, unless the account's import, undo or check runs
    (raises AlreadyRunning; running.py), so one account never queues drain after drain."""
    with one_at_a_time(account=account, pressed=IMPORT):
        return sync_many(account=account, user=user, invoice_ids=invoice_ids,
                         first_ids=first_ids)


def _put_first(connection: QuickBooksConnection, invoice_ids: list[int]) -> None:
    """Only the latest screen goes first: an earlier sync's rows lose their place."""
    records = SyncRecord.objects.filter(account_id=connection.account_id,
                                        realm_id=connection.realm_id, kind=Kind.INVOICE)
    records.filter(priority__gt=0).update(priority=0)
    if invoice_ids:
        records.filter(invoice_id__in=invoice_ids).update(priority=1)


def bulk_job_progress(job: BulkSyncJob, *, changed_since: datetime | None = None) -> dict:
    """Where an import stands, in figures and in a sentence that says what is happening now
    (sending, waiting for QuickBooks' limit and for how long, paused and why), with an
    estimate of the time left. `changed_since`: also list the job's records that changed
    since then (`changed`: invoice ids), so a screen can update just those rows."""
    connection = job.account.quickbooks_connection
    records = SyncRecord.objects.filter(account_id=connection.account_id,
                                        realm_id=connection.realm_id, kind=Kind.INVOICE,
                                        invoice_id__in=job.invoice_ids)
    states = dict(records.values_list("state").annotate(n=Count("id")))
    total = len(job.invoice_ids)
    synced, failed, blocked = (states.get(s, 0) for s in (State.SYNCED, State.FAILED,
                                                           State.BLOCKED))
    done = synced + failed + blocked
    now = timezone.now()
    elapsed = (now - job.created_at).total_seconds()
    finished = done >= total
    wait = 0.0 if finished or not connection.is_connected else budget.wait_seconds(
        connection.realm_id, batch=True)
    eta = None
    if not finished and done and connection.is_connected:
        last_done_at = records.filter(state__in=[State.SYNCED, State.FAILED, State.BLOCKED]
                                      ).aggregate(last=Max("state_changed_at"))["last"]
        eta = rules.seconds_left(total=total, done=done, started_at=job.created_at,
                                 last_done_at=last_done_at and max(last_done_at, job.created_at),
                                 now=now, wait_seconds=wait)
    progress = {
        "total": total, "done": done, "synced": synced, "failed": failed, "blocked": blocked,
        "finished": finished, "percent": int(100 * done / total) if total else 100,
        "elapsed_seconds": round(elapsed), "eta_seconds": eta,
        "eta_text": f"About {rules.duration_words(eta)} left." if eta else "",
        "activity": _activity(connection, finished=finished, done=done, elapsed=elapsed,
                              synced=synced, failed=failed, blocked=blocked, wait=wait),
        "now": now.isoformat(),
    }
    if changed_since is not None:
        progress["changed"] = list(
            records.filter(state_changed_at__gte=changed_since)
            .values_list("invoice_id", flat=True)[:CHANGED_ROWS]
        )
    return progress


CHANGED_ROWS = 200


def _activity(connection: QuickBooksConnection, *, finished: bool, done: int, elapsed: float,
              synced: int, failed: int, blocked: int, wait: float) -> str:
    if finished:
        parts = [f"{synced} synced"] + [f"{n} {what}" for n, what in
                                        ((failed, "failed"), (blocked, "blocked")) if n]
        return "Done: " + ", ".join(parts) + "."
    if not connection.is_connected:
        return paused_reason(connection)
    if wait >= 1:
        return (f"Waiting for QuickBooks' limit of 40 batch requests a minute: going on in "
                f"about {math.ceil(wait)} s.")
    if not done and elapsed < 10:
        return "Starting: looking up what QuickBooks already has."
    return "Sending invoices to QuickBooks."


def retry(*, connection: QuickBooksConnection | None, records) -> int:
    """Put blocked, failed or paused records back in the outbox; one goes at once, many as a
    backlog. Returns how many."""
    if connection is None:
        return 0
    ids = list(records.values_list("pk", flat=True))
    # Refunds and fees go one by one (a drain takes invoices and payments).
    singles = list(SyncRecord.objects.filter(pk__in=ids, kind__in=[Kind.REFUND, Kind.FEE])
                   .values_list("pk", flat=True))
    with transaction.atomic():
        SyncRecord.objects.filter(pk__in=ids).update(
            state=State.NEEDS_SYNC, state_changed_at=timezone.now())
        if len(ids) == 1 or len(singles) == len(ids):
            enqueue(ids)
        elif ids:
            enqueue(singles)
            queue_backlog(connection)
    return len(ids)
