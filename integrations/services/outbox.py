"""The outbox: which records wait for QuickBooks, and handing them to the queue.

A record in NEEDS_SYNC is work to do. Services never import the tasks: `enqueue` sends
`records_waiting` (a person's invoice or payment: each is pushed at once) and `queue_backlog`
sends `backlog_waiting` (an import, a reconnect: the company is drained in batches) when the
transaction commits, and `integrations.tasks` queues them.
"""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from invoices.models import Contact, Invoice, Payment

from ..models import QuickBooksConnection, SyncRecord, UndoneInvoice
from .exactly_once import invoice_key, payment_key

State = SyncRecord.State
Kind = SyncRecord.Kind

records_waiting = Signal()  # record_ids: a person's few records; push each at once
backlog_waiting = Signal()  # connection_id: many records wait; drain the company in batches


def mark_needs_sync(
    *, connection: QuickBooksConnection, kind: str, key: str, **links
) -> SyncRecord:
    """Create or reset the record to NEEDS_SYNC; the caller enqueues it on commit.

    While the connection is paused (needs reconnecting, or disconnected) the record says so.
    """
    reason = "" if connection.is_connected else paused_reason(connection)
    record, created = SyncRecord.objects.get_or_create(
        account_id=connection.account_id,
        realm_id=connection.realm_id, key=key,
        defaults={"kind": kind, "last_error": reason,
                  "paused": bool(reason), **links},
    )
    if not created:
        # Also when it already waits: the moved `state_changed_at` tells a drain that read
        # it before this change not to mark it in flight (exactly_once.batch_in_flight).
        SyncRecord.objects.filter(pk=record.pk).update(
            state=State.NEEDS_SYNC, state_changed_at=timezone.now(),
            **({"last_error": reason, "paused": True} if reason else {}),
        )
        record.state = State.NEEDS_SYNC
    return record


def mark_invoice(*, connection: QuickBooksConnection, invoice: Invoice) -> list[int]:
    """A saved invoice goes to QuickBooks when QuickBooks has it already, or when it was sent
    since this company was connected, is not void and was not taken out with Undo sync
    (invoices sent before wait for Import Invoices). Drafts stay here. Returns the record to
    enqueue, if any."""
    if invoice.is_draft:
        return []
    known = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, key=invoice_key(invoice.pk)
    ).exists()
    sent_since_connecting = (invoice.sent_at and invoice.sent_at >= connection.connected_at
                             and not is_undone(connection=connection, invoice_id=invoice.pk))
    if known or (sent_since_connecting and not invoice.is_void):
        return [mark_needs_sync(connection=connection, kind=Kind.INVOICE,
                                key=invoice_key(invoice.pk), invoice=invoice).pk]
    return []


def mark_payment(*, connection: QuickBooksConnection, payment: Payment) -> list[int]:
    """A saved payment follows its invoice once the invoice has a record. Returns the record
    to enqueue, if any."""
    if SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, key=invoice_key(payment.invoice_id)
    ).exists():
        return [mark_needs_sync(connection=connection, kind=Kind.PAYMENT,
                                key=payment_key(payment.pk), payment=payment).pk]
    return []


def mark_contact_invoices(*, connection: QuickBooksConnection, contact: Contact) -> list[int]:
    """An edited contact: its invoices with this company go again, which updates the customer
    first. Returns the records to enqueue."""
    records = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.INVOICE, invoice__contact=contact
    ).values_list("pk", "key")
    return [
        mark_needs_sync(connection=connection, kind=Kind.INVOICE, key=key).pk
        for _, key in records
    ]


def mark_many_needs_sync(*, connection: QuickBooksConnection, invoice_ids: list[int]) -> None:
    """`mark_needs_sync` for many invoices in a few statements (an import of thousands).
    The owner asked for these: any of them taken out with Undo sync may go again."""
    forget_undone(connection=connection, invoice_ids=invoice_ids)
    reason = "" if connection.is_connected else paused_reason(connection)
    keys = {invoice_key(pk): pk for pk in invoice_ids}
    existing = SyncRecord.objects.filter(account_id=connection.account_id,
                                         realm_id=connection.realm_id, key__in=list(keys))
    existing.exclude(state=State.NEEDS_SYNC, last_error=reason).update(
        state=State.NEEDS_SYNC, state_changed_at=timezone.now(),
        **({"last_error": reason, "paused": True} if reason else {}),
    )
    have = set(existing.values_list("key", flat=True))
    SyncRecord.objects.bulk_create([
        SyncRecord(realm_id=connection.realm_id, key=key, account=connection.account,
                   kind=Kind.INVOICE, invoice_id=pk, last_error=reason, paused=bool(reason))
        for key, pk in keys.items() if key not in have
    ], ignore_conflicts=True)


def forget_undone(*, connection: QuickBooksConnection, invoice_ids: list[int]) -> None:
    """Invoices the owner syncs again after an Undo sync are ordinary invoices again."""
    UndoneInvoice.objects.filter(connection=connection, invoice_id__in=invoice_ids).delete()


def is_undone(*, connection: QuickBooksConnection, invoice_id: int) -> bool:
    """Taken out of QuickBooks with Undo sync, and not synced again since."""
    return UndoneInvoice.objects.filter(connection=connection, invoice_id=invoice_id).exists()


def enqueue(record_ids: list[int]) -> None:
    """Queue these records once the current transaction commits."""
    if record_ids:
        ids = list(record_ids)
        transaction.on_commit(lambda: records_waiting.send(sender=None, record_ids=ids))


def queue_backlog(connection: QuickBooksConnection) -> None:
    """Drain this company's waiting records in bulk once the current transaction commits."""
    connection_id = connection.pk
    transaction.on_commit(lambda: backlog_waiting.send(sender=None, connection_id=connection_id))


def resume_paused(*, connection: QuickBooksConnection) -> int:
    """After a reconnect: carry on where the connection left off.

    Everything that waited goes again, and so does what the outbox never heard of while the
    account was disconnected: invoices sent since this company was connected (and payments on
    invoices already synced) that have no record yet.
    """
    realm = connection.realm_id
    own = SyncRecord.objects.filter(account_id=connection.account_id, realm_id=realm)
    known_invoices = own.filter(kind=Kind.INVOICE)
    sent_meanwhile = (
        Invoice.objects.filter(account=connection.account, sent_at__gte=connection.connected_at)
        .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID])
        .exclude(pk__in=known_invoices.values("invoice_id"))
        .exclude(pk__in=UndoneInvoice.objects.filter(connection=connection)
                 .values("invoice_id"))  # taken out with Undo sync
        .values_list("pk", flat=True)
    )
    paid_meanwhile = (
        Payment.objects.filter(invoice_id__in=known_invoices.values("invoice_id"))
        .exclude(pk__in=own.filter(kind=Kind.PAYMENT)
                 .values("payment_id"))
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        for pk in sent_meanwhile:
            mark_needs_sync(connection=connection, kind=Kind.INVOICE, key=invoice_key(pk),
                            invoice_id=pk)
        for pk in paid_meanwhile:
            mark_needs_sync(connection=connection, kind=Kind.PAYMENT, key=payment_key(pk),
                            payment_id=pk)
        waiting = own.filter(
            state__in=[State.NEEDS_SYNC, State.SYNCING],
            kind__in=[Kind.INVOICE, Kind.PAYMENT],
        )
        waiting.filter(SyncRecord.paused_q()).update(last_error="", paused=False)
        # reachable again: no record of this company waits on the connection any more
        own.filter(paused=True).update(paused=False)
        count = waiting.count()
        if count:
            queue_backlog(connection)
    return count


def paused_reason(connection: QuickBooksConnection | None) -> str:
    """Why records wait while the company cannot be reached: shown on every waiting record."""
    if connection is None:
        return ("Paused: not connected to QuickBooks. Connect under Account Settings > "
                "Integrations; it syncs then.")
    if connection.status == QuickBooksConnection.Status.DISCONNECTED:
        name = connection.company_name or "the same QuickBooks company"
        return (f"Paused: disconnected from QuickBooks. It syncs by itself when you connect "
                f"to {name} again.")
    return f"Paused: {connection.status_reason or 'QuickBooks needs you to reconnect.'}"


def mark_waiting_paused(connection: QuickBooksConnection) -> None:
    SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, state=SyncRecord.State.NEEDS_SYNC,
        kind__in=[SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT],
    ).update(last_error=paused_reason(connection), paused=True)


def writes_refused(connection: QuickBooksConnection | None) -> bool:
    """Connected, but QuickBooks refuses every write (a lapsed subscription, 6190): the
    connection's status_reason says why, and records wait (paused) until a probe succeeds."""
    return bool(connection and connection.is_connected and connection.writes_refused_at)


def pause_writes(*, connection: QuickBooksConnection, reason: str) -> None:
    """QuickBooks refuses writes to this company: pause it (no retry per record); the sweep's
    probe (or Re-check) resumes it once QuickBooks accepts writes again."""
    QuickBooksConnection.objects.filter(
        pk=connection.pk, status=QuickBooksConnection.Status.CONNECTED
    ).update(status_reason=reason, writes_refused_at=timezone.now())
    connection.refresh_from_db(fields=["status", "status_reason", "writes_refused_at"])
    mark_waiting_paused(connection)
