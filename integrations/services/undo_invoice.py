"""Taking one invoice out of QuickBooks (Undo sync): hatsync's refunds, fees and payments on
it, then the invoice, each read first and deleted only when it carries our marker; then its
record is forgotten and the invoice remembered as undone."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invoices.models import Invoice

from .. import rules
from ..models import QuickBooksConnection, SyncLog, SyncRecord, UndoneInvoice
from ..qbo.errors import QboError, QboFault
from . import exactly_once
from .engine import CompanyEngine

State = SyncRecord.State
Kind = SyncRecord.Kind
ENTITY = {Kind.INVOICE: "Invoice", Kind.PAYMENT: "Payment", Kind.REFUND: "RefundReceipt",
          Kind.FEE: "Purchase"}


class Skip(Exception):
    """This invoice stays in QuickBooks; the message says why, as a sentence."""


def paid_in_quickbooks_message(number: str) -> str:
    return (f"Invoice {number} has a payment recorded in QuickBooks; remove it there first, "
            "then Undo sync again.")


def hatsync_dependents(connection: QuickBooksConnection, invoice_ids: list[int]):
    """hatsync's payments, refunds and fees in QuickBooks for these invoices."""
    return SyncRecord.objects.filter(account_id=connection.account_id,
                                     realm_id=connection.realm_id).exclude(qbo_id="").filter(
        Q(kind=Kind.PAYMENT, payment__invoice_id__in=invoice_ids)
        | Q(kind=Kind.REFUND, refund__payment__invoice_id__in=invoice_ids)
        | Q(kind=Kind.FEE, payment__invoice_id__in=invoice_ids)
        | Q(kind=Kind.FEE, refund__payment__invoice_id__in=invoice_ids)
    )


def undo_invoice(*, engine: CompanyEngine, invoice: Invoice,
                 tally: dict[str, int] | None = None) -> tuple[int, int]:
    """Delete one invoice and hatsync's payments, refunds and fees on it from QuickBooks,
    then forget their records. Returns (payments, refunds and fees) removed, counting those
    an earlier attempt removed (`tally`); raises Skip when the invoice must stay. Everything
    is read and checked before anything is deleted."""
    tally = {"payments": 0, "extras": 0} if tally is None else tally
    tally.setdefault("refunds", 0)
    tally.setdefault("fees", 0)
    realm = engine.connection.realm_id
    record = SyncRecord.objects.filter(account_id=engine.connection.account_id,
                                       realm_id=realm, kind=Kind.INVOICE,
                                       invoice=invoice).first()
    if record is None or not record.qbo_id:
        raise Skip(f"Invoice {invoice.number} is not in QuickBooks, so there is nothing to "
                   "remove.")
    if invoice.payments.filter(recorded_in_quickbooks=True).exists():
        raise Skip(paid_in_quickbooks_message(invoice.number))
    dependents = list(hatsync_dependents(engine.connection, [invoice.pk])
                      .select_related("refund", "payment"))
    # 1. Read and check: ours (the marker), and no payment of someone else's applied to it.
    current = _read(engine, "Invoice", record.qbo_id)
    if current is not None:
        if rules.hatsync_note_owner(current.get("PrivateNote")) != (exactly_once.INVOICE,
                                                                    invoice.pk):
            raise Skip(f"Invoice {invoice.number} in QuickBooks does not carry hatsync's note "
                       "(“hatsync invoice #…”), so it may not be hatsync's: it was left "
                       "there. Remove it in QuickBooks if it should go.")
        ours = {r.qbo_id for r in dependents if r.kind == Kind.PAYMENT}
        others = [str(link.get("TxnId")) for link in current.get("LinkedTxn") or []
                  if link.get("TxnType") == "Payment" and str(link.get("TxnId")) not in ours]
        if others:
            raise Skip(paid_in_quickbooks_message(invoice.number))
    found: list[tuple[SyncRecord, dict | None]] = []
    for dependent in dependents:
        obj = _read(engine, ENTITY[dependent.kind], dependent.qbo_id)
        if obj is not None and not _made_by_hatsync(dependent, obj):
            what = "payment" if dependent.kind == Kind.PAYMENT else "refund or fee"
            raise Skip(f"A {what} on invoice {invoice.number} in QuickBooks does not carry "
                       "hatsync's note, so it may not be hatsync's: the invoice was left "
                       "there. Remove them in QuickBooks if they should go.")
        found.append((dependent, obj))
    # 2. Delete: refunds and fees, then payments (an invoice cannot go before its
    #    payments), then the invoice; each record is forgotten as soon as its object is gone.
    order = {Kind.REFUND: 0, Kind.FEE: 0, Kind.PAYMENT: 1}
    for dependent, obj in sorted(found, key=lambda pair: order[pair[0].kind]):
        if obj is not None:
            engine.delete(dependent, ENTITY[dependent.kind], obj)
        dependent.delete()
        tally["payments" if dependent.kind == Kind.PAYMENT else "extras"] += 1
        if dependent.kind != Kind.PAYMENT:
            tally["refunds" if dependent.kind == Kind.REFUND else "fees"] += 1
    payments, extras = tally["payments"], tally["extras"]
    if current is not None:
        try:
            engine.delete(record, "Invoice", current)
        except QboError:
            if payments or extras:
                _partly_removed(record, invoice)
            raise
    _forget_invoice(engine, record, invoice, payments=payments, refunds=tally["refunds"],
                    fees=tally["fees"])
    return payments, extras


def _read(engine: CompanyEngine, entity: str, qbo_id: str) -> dict | None:
    """The object as QuickBooks has it now; None when it is gone already."""
    try:
        return engine.read(entity, qbo_id)
    except QboFault as error:
        if error.is_not_found:
            return None
        raise


def _made_by_hatsync(record: SyncRecord, obj: dict) -> bool:
    """The object's PrivateNote is the very note hatsync wrote on it for this record: its
    marker, in the sentence of a fee's note or before a refund's reason (rules.py)."""
    owner = {Kind.PAYMENT: (exactly_once.PAYMENT, record.payment_id),
             Kind.REFUND: (exactly_once.REFUND, record.refund_id),
             Kind.FEE: (exactly_once.FEE, record.payment_id)}[record.kind]
    return rules.hatsync_note_owner(obj.get("PrivateNote")) == owner


def _partly_removed(record: SyncRecord, invoice: Invoice) -> None:
    """Its payments are gone from QuickBooks but the invoice is not: say so on the invoice;
    Sync puts the payments back, Undo sync tries the invoice again."""
    SyncRecord.objects.filter(pk=record.pk).update(
        state=State.FAILED, state_changed_at=timezone.now(), paused=False,
        last_error=(f"Undo sync removed the payments of invoice {invoice.number} from "
                    "QuickBooks but not the invoice itself. Press Undo sync to remove it "
                    "too, or Sync to put its payments back."),
    )


def _forget_invoice(engine: CompanyEngine, record: SyncRecord, invoice: Invoice, *,
                    payments: int, refunds: int, fees: int) -> None:
    """The invoice is out of QuickBooks: its record goes (the row shows Needs Sync and the
    outbox has nothing to send), and the history says what happened, on the customer's
    record, which stays (customers stay in QuickBooks)."""
    with transaction.atomic():
        customer = SyncRecord.objects.filter(
            account_id=record.account_id,
            realm_id=record.realm_id, kind=Kind.CUSTOMER, contact_id=invoice.contact_id
        ).first()
        record.delete()
        UndoneInvoice.objects.get_or_create(connection=engine.connection, invoice=invoice)
        if customer is not None:
            paid = (f" and its {payments} payment{'s' if payments != 1 else ''}"
                    if payments else "")
            followers = rules.refunds_and_fees(refunds=refunds, fees=fees)
            more = f" (and {followers})" if followers else ""
            SyncLog.objects.create(
                record=customer, operation="undo", outcome=SyncLog.Outcome.SYNCED,
                message=(f"Undo sync: invoice {invoice.number}{paid}{more} deleted from "
                         "QuickBooks. It stays in hatsync as Needs Sync; the customer stays "
                         "in QuickBooks."),
            )
