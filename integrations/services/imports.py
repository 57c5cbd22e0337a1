"""Import Invoices: queue many invoices at once and report progress."""

from django.db import transaction
from django.db.models import Count

from invoices.models import Account, Invoice, User

from ..models import BulkSyncJob, QuickBooksConnection, SyncRecord
from ..qbo.errors import QboAuthError
from .outbox import invoice_key, mark_many_needs_sync, queue_backlog

State = SyncRecord.State
Kind = SyncRecord.Kind
MARK_CHUNK = 1000


def sync_many(*, account: Account, user: User | None, invoice_ids: list[int]) -> BulkSyncJob:
    """Import Invoices: queue the chosen sent invoices (drafts and void ones are skipped).
    The company is then drained in batches (bulk.py), not one task per invoice."""
    connection = QuickBooksConnection.objects.get(account=account)
    if not connection.is_connected:
        raise QboAuthError(connection.status_reason or "Connect to QuickBooks first.")
    invoices = Invoice.objects.filter(account=account, pk__in=invoice_ids).exclude(
        status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]
    )
    chosen = list(invoices.order_by("issue_date", "pk").values_list("pk", flat=True))
    with transaction.atomic():
        for start in range(0, len(chosen), MARK_CHUNK):
            chunk = chosen[start:start + MARK_CHUNK]
            mark_many_needs_sync(connection=connection, invoice_ids=chunk)
        job = BulkSyncJob.objects.create(account=account, created_by=user, invoice_ids=chosen)
        if chosen:
            queue_backlog(connection)
    return job


def bulk_job_progress(job: BulkSyncJob) -> dict:
    realm = job.account.quickbooks_connection.realm_id
    rows = SyncRecord.objects.filter(
        realm_id=realm, key__in=[invoice_key(pk) for pk in job.invoice_ids]
    ).values("state").annotate(n=Count("id"))
    states = {row["state"]: row["n"] for row in rows}
    total = len(job.invoice_ids)
    done = sum(states.get(s, 0) for s in (State.SYNCED, State.FAILED, State.BLOCKED))
    return {
        "total": total,
        "done": done,
        "synced": states.get(State.SYNCED, 0),
        "failed": states.get(State.FAILED, 0),
        "blocked": states.get(State.BLOCKED, 0),
        "finished": done >= total,
        "percent": int(100 * done / total) if total else 100,
    }
