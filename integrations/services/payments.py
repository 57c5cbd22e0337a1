"""Payments to QuickBooks: each applied to its invoice, for the invoice's customer, with its
tip on the invoice's gratuity line when tips are on.

`plan_payload` and `tip_warning` are pure; the one-by-one push (`push_payment`) and the drain
share them. A payment waits for its invoice; one whose answer was lost is found again by the
marker in its PrivateNote before anything is written.
"""

from invoices.localisation import format_number, in_account_language
from invoices.models import Payment

from .. import payloads, rules
from ..models import SyncRecord
from ..qbo.errors import QboFault
from . import accounts, exactly_once
from .customers import ensure_customer
from .engine import CompanyEngine, Waiting
from .invoices import push_invoice
from .landed import Plan

State = SyncRecord.State


def plan_payload(*, payment: Payment, customer_id: str, invoice_qbo_id: str,
                 tips_enabled: bool, deposit_account_id: str) -> tuple[dict, bool]:
    """The payment as QuickBooks takes it, with our marker, and whether its tip goes
    through the invoice's tip line."""
    tip_applied = bool(payment.tip_amount) and tips_enabled
    payload = payloads.payment_payload(
        payment=payment, customer_id=customer_id, invoice_qbo_id=invoice_qbo_id,
        ref_number=rules.shorten_reference(payment.reference), tip_applied=tip_applied,
        deposit_account_id=deposit_account_id,
    )
    payload["PrivateNote"] = exactly_once.marker(exactly_once.PAYMENT, payment.pk)
    return payload, tip_applied


def tip_warning(payment: Payment, *, tip_applied: bool, country: str) -> str:
    if not payment.tip_amount or tip_applied:
        return ""
    with in_account_language(country):  # a worker writes it: the account's separators
        tip = format_number(payment.tip_amount)
    if country == "CA":
        return (f"QuickBooks Canada has no tips setting, so the {tip} tip "
                "is recorded as unapplied credit for the customer.")
    return (f"Tips are off in QuickBooks, so the {tip} tip is recorded as "
            "unapplied credit for the customer. Turn on Tips (gratuity) in QuickBooks and "
            "press Re-check settings so later tips are applied.")


def payload_for(engine: CompanyEngine, payment: Payment, *, customer_id: str,
                invoice_qbo_id: str) -> tuple[dict, str]:
    """The payload and the warning the record keeps (a tip that could not be applied)."""
    payload, tip_applied = plan_payload(
        payment=payment, customer_id=customer_id, invoice_qbo_id=invoice_qbo_id,
        tips_enabled=engine.tips_enabled,
        deposit_account_id=accounts.chosen_account_id(engine.connection, accounts.DEPOSIT))
    return payload, tip_warning(payment, tip_applied=tip_applied, country=engine.country)


def invoice_record_of(realm_id: str, payment: Payment) -> SyncRecord | None:
    return SyncRecord.objects.filter(
        account_id=payment.invoice.account_id, realm_id=realm_id,
        key=exactly_once.invoice_key(payment.invoice_id)).first()


def plan_batch(engine: CompanyEngine, records: list[SyncRecord]
               ) -> tuple[list[Plan], list[SyncRecord]]:
    """For a drain: the creates of payments whose invoice and customer are in QuickBooks
    as they should be, and the records left to the one-by-one push (edits, second
    attempts, and payments whose invoice must be brought up to date first)."""
    realm = engine.realm_id
    by_invoice = {
        r.invoice_id: r for r in SyncRecord.objects.filter(
            account_id=engine.connection.account_id,
            realm_id=realm, key__in=[exactly_once.invoice_key(r.payment.invoice_id)
                                     for r in records if r.payment])
    }
    contact_ids = {r.payment.invoice.contact_id for r in records if r.payment}
    known_customers = dict(SyncRecord.objects.filter(
        account_id=engine.connection.account_id,
        realm_id=realm, key__in=[exactly_once.contact_key(pk) for pk in contact_ids],
        state=State.SYNCED).exclude(qbo_id="").values_list("contact_id", "qbo_id"))
    plans, left = [], []
    for record in records:
        payment = record.payment
        if (payment is None or record.qbo_id
                or exactly_once.may_have_landed(record, pushing=False)):
            left.append(record)
            continue
        invoice_record = by_invoice.get(payment.invoice_id)
        customer = known_customers.get(payment.invoice.contact_id)
        # A tip changes its invoice (the gratuity line): only an invoice pushed after the
        # payment was recorded has it already; the others are brought up to date first.
        current = (invoice_record is not None and invoice_record.state == State.SYNCED
                   and invoice_record.qbo_id and invoice_record.synced_at
                   and (not payment.tip_amount or not engine.tips_enabled
                        or invoice_record.synced_at >= payment.created_at))
        if not (current and customer):
            left.append(record)
            continue
        payload, warning = payload_for(engine, payment, customer_id=customer,
                                       invoice_qbo_id=invoice_record.qbo_id)
        plans.append(Plan(record, "Payment", "create", payload, rules.fingerprint(payload),
                          payload.get("PaymentRefNum", ""), warning=warning))
    return plans, left


def push_payment(engine: CompanyEngine, record: SyncRecord) -> str:
    """Push one payment record: create it (or, asked by reconcile, update it)."""
    payment = Payment.objects.select_related("invoice__contact").get(pk=record.payment_id)
    if record.qbo_id and (record.fingerprint or record.origin == SyncRecord.Origin.QUICKBOOKS):
        # In QuickBooks as it is here, or entered there (never pushed back).
        engine.mark_synced(record)
        return "unchanged"
    invoice_record = invoice_record_of(engine.realm_id, payment)
    if invoice_record is None or not invoice_record.qbo_id:
        raise Waiting(f"Waiting for invoice {payment.invoice.number} to sync first.")
    if invoice_record.state != State.SYNCED or payment.tip_amount:
        # tips change the invoice (its gratuity line): bring it up to date first
        push_invoice(engine, invoice_record)
    contact = payment.invoice.contact
    customer = ensure_customer(engine, contact)
    payload, warning = payload_for(engine, payment, customer_id=customer,
                                   invoice_qbo_id=invoice_record.qbo_id)
    name = payload.get("PaymentRefNum", "")
    if record.qbo_id:  # reconcile asked for hatsync's version again: update it
        body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token}
        entity = engine.update(record, "Payment", body)
        record.warning = " ".join([*engine.notes, warning])
        engine.landed(record, entity, fingerprint=rules.fingerprint(payload), name=name)
        return "update"
    existing = None
    if exactly_once.may_have_landed(record):
        existing = _find(engine, invoice_record.qbo_id, payment.pk)
    try:
        entity = existing or engine.write(record, "Payment", payload, op="create")
    except QboFault as error:
        if not (error.is_invalid_reference and engine.repair_references(contact, customer, {})):
            raise
        payload["CustomerRef"] = {"value": ensure_customer(engine, contact)}
        entity = engine.write(record, "Payment", payload, op="create")
    record.warning = " ".join([*engine.notes, warning]).strip()
    engine.landed(record, entity, fingerprint=rules.fingerprint(payload), name=name)
    return "create"


def _find(engine: CompanyEngine, invoice_qbo_id: str, payment_id: int) -> dict | None:
    """The payment an earlier attempt made: among those linked to its invoice, the one with
    our marker."""
    invoice = engine.read("Invoice", invoice_qbo_id)
    for linked in invoice.get("LinkedTxn", []):
        if linked.get("TxnType") == "Payment":
            payment = engine.read("Payment", str(linked["TxnId"]))
            if exactly_once.marked_id(payment.get("PrivateNote"), exactly_once.PAYMENT,
                                      whole=True) == payment_id:
                return payment
    return None
