"""Receivers: a saved invoice, payment, contact, refund or fee calls the outbox service that
decides what needs sync (and enqueues it on commit); a deleted payment or refund calls the
removals service (its QuickBooks object goes too); the push is a task. The CRM's forms ask
(invoices.hooks) what QuickBooks would make of a number or a name: a selector answers."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Count, Max, Q
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from invoices import live
from invoices.hooks import invoice_number_checks, product_name_notes
from invoices.models import Contact, Invoice, Payment, Refund

from . import selectors
from .models import QuickBooksConnection, SyncRecord
from .services.messages import same_item_note
from .services.outbox import enqueue, mark_contact_invoices, mark_invoice, mark_payment
from .services.payment_followers import mark_fee, mark_refund

# Set while changes made in QuickBooks are applied here: they are in QuickBooks already, so
# the invoices and payments they touch must not go back (no echo).
_from_quickbooks: ContextVar[bool] = ContextVar("from_quickbooks", default=False)


@contextmanager
def receiving_from_quickbooks() -> Iterator[None]:
    token = _from_quickbooks.set(True)
    try:
        yield
    finally:
        _from_quickbooks.reset(token)


def _connection(account_id: int) -> QuickBooksConnection | None:
    """The account's company, also while it needs reconnecting or is disconnected: what is
    sent meanwhile waits in the outbox (saying why) and goes when the user connects to the
    same company again. Connecting to another company starts a fresh mapping instead."""
    return QuickBooksConnection.objects.filter(account_id=account_id).first()


@receiver(post_save, sender=Invoice, dispatch_uid="integrations.invoice_saved")
def invoice_saved(sender, instance: Invoice, **kwargs) -> None:
    if _from_quickbooks.get():
        return
    connection = _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_invoice(connection=connection, invoice=instance))


@receiver(post_save, sender=Payment, dispatch_uid="integrations.payment_saved")
def payment_saved(sender, instance: Payment, created: bool, **kwargs) -> None:
    if instance.recorded_in_quickbooks or _from_quickbooks.get():
        return  # entered in QuickBooks: never sent back
    connection = _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_payment(connection=connection, payment=instance))


@receiver(post_save, sender=Contact, dispatch_uid="integrations.contact_saved")
def contact_saved(sender, instance: Contact, created: bool, **kwargs) -> None:
    """An edited contact: its synced invoices go again, which updates the customer first."""
    connection = None if created else _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_contact_invoices(connection=connection, contact=instance))


@receiver(post_save, sender=Payment, dispatch_uid="integrations.payment_fee_saved")
def payment_fee_saved(sender, instance: Payment, **kwargs) -> None:
    """A payment's processing fee follows it (after `payment_saved` made its record)."""
    if _from_quickbooks.get():
        return
    connection = _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_fee(connection=connection, payment=instance))


@receiver(post_save, sender=Refund, dispatch_uid="integrations.refund_saved")
def refund_saved(sender, instance: Refund, **kwargs) -> None:
    """A refund on a payment that is in QuickBooks (or waiting to go) follows it there."""
    if _from_quickbooks.get():
        return
    connection = _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_refund(connection=connection, refund=instance))


@receiver(live.version_parts)
def sync_states_version(sender, invoice_ids: list[int] | None, account, **kwargs) -> str:
    """An open invoice page follows its QuickBooks panel too (a state, a void or delete made
    in QuickBooks): when any of its records last changed. The list shows no sync state."""
    if not invoice_ids:
        return ""
    stamps = SyncRecord.objects.filter(
        Q(invoice_id__in=invoice_ids) | Q(payment__invoice_id__in=invoice_ids)
        | Q(refund__payment__invoice_id__in=invoice_ids), account=account,
    ).aggregate(n=Count("id"), changed=Max("state_changed_at"), flagged=Max("qbo_status_at"),
                synced=Max("synced_at"))
    return repr(sorted(stamps.items()))


@receiver(invoice_number_checks, dispatch_uid="integrations.invoice_number_check")
def invoice_number_check(sender, *, account, number: str, invoice_id, **kwargs) -> str | None:
    """A number QuickBooks would take as another invoice's, once shortened, is refused."""
    return selectors.invoice_number_clash(account=account, number=number, invoice_id=invoice_id)


@receiver(product_name_notes, dispatch_uid="integrations.product_name_note")
def product_name_note(sender, *, account, display_name: str, product_id, **kwargs) -> str | None:
    """A name other products have: in QuickBooks they are one item (by design); say so."""
    if selectors.connection_for(account) is None:
        return None
    others = selectors.products_sharing_item(account=account, display_name=display_name,
                                             product_id=product_id)
    return same_item_note(others) if others else None


@receiver(pre_delete, sender=Payment, dispatch_uid="integrations.payment_deleted")
def payment_deleted(sender, instance: Payment, **kwargs) -> None:
    """A payment deleted here (while its row still exists): it, and its fee, are deleted in
    QuickBooks. One removed in QuickBooks, or entered there, is none of hatsync's to send."""
    if instance.recorded_in_quickbooks or _from_quickbooks.get():
        return
    from .services.removals import (
        mark_payment_removed,  # late: inbound (under it) imports this module
    )

    connection = _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_payment_removed(connection=connection, payment=instance))


@receiver(pre_delete, sender=Refund, dispatch_uid="integrations.refund_deleted")
def refund_deleted(sender, instance: Refund, **kwargs) -> None:
    """A refund deleted with its payment: its receipt is deleted in QuickBooks."""
    if _from_quickbooks.get():
        return
    from .services.removals import (
        mark_refund_removed,  # late: inbound (under it) imports this module
    )

    connection = _connection(instance.account_id)
    if connection is not None:
        enqueue(mark_refund_removed(connection=connection, refund=instance))
