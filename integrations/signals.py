"""Receivers: a saved invoice or payment marks its record "needs sync"; the push is a task."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from invoices.models import Contact, Invoice, Payment

from .models import QuickBooksConnection, SyncRecord
from .services.outbox import enqueue, invoice_key, mark_needs_sync, payment_key


def _connection(account_id: int) -> QuickBooksConnection | None:
    """The account's company, also while it needs reconnecting or is disconnected: what is
    sent meanwhile waits in the outbox (saying why) and goes when the user connects to the
    same company again. Connecting to another company starts a fresh mapping instead."""
    return QuickBooksConnection.objects.filter(account_id=account_id).first()


@receiver(post_save, sender=Invoice, dispatch_uid="integrations.invoice_saved")
def invoice_saved(sender, instance: Invoice, **kwargs) -> None:
    connection = _connection(instance.account_id)
    if connection is None or instance.is_draft:
        return
    known = SyncRecord.objects.filter(
        realm_id=connection.realm_id, key=invoice_key(instance.pk)
    ).exists()
    sent_since_connecting = instance.sent_at and instance.sent_at >= connection.connected_at
    if known or (sent_since_connecting and not instance.is_void):
        record = mark_needs_sync(connection=connection, kind=SyncRecord.Kind.INVOICE,
                                 key=invoice_key(instance.pk), invoice=instance)
        enqueue([record.pk])


@receiver(post_save, sender=Payment, dispatch_uid="integrations.payment_saved")
def payment_saved(sender, instance: Payment, created: bool, **kwargs) -> None:
    connection = _connection(instance.account_id)
    if connection is None:
        return
    if SyncRecord.objects.filter(
        realm_id=connection.realm_id, key=invoice_key(instance.invoice_id)
    ).exists():
        record = mark_needs_sync(connection=connection, kind=SyncRecord.Kind.PAYMENT,
                                 key=payment_key(instance.pk), payment=instance)
        enqueue([record.pk])


@receiver(post_save, sender=Contact, dispatch_uid="integrations.contact_saved")
def contact_saved(sender, instance: Contact, created: bool, **kwargs) -> None:
    """An edited contact: its synced invoices go again, which updates the customer first."""
    connection = None if created else _connection(instance.account_id)
    if connection is None:
        return
    records = SyncRecord.objects.filter(
        realm_id=connection.realm_id, kind=SyncRecord.Kind.INVOICE, invoice__contact=instance
    ).values_list("pk", "key")
    ids = [
        mark_needs_sync(connection=connection, kind=SyncRecord.Kind.INVOICE, key=key).pk
        for _, key in records
    ]
    enqueue(ids)
