"""Payments to QuickBooks: each applied to its invoice, for the invoice's customer, with its
tip on the invoice's gratuity line when tips are on.

`plan_payload` and `tip_warning` are pure; the one-by-one push (`push_payment`) and the drain
share them. A payment waits for its invoice; one whose answer was lost is found again by the
marker in its PrivateNote before anything is written.
"""

from decimal import Decimal

from invoices.localisation import format_number, in_account_language
from invoices.models import Payment

from .. import currencies as rules_currencies
from .. import payloads, rules
from ..models import SyncRecord
from ..qbo.errors import QboFault
from . import accounts, currencies, exactly_once
from .customers import ensure_customer
from .engine import Blocked, CompanyEngine, Waiting
from .invoices import push_invoice
from .landed import Plan
from .messages import deposit_currency_note

State = SyncRecord.State


def plan_payload(*, payment: Payment, customer_id: str, invoice_qbo_id: str,
                 tips_enabled: bool, deposit_account_id: str,
                 payment_methods: list[dict] | None = None, currency: str = "",
                 exchange_rate: Decimal | None = None) -> tuple[dict, bool]:
    """The payment as QuickBooks takes it, with our marker, and whether its tip goes
    through the invoice's tip line. `payment_methods`: the company's, from the settings
    snapshot (read at connect and Re-check settings, never per payment). `currency`,
    `exchange_rate`: a foreign payment's (its invoice's currency)."""
    tip_applied = bool(payment.tip_amount) and tips_enabled
    payload = payloads.payment_payload(
        payment=payment, customer_id=customer_id, invoice_qbo_id=invoice_qbo_id,
        ref_number=rules.shorten_reference(payment.reference), tip_applied=tip_applied,
        deposit_account_id=deposit_account_id,
        payment_method_id=rules.payment_method_id_for(payment.method, payment_methods or []),
        currency=currency, exchange_rate=exchange_rate,
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
    """The payload and the warning the record keeps (a tip that could not be applied, a
    deposit account in a third currency)."""
    currency, rate = currencies.payment_currency(engine, payment)
    deposit, note = deposit_for(engine, currency)
    payload, tip_applied = plan_payload(
        payment=payment, customer_id=customer_id, invoice_qbo_id=invoice_qbo_id,
        tips_enabled=engine.tips_enabled, deposit_account_id=deposit,
        payment_methods=engine.snapshot.get("payment_methods", []),
        currency=currency, exchange_rate=rate)
    warning = tip_warning(payment, tip_applied=tip_applied, country=engine.country)
    return payload, " ".join(part for part in (warning, note) if part)


def deposit_for(engine: CompanyEngine, currency: str) -> tuple[str, str]:
    """The account chosen for deposits, and "" or a note: a foreign payment goes only to an
    account in the home currency or its own, so one chosen in a third currency is not used
    for it (QuickBooks then deposits it to Undeposited Funds)."""
    chosen = accounts.chosen_account_id(engine.connection, accounts.DEPOSIT)
    if not (chosen and currency):
        return chosen, ""
    held = engine.snapshot.get("account_currencies", {}).get(chosen, "")
    home = currencies.home_currency(engine)
    if rules_currencies.account_takes(held, currency=currency, home=home):
        return chosen, ""
    return "", deposit_currency_note(account=accounts.account_name(engine.connection, chosen),
                                     held=held, currency=currency, home=home)


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
    keys = {r.payment.invoice_id: exactly_once.customer_key(
        r.payment.invoice.contact_id, currencies.foreign(engine, r.payment.invoice.currency))
        for r in records if r.payment}
    known_customers = dict(SyncRecord.objects.filter(
        account_id=engine.connection.account_id,
        realm_id=realm, key__in=set(keys.values()),
        state=State.SYNCED).exclude(qbo_id="").values_list("key", "qbo_id"))
    plans, left = [], []
    for record in records:
        payment = record.payment
        if (payment is None or record.qbo_id
                or exactly_once.may_have_landed(record, pushing=False)
                or rules.date_quickbooks_cannot_hold(payment.date)):  # blocked one by one
            left.append(record)
            continue
        invoice_record = by_invoice.get(payment.invoice_id)
        customer = known_customers.get(keys[payment.invoice_id])
        # A tip changes its invoice (the gratuity line): only an invoice pushed after the
        # payment was recorded has it already; the others are brought up to date first.
        current = (invoice_record is not None and invoice_record.state == State.SYNCED
                   and invoice_record.qbo_id and invoice_record.synced_at
                   and (not payment.tip_amount or not engine.tips_enabled
                        or invoice_record.synced_at >= payment.created_at))
        if not (current and customer):
            left.append(record)
            continue
        try:
            payload, warning = payload_for(engine, payment, customer_id=customer,
                                           invoice_qbo_id=invoice_record.qbo_id)
        except Blocked:
            left.append(record)  # the one-by-one push says why
            continue
        plans.append(Plan(record, "Payment", "create", payload, rules.fingerprint(payload),
                          payload.get("PaymentRefNum", ""), warning=warning))
    return plans, left


def push_payment(engine: CompanyEngine, record: SyncRecord) -> str:
    """Push one payment record: create it, or update the one in QuickBooks (an edit here, or
    reconcile asking for hatsync's version again)."""
    payment = Payment.objects.select_related("invoice__contact").get(pk=record.payment_id)
    if record.qbo_id and record.origin == SyncRecord.Origin.QUICKBOOKS:
        engine.mark_synced(record)  # entered in QuickBooks: never pushed back
        return "unchanged"
    if (bad := rules.date_quickbooks_cannot_hold(payment.date)):
        raise Blocked(rules.date_out_of_range_message(what="the payment's date", value=bad))
    invoice_record = invoice_record_of(engine.realm_id, payment)
    if invoice_record is None or not invoice_record.qbo_id:
        raise Waiting(f"Waiting for invoice {payment.invoice.number} to sync first.")
    if record.qbo_id:
        return _update(engine, record, payment, invoice_record)
    if invoice_record.state != State.SYNCED or payment.tip_amount:
        # tips change the invoice (its gratuity line): bring it up to date first
        push_invoice(engine, invoice_record)
    contact = payment.invoice.contact
    currency = currencies.foreign(engine, payment.invoice.currency)
    customer = ensure_customer(engine, contact, currency)
    payload, warning = payload_for(engine, payment, customer_id=customer,
                                   invoice_qbo_id=invoice_record.qbo_id)
    name = payload.get("PaymentRefNum", "")
    existing = None
    if exactly_once.may_have_landed(record):
        existing = find_payment(engine, invoice_record.qbo_id, payment.pk)
    try:
        entity = existing or engine.write(record, "Payment", payload, op="create")
    except QboFault as error:
        fixed = without_stale_method(engine, payload, payment.method, error)
        if fixed is not None:
            payload = fixed
        elif not (error.is_invalid_reference
                  and engine.repair_references(contact, customer, {})):
            raise
        else:
            payload["CustomerRef"] = {"value": ensure_customer(engine, contact, currency)}
        entity = engine.write(record, "Payment", payload, op="create")
    record.warning = " ".join([*engine.notes, warning]).strip()
    engine.landed(record, entity, fingerprint=rules.fingerprint(payload), name=name)
    if existing is None:
        applied_to_invoice(invoice_record)
    return "create"


def applied_to_invoice(invoice_record: SyncRecord) -> None:
    """A payment just applied to the invoice changed it in QuickBooks (its Balance and
    LinkedTxn), which raises its SyncToken by one: the invoice's next update goes with that
    token instead of reading the invoice first (a metered read). Were the token another, the
    update's stale-object answer (5010) still reads it once and goes again."""
    token = invoice_record.sync_token
    if not token.isdigit():
        return
    SyncRecord.objects.filter(pk=invoice_record.pk, sync_token=token).update(
        sync_token=str(int(token) + 1))
    invoice_record.sync_token = str(int(token) + 1)


def _update(engine: CompanyEngine, record: SyncRecord, payment: Payment,
            invoice_record: SyncRecord) -> str:
    """The payment as it is here, over the one in QuickBooks: a sparse update with its
    current SyncToken. A tip that grows goes on the invoice's tip line before the payment
    applies it; one that shrinks comes off after (QuickBooks refuses a payment applying more
    than the invoice's balance, and an invoice total below the payments applied to it)."""
    customer = ensure_customer(engine, payment.invoice.contact,
                               currencies.foreign(engine, payment.invoice.currency))
    payload, warning = payload_for(engine, payment, customer_id=customer,
                                   invoice_qbo_id=invoice_record.qbo_id)
    fingerprint = rules.fingerprint(payload)
    if record.fingerprint == fingerprint:
        if invoice_record.state != State.SYNCED:
            push_invoice(engine, invoice_record)
        engine.mark_synced(record)
        return "unchanged"
    current = engine.read("Payment", record.qbo_id)
    applied_before = sum((Decimal(str(line.get("Amount") or 0))
                          for line in current.get("Line", [])), Decimal("0"))
    applied = sum((Decimal(str(line["Amount"])) for line in payload["Line"]), Decimal("0"))
    if applied >= applied_before:
        push_invoice(engine, invoice_record)
    try:
        entity = engine.update(record, "Payment", update_body(current, payload))
    except QboFault as error:
        fixed = without_stale_method(engine, payload, payment.method, error)
        if fixed is None:
            raise
        payload, fingerprint = fixed, rules.fingerprint(fixed)
        entity = engine.update(record, "Payment", update_body(current, payload))
    record.warning = " ".join([*engine.notes, warning]).strip()
    engine.landed(record, entity, fingerprint=fingerprint,
                  name=payload.get("PaymentRefNum", ""))
    if applied < applied_before:
        push_invoice(engine, invoice_record)
    return "update"


def without_stale_method(engine: CompanyEngine, payload: dict, method: str,
                         error: QboFault) -> dict | None:
    """After QuickBooks refused a reference in a payment or refund that names a
    PaymentMethod (made inactive or deleted there since the settings were read): the
    settings read again, and the payload with the method now found, or with none. None
    when the method is not what was refused. A payment never waits for its method."""
    sent = str((payload.get("PaymentMethodRef") or {}).get("value") or "")
    if not (sent and error.is_invalid_reference):
        return None
    snapshot = engine.reread_settings()
    found = rules.payment_method_id_for(method, snapshot.get("payment_methods", []))
    if found == sent:
        return None
    fixed = {key: value for key, value in payload.items() if key != "PaymentMethodRef"}
    if found:
        fixed["PaymentMethodRef"] = {"value": found}
    return fixed


# What hatsync may take away from a payment it sent: its reference, and its payment method
# (changed here to one the company has no PaymentMethod for).
CLEARABLE_FIELDS = ("PaymentRefNum", "PaymentMethodRef")


def update_body(current: dict, payload: dict) -> dict:
    """A sparse update of what hatsync sends, with the current SyncToken. QuickBooks does not
    clear a field through a sparse update (Intuit's answer in
    intuit/QuickBooks-V3-DotNET-SDK#113), so a reference taken away here goes as a full
    update: what QuickBooks holds, with our fields over it and without the reference."""
    ids = {"Id": str(current["Id"]), "SyncToken": str(current["SyncToken"])}
    cleared = {key for key in CLEARABLE_FIELDS if current.get(key) and key not in payload}
    if cleared:
        kept = {key: value for key, value in current.items()
                if key not in {*cleared, "MetaData", "domain", "sparse"}}
        return {**kept, **payload, **ids, "sparse": False}
    return {**payload, **ids, "sparse": True}


def find_payment(engine: CompanyEngine, invoice_qbo_id: str, payment_id: int) -> dict | None:
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
