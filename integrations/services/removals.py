"""A payment deleted in hatsync is deleted in QuickBooks too: the Payment, its processing
fee's Purchase and its refunds' RefundReceipts, each through its own record, once.

The CRM rows are gone by the time a worker pushes, so `mark_payment_removed` and
`mark_refund_removed` (called by the signals just before the delete) keep on each record
what finding its object again needs (`SyncRecord.removal`) and put it in the outbox. The push
deletes the object by its Id and SyncToken under a requestid fixed before sending
(`CompanyEngine.delete`): a lost answer is answered again by QuickBooks, an object already
gone (610, "Another user has deleted this transaction") is done, and an object an earlier
create left behind without an answer is found by its marker first. The record stays, empty,
with the deleted object's id in `deleted_qbo_id`.
"""

from django.db.models import Q

from invoices.models import Payment, Refund

from ..models import QuickBooksConnection, SyncRecord
from . import exactly_once
from .engine import CompanyEngine
from .fees import find_fee
from .invoices import push_invoice
from .outbox import mark_needs_sync
from .payments import find_payment
from .refunds import find_refund, refund_doc_number

Kind = SyncRecord.Kind
State = SyncRecord.State
ENTITY = {Kind.PAYMENT: "Payment", Kind.FEE: "Purchase", Kind.REFUND: "RefundReceipt"}


def _ours(connection: QuickBooksConnection, key: str) -> SyncRecord | None:
    return SyncRecord.objects.filter(account_id=connection.account_id,
                                     realm_id=connection.realm_id, key=key,
                                     origin=SyncRecord.Origin.HATSYNC).first()


def _mark(connection: QuickBooksConnection, record: SyncRecord, removal: dict,
          **links) -> int:
    SyncRecord.objects.filter(pk=record.pk).update(removal=removal, **links)
    return mark_needs_sync(connection=connection, kind=record.kind, key=record.key).pk


def mark_payment_removed(*, connection: QuickBooksConnection, payment: Payment) -> list[int]:
    """Before a payment is deleted here: its record and its fee's go to the outbox, to be
    deleted in QuickBooks. The payment's record keeps its invoice (its tip line follows).
    Returns the records to enqueue."""
    removal = {"payment": payment.pk, "date": payment.date.isoformat(),
               "amount": f"{payment.amount:.2f}"}
    ids = []
    record = _ours(connection, exactly_once.payment_key(payment.pk))
    if record is not None:
        ids.append(_mark(connection, record, removal, invoice_id=payment.invoice_id))
    fee = _ours(connection, exactly_once.fee_key(payment.pk))
    if fee is not None:
        ids.append(_mark(connection, fee, removal))
    return ids


def mark_refund_removed(*, connection: QuickBooksConnection, refund: Refund) -> list[int]:
    """Before a refund is deleted here (with its payment): its receipt goes too."""
    record = _ours(connection, exactly_once.refund_key(refund.pk))
    if record is None:
        return []
    doc_number = record.qbo_name or refund_doc_number(refund)
    return [_mark(connection, record, {"refund": refund.pk, "doc_number": doc_number})]


def push_removal(engine: CompanyEngine, record: SyncRecord) -> str:
    """Delete the record's object in QuickBooks (if it is there), once; then a deleted
    payment's invoice is brought up to date (its tip line)."""
    entity = ENTITY[record.kind]
    qbo_id, sync_token = record.qbo_id, record.sync_token
    if not qbo_id and exactly_once.may_have_landed(record):
        found = _find_landed(engine, record)
        if found is not None:
            qbo_id, sync_token = str(found["Id"]), str(found["SyncToken"])
    if qbo_id:
        # The delete's requestid is made from what it deletes (never a create's left behind
        # by a lost answer), so a second attempt carries the first one's.
        record.pending_request_id = ""
        engine.delete(record, entity, {"Id": qbo_id, "SyncToken": sync_token or "0"})
    _forget(engine, record, deleted=qbo_id)
    if record.kind == Kind.PAYMENT:
        _invoice_follows(engine, record)
    return "delete" if qbo_id else "unchanged"


def _find_landed(engine: CompanyEngine, record: SyncRecord) -> dict | None:
    """The object an earlier create made whose answer was lost, by our marker."""
    removal = record.removal
    if record.kind == Kind.PAYMENT:
        invoice = SyncRecord.objects.filter(
            account_id=engine.connection.account_id,
            realm_id=engine.realm_id, key=exactly_once.invoice_key(record.invoice_id or 0),
        ).exclude(qbo_id="").first()
        return find_payment(engine, invoice.qbo_id, removal["payment"]) if invoice else None
    if record.kind == Kind.FEE:
        return find_fee(engine, payment_id=removal["payment"], date=removal["date"])
    return find_refund(engine, removal["doc_number"], removal["refund"])


def _forget(engine: CompanyEngine, record: SyncRecord, *, deleted: str) -> None:
    record.qbo_id = record.sync_token = record.fingerprint = record.pending_request_id = ""
    record.deleted_qbo_id = deleted or record.deleted_qbo_id
    record.request_sent_at = None
    record.last_error = record.warning = ""
    record.paused = False
    record.save(update_fields=["qbo_id", "sync_token", "fingerprint", "pending_request_id",
                               "deleted_qbo_id", "request_sent_at", "last_error", "warning",
                               "paused"])
    engine.mark_synced(record)


def _invoice_follows(engine: CompanyEngine, record: SyncRecord) -> None:
    """Its invoice's tip line no longer holds the deleted payment's tip. QuickBooks refuses
    an invoice total below the payments applied to it, so this goes after the delete."""
    invoice_record = SyncRecord.objects.filter(
        account_id=engine.connection.account_id,
        realm_id=engine.realm_id, key=exactly_once.invoice_key(record.invoice_id or 0),
        invoice__isnull=False).exclude(qbo_id="").first()
    if invoice_record is not None:
        push_invoice(engine, invoice_record)


def payment_changes_first(engine: CompanyEngine, invoice_record: SyncRecord) -> list[SyncRecord]:
    """The invoice's payments in QuickBooks with an edit or a removal on its way. They go
    before the invoice's own update: each brings the invoice's tip line along in the order
    QuickBooks accepts (a tip line never below the payments applied to it)."""
    if not invoice_record.qbo_id or invoice_record.invoice_id is None:
        return []
    invoice_id = invoice_record.invoice_id
    return list(SyncRecord.objects.filter(
        account_id=engine.connection.account_id,
        realm_id=engine.realm_id, kind=Kind.PAYMENT, origin=SyncRecord.Origin.HATSYNC,
        state__in=[State.NEEDS_SYNC, State.SYNCING],
    ).exclude(qbo_id="").filter(
        Q(payment__invoice_id=invoice_id) | Q(invoice_id=invoice_id, payment__isnull=True)
    ).order_by("pk"))
