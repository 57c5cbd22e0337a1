"""What follows a payment to QuickBooks: its refunds (refund receipts) and its processing fee
(an expense). Each has a sync record of its own that waits for the payment's.

A refund or fee gets a record as soon as its payment has one (synced, or waiting to sync);
a payment that reaches QuickBooks later brings the records of its refunds and fee with it.
"""

from invoices.models import Payment, Refund

from ..models import QuickBooksConnection, SyncRecord
from .exactly_once import fee_key, payment_key, refund_key
from .outbox import mark_needs_sync

Kind = SyncRecord.Kind
State = SyncRecord.State


def _payment_known(connection: QuickBooksConnection, payment_id: int) -> bool:
    return SyncRecord.objects.filter(account_id=connection.account_id, realm_id=connection.realm_id,
                                     key=payment_key(payment_id)).exists()


def mark_refund(*, connection: QuickBooksConnection, refund: Refund) -> list[int]:
    """The refund's record, put in the outbox when its payment syncs (or waits to)."""
    if not _payment_known(connection, refund.payment_id):
        return []
    record = mark_needs_sync(connection=connection, kind=Kind.REFUND,
                             key=refund_key(refund.pk), refund=refund)
    return [record.pk]


def mark_fee(*, connection: QuickBooksConnection, payment: Payment) -> list[int]:
    """The payment's fee record, when it has a fee (or had one: a fee set to 0 deletes the
    expense), once the payment syncs or waits to."""
    has_record = SyncRecord.objects.filter(account_id=connection.account_id,
                                           realm_id=connection.realm_id,
                                           key=fee_key(payment.pk)).exists()
    if payment.processor_fee <= 0 and not has_record:
        return []
    if not _payment_known(connection, payment.pk):
        return []
    record = mark_needs_sync(connection=connection, kind=Kind.FEE, key=fee_key(payment.pk),
                             payment=payment)
    return [record.pk]


def mark_followers(*, connection: QuickBooksConnection, payment_id: int) -> list[int]:
    """After a payment synced: its fee and refunds not yet in QuickBooks go next."""
    payment = Payment.objects.filter(pk=payment_id).prefetch_related("refunds").first()
    if payment is None:
        return []
    synced = set(SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, state=State.SYNCED,
        key__in=[fee_key(payment.pk), *(refund_key(r.pk) for r in payment.refunds.all())],
    ).values_list("key", flat=True))
    ids = [] if fee_key(payment.pk) in synced else mark_fee(connection=connection,
                                                            payment=payment)
    for refund in payment.refunds.all():
        if refund_key(refund.pk) not in synced:
            ids += mark_refund(connection=connection, refund=refund)
    return ids


def mark_missing_followers(connection: QuickBooksConnection) -> list[int]:
    """Fees and refunds of synced payments that have no record yet: a payment synced by a
    drain (imports go in bulk), or a refund saved before its payment had a record. Run after
    each drain and by the sweeper, so none is left behind."""
    synced_payments = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.PAYMENT, state=State.SYNCED,
        payment__isnull=False)
    known = SyncRecord.objects.filter(account_id=connection.account_id,
                                      realm_id=connection.realm_id,
                                      kind__in=[Kind.FEE, Kind.REFUND]).values_list("key",
                                                                                    flat=True)
    known = set(known)
    ids: list[int] = []
    payments = Payment.objects.filter(
        pk__in=synced_payments.values("payment_id"), account_id=connection.account_id,
    ).filter(processor_fee__gt=0).values_list("pk", flat=True)
    refunds = Refund.objects.filter(
        payment_id__in=synced_payments.values("payment_id"), account_id=connection.account_id,
    ).values_list("payment_id", "pk")
    missing = {pk for pk in payments if fee_key(pk) not in known}
    missing |= {payment_id for payment_id, pk in refunds if refund_key(pk) not in known}
    for payment_id in sorted(missing):
        ids += mark_followers(connection=connection, payment_id=payment_id)
    return ids
