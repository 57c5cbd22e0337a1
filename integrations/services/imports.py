"""Import Invoices: queue many invoices at once, look their numbers up in bulk, and report
progress."""

import logging

from django.db import transaction
from django.db.models import Count
from django.dispatch import Signal

from invoices.models import Account, Invoice, User

from .. import rules
from ..models import BulkSyncJob, QuickBooksConnection, SyncRecord
from ..qbo.errors import QboAuthError, QboError
from .connection import client_for
from .outbox import enqueue, invoice_key, mark_needs_sync

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind

import_requested = Signal()  # job_id: look its numbers up, then queue its records


def sync_many(*, account: Account, user: User | None, invoice_ids: list[int]) -> BulkSyncJob:
    """Import Invoices: queue the chosen sent invoices (drafts and void ones are skipped)."""
    connection = QuickBooksConnection.objects.get(account=account)
    if not connection.is_connected:
        raise QboAuthError(connection.status_reason or "Connect to QuickBooks first.")
    invoices = Invoice.objects.filter(account=account, pk__in=invoice_ids).exclude(
        status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]
    )
    chosen = list(invoices.order_by("issue_date", "pk").values_list("pk", flat=True))
    with transaction.atomic():
        records = [
            mark_needs_sync(connection=connection, kind=Kind.INVOICE, key=invoice_key(pk),
                            invoice_id=pk)
            for pk in chosen
        ]
        job = BulkSyncJob.objects.create(account=account, created_by=user, invoice_ids=chosen)
        if len(records) > 1:  # one look-up for many, then one task each
            transaction.on_commit(lambda: import_requested.send(sender=None, job_id=job.pk))
        else:
            enqueue([record.pk for record in records])
    return job


DOC_NUMBER_CHUNK = 100


def prepare_import(*, job_id: int) -> list[int]:
    """Look up many DocNumbers in one query each hundred, so each invoice's own sync can skip
    its look-up when its number was found free. Returns the records to push. If QuickBooks
    cannot be asked now, nothing is lost: each sync then looks its number up itself."""
    job = BulkSyncJob.objects.select_related("account").filter(pk=job_id).first()
    connection = QuickBooksConnection.objects.filter(account_id=job.account_id).first() if job \
        else None
    if connection is None:  # the account (or its connection) went while the task waited
        return []
    records = list(
        SyncRecord.objects.filter(
            realm_id=connection.realm_id, key__in=[invoice_key(pk) for pk in job.invoice_ids],
            state=State.NEEDS_SYNC,
        ).select_related("invoice")
    )
    unsynced = {
        rules.shorten_reference(r.invoice.number): r for r in records if r.invoice and not r.qbo_id
    }
    if connection.is_connected and unsynced:
        try:
            client = client_for(connection)
            taken: set[str] = set()
            numbers = sorted(unsynced)
            for start in range(0, len(numbers), DOC_NUMBER_CHUNK):
                chunk = numbers[start:start + DOC_NUMBER_CHUNK]
                found = client.query(rules.select_where_in("Invoice", "DocNumber", chunk))
                taken |= {str(i.get("DocNumber", "")).casefold() for i in found}
        except QboError as error:
            logger.info("Bulk DocNumber look-up skipped (%s); invoices look up one by one", error)
        else:
            free = []
            for number, record in unsynced.items():
                if number.casefold() not in taken:
                    record.free_doc_number = number
                    free.append(record)
            SyncRecord.objects.bulk_update(free, ["free_doc_number"])
    return [record.pk for record in records]


def import_record_ids(*, job_id: int) -> list[int]:
    """The records an import still has to push."""
    job = BulkSyncJob.objects.filter(pk=job_id).first()
    connection = QuickBooksConnection.objects.filter(account_id=job.account_id).first() if job \
        else None
    if connection is None:
        return []
    return list(SyncRecord.objects.filter(
        realm_id=connection.realm_id,
        key__in=[invoice_key(pk) for pk in job.invoice_ids], state=State.NEEDS_SYNC,
    ).values_list("pk", flat=True))


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
