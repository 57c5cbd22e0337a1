"""Invoices to QuickBooks: the rules an invoice must pass, its payload, and its push (create,
update, void), with the one rule for who holds an invoice number.

`invoice_checks` and `plan_payload` are pure; the one-by-one push (`push_invoice`) and the
drain share them, and record what landed through the engine's one landed step.
"""

import re
from collections.abc import Callable
from decimal import Decimal

from invoices.models import Invoice

from .. import payloads, rules
from ..models import SyncRecord
from ..qbo.errors import QboFault
from ..tracking import InvoiceTracking
from . import accounts, classes_locations, currencies, exactly_once
from .customers import ensure_customer
from .engine import Blocked, CompanyEngine
from .items import line_items
from .messages import number_clash_message, unmatched_tax_message
from .outbox import enqueue

State = SyncRecord.State
Kind = SyncRecord.Kind
DRAFT = "Drafts stay in hatsync. Send the invoice (or mark it as sent) first."
# QuickBooks answers any change to a voided invoice with "A voided transaction can't be
# edited", and a void cannot be undone there: sending it again cannot help.
VOIDED_THERE = ("This invoice was voided in QuickBooks, and QuickBooks cannot change or "
                "un-void a voided invoice. Void it here too, or make a new invoice for what "
                "is owed (Integrations > Check QuickBooks matches hatsync offers both).")


def invoice_checks(*, invoice: Invoice, lines, account_country: str, country: str,
                   snapshot: dict, tax_map: dict[str, str] | None = None,
                   ) -> tuple[str, dict[str, str]]:
    """The DocNumber and tax codes this invoice goes with, or Blocked saying what to change.
    `tax_map`: the QuickBooks tax code chosen for a rate (by rate id), else its name's."""
    if not rules.is_supported_country(account_country):
        raise Blocked("Only businesses in the US, Canada and the UK sync with QuickBooks.")
    if invoice.is_draft:
        raise Blocked(DRAFT)
    if (bad := rules.date_quickbooks_cannot_hold(invoice.issue_date, invoice.due_date)):
        raise Blocked(rules.date_out_of_range_message(what="the invoice's dates", value=bad))
    if not snapshot.get("custom_txn_numbers"):
        raise Blocked(
            "Custom transaction numbers are off in QuickBooks, so it would renumber this "
            "invoice. Turn them on (Settings > Account and settings > Sales), press "
            "Re-check settings, then Sync."
        )
    _name_checks(invoice, lines)
    doc_number = rules.shorten_reference(invoice.number)
    tax_ids: dict[str, str] = {}
    if country in {"CA", "GB"}:
        words = rules.tax_words(country)
        missing = list(dict.fromkeys(line.name for line in lines if line.tax_rate is None))
        if missing:
            raise Blocked(
                f"In {'the UK' if country == 'GB' else 'Canada'} every line needs a "
                f"{words['rate']} (0% and exempt are rates too). Lines without one: "
                f"{', '.join(missing)}. Edit the invoice, choose one on each, and it syncs."
            )
        tax_ids, unmatched = rules.map_tax_rates(
            [(line.tax_rate.pk, line.tax_rate.name) for line in lines],
            snapshot.get("tax_codes", {}), tax_map or {})
        if unmatched:
            raise Blocked(unmatched_tax_message(country, unmatched))
    if country == "US":
        tax_ids = _us_tax_checks(lines, snapshot, tax_map or {})
    return doc_number, tax_ids


def _us_tax_checks(lines, snapshot: dict, tax_map: dict[str, str]) -> dict[str, str]:
    """A US invoice's tax, or Blocked: QuickBooks must have sales tax set up to record it,
    and a company without automated sales tax takes it from one tax code of the rate."""
    taxed = [line.tax_rate for line in lines
             if line.tax_rate is not None and line.tax_rate.percentage > 0]
    if not taxed:
        return {}
    if not snapshot.get("sales_tax"):
        raise Blocked(
            "This invoice charges sales tax, but sales tax is not set up in QuickBooks, so "
            "QuickBooks would record it without the tax. Set it up there (Taxes > Sales "
            "tax), press Re-check settings, then Sync."
        )
    if not rules.us_uses_tax_codes(snapshot):
        return {}
    rates = list({rate.name: rate for rate in taxed}.values())
    names = [rate.name for rate in rates]
    if len({rules.normalise_tax_name(name) for name in names}) > 1:
        raise Blocked(
            "This QuickBooks company (without automated sales tax) takes one sales tax rate "
            f"per invoice, and this one has several: {', '.join(names)}. Give its taxed "
            "lines one rate (or split it into one invoice per rate), then Sync."
        )
    tax_ids, unmatched = rules.map_tax_rates([(rate.pk, rate.name) for rate in rates],
                                             rules.us_tax_codes(snapshot), tax_map)
    if unmatched:
        raise Blocked(unmatched_tax_message("US", unmatched))
    return tax_ids


def _name_checks(invoice: Invoice, lines) -> None:
    """QuickBooks refuses a customer or item without a name (2020) or with one made only
    of spaces (2050): say what to change here instead."""
    contact = invoice.contact
    if not rules.customer_base_name(first_name=contact.first_name, last_name=contact.last_name,
                                    company=contact.company, email=contact.email):
        raise Blocked(
            "The contact on this invoice has no name QuickBooks can use (its name, "
            "company and email are blank). Add a first or last name to the contact, "
            "then press Sync."
        )
    for line in lines:
        if not rules.item_name_for(line.name):
            raise Blocked(
                f"The product “{line.product.display_name}” has no name on this invoice: "
                "its tokens are empty for this contact. Add words of its own to the "
                "product's Display Name (or fill in what its tokens show on the contact), "
                "save this invoice again so the line takes the new name, then press Sync."
            )


def plan_payload(*, invoice: Invoice, lines, doc_number: str, tax_ids: dict[str, str],
                 customer_id: str, item_ids: dict[str, str], country: str, tips: Decimal,
                 discount_account_id: str,
                 tracking: InvoiceTracking = payloads.NO_TRACKING, currency: str = "",
                 exchange_rate: Decimal | None = None) -> tuple[dict, str]:
    """The invoice as QuickBooks takes it, with our marker, and its fingerprint.
    `currency`, `exchange_rate`: a foreign invoice's (blank, None: the home currency)."""
    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number=doc_number, customer_id=customer_id,
        item_ids=item_ids, country=country, tax_code_ids=tax_ids, tips=tips,
        discount_account_id=discount_account_id, tracking=tracking, currency=currency,
        exchange_rate=exchange_rate,
    )
    payload["PrivateNote"] = exactly_once.marker(exactly_once.INVOICE, invoice.pk)
    return payload, rules.fingerprint(payload)


def tips_for(engine: CompanyEngine, invoice: Invoice) -> Decimal:
    """The tips of the invoice's payments, which go on its gratuity line when tips are on."""
    if not engine.tips_enabled:
        return Decimal("0")
    return sum((p.tip_amount for p in invoice.payments.all()), Decimal("0"))


def checks(engine: CompanyEngine, invoice: Invoice, lines) -> tuple[str, dict[str, str]]:
    return invoice_checks(invoice=invoice, lines=lines, account_country=engine.account.country,
                          country=engine.country, snapshot=engine.snapshot,
                          tax_map=engine.connection.tax_code_map or {})


def payload_for(engine: CompanyEngine, invoice: Invoice, lines, *, doc_number: str,
                tax_ids: dict[str, str], customer_id: str,
                item_ids: dict[str, str]) -> tuple[dict, str]:
    """The payload, in the invoice's currency (Blocked when the company cannot hold it)."""
    currency, rate = currencies.invoice_currency(engine, invoice)
    return plan_payload(invoice=invoice, lines=lines, doc_number=doc_number, tax_ids=tax_ids,
                        customer_id=customer_id, item_ids=item_ids, country=engine.country,
                        tips=tips_for(engine, invoice),
                        discount_account_id=accounts.discount_account_id(engine.connection),
                        tracking=classes_locations.invoice_tracking_for(
                            engine.connection, invoice, lines, snapshot=engine.snapshot),
                        currency=currency, exchange_rate=rate)


def free_numbers(realm_id: str, numbers: list[str], *, account_id: int,
                 query_in: Callable[[str, str, list[str]], list]) -> list[bool]:
    """For a drain: whether each DocNumber is free, here and in QuickBooks (one `IN (...)`
    look-up). Two invoices with one number: the first has it."""
    held = {
        name.casefold() for name in SyncRecord.objects.filter(
            account_id=account_id, realm_id=realm_id, kind=Kind.INVOICE, qbo_name__in=numbers,
        ).exclude(qbo_id="").values_list("qbo_name", flat=True)
    }
    for found in query_in("Invoice", "DocNumber", numbers):
        held.add(str(found.get("DocNumber", "")).casefold())
    free = []
    for number in numbers:
        free.append(number.casefold() not in held)
        held.add(number.casefold())
    return free


def push_invoice(engine: CompanyEngine, record: SyncRecord) -> str:
    """Push one invoice record: create, update or void it; its payments follow."""
    invoice = (
        Invoice.objects.select_related("contact", "account")
        .prefetch_related("lines__tax_rate", "lines__product")
        .get(pk=record.invoice_id)
    )
    lines = list(invoice.lines.all())
    if invoice.is_void:
        return _void(engine, record, invoice)
    doc_number, tax_ids = checks(engine, invoice, lines)
    # The invoice that holds a number in QuickBooks keeps it for good: its edits, voids
    # and payments always go through. Any other (a create, or a renumbered invoice) must
    # first claim the number, by the same rules.
    if not (record.qbo_id and record.qbo_name == doc_number):
        if record.qbo_id or exactly_once.may_have_landed(record):
            claim_number(engine, record, invoice, doc_number)
        else:
            # A first create: no look-up (a metered read). Our own invoices are known here,
            # and QuickBooks refuses a number it has with 6140, whose answer `_write` turns
            # into the same block (or adopts our own invoice).
            local_holder_check(engine, record, invoice, doc_number)

    currencies.currency_ready(engine, invoice.currency)  # before any customer is made

    def resolve() -> tuple[dict, str]:
        nonlocal customer, item_ids
        customer = ensure_customer(engine, invoice.contact,
                                   currencies.foreign(engine, invoice.currency))
        item_ids = line_items(engine, lines)
        return payload_for(engine, invoice, lines, doc_number=doc_number, tax_ids=tax_ids,
                           customer_id=customer, item_ids=item_ids)

    customer, item_ids = "", {}
    payload, fingerprint = resolve()
    if (record.qbo_id and record.fingerprint == fingerprint
            and record.qbo_status != SyncRecord.QboStatus.VOID):
        engine.mark_synced(record)
        return "unchanged"
    if record.qbo_id and record.qbo_status == SyncRecord.QboStatus.VOIDED:
        raise Blocked(VOIDED_THERE)
    try:
        operation = _write(engine, record, invoice, payload, fingerprint, doc_number)
    except QboFault as error:
        _refused_class_or_location(engine, record, error, payload, invoice, lines, probe=False)
        if not ((error.is_invalid_reference
                 and engine.repair_references(invoice.contact, customer, item_ids))
                or _tips_turned_off(engine, error, invoice)):
            _refused_class_or_location(engine, record, error, payload, invoice, lines,
                                       probe=True)
            raise
        payload, fingerprint = resolve()
        operation = _write(engine, record, invoice, payload, fingerprint, doc_number)
    _queue_payments(engine, invoice)
    return operation


def _refused_class_or_location(engine: CompanyEngine, record: SyncRecord, error: QboFault,
                               payload: dict, invoice: Invoice, lines, *, probe: bool) -> None:
    """Blocked, with a sentence, when QuickBooks refused the invoice for its class or
    location (made inactive or deleted there): the owner chooses another or makes it active.
    The refused write is spent: the next push is a new request."""
    sentence = classes_locations.refused_ref(engine, error, payload=payload, invoice=invoice,
                                             lines=lines, probe=probe)
    if sentence:
        exactly_once.count_refusal(record.pk)
        raise Blocked(sentence) from error


def _tips_turned_off(engine: CompanyEngine, error: QboFault, invoice: Invoice) -> bool:
    """A tip line refused as a business rule: were tips turned off in QuickBooks since
    the settings were read? Then read them again (the tips go unapplied, with a warning)."""
    if error.code != "6000" or not tips_for(engine, invoice):
        return False
    engine.reread_settings()
    return not engine.tips_enabled


def _write(engine: CompanyEngine, record: SyncRecord, invoice: Invoice, payload: dict,
           fingerprint: str, doc_number: str) -> str:
    record.warning = " ".join(engine.notes)
    if record.qbo_id:
        try:
            _update(engine, record, payload, fingerprint, doc_number)
        except QboFault as error:
            if error.is_duplicate_doc_number:  # QuickBooks' own check caught a clash
                exactly_once.count_refusal(record.pk)  # see below
                claim_number(engine, record, invoice, doc_number)
                raise _named_holder(engine, invoice, doc_number, error) from error
            raise
        return "update"
    try:
        created = engine.write(record, "Invoice", payload, op="create")
    except QboFault as error:
        if not error.is_duplicate_doc_number:
            raise
        # That write is spent (QuickBooks answers its requestid with the refusal again):
        # once the number is free there, the next push writes under a new one.
        exactly_once.count_refusal(record.pk)
        claim_number(engine, record, invoice, doc_number)
        if not record.qbo_id:
            raise _named_holder(engine, invoice, doc_number, error) from error
        # It was ours after all (an earlier attempt's create): update it instead.
        _update(engine, record, payload, fingerprint, doc_number)
        return "update"
    engine.landed(record, created, fingerprint=fingerprint, name=doc_number)
    return "create"


def _update(engine: CompanyEngine, record: SyncRecord, payload: dict, fingerprint: str,
            doc_number: str) -> None:
    body = {**payload, "Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": False}
    updated = engine.update(record, "Invoice", body)
    engine.landed(record, updated, fingerprint=fingerprint, name=doc_number)


def local_holder_check(engine: CompanyEngine, record: SyncRecord, invoice: Invoice,
                       doc_number: str) -> None:
    """Blocked, naming it, when another invoice of ours holds `doc_number` in QuickBooks
    (no request: our records know)."""
    holder = next((
        row for row in SyncRecord.objects.filter(
            account_id=engine.connection.account_id, realm_id=engine.realm_id,
            kind=Kind.INVOICE, qbo_name__iexact=doc_number,
        ).exclude(pk=record.pk).exclude(qbo_id="").select_related("invoice")
        if rules.doc_number_key(row.qbo_name) == rules.doc_number_key(doc_number)
    ), None)  # QuickBooks compares numbers without regard to capitals
    if holder is not None:
        raise Blocked(number_clash_message(
            number=invoice.number, doc_number=doc_number,
            holder=holder.invoice.number if holder.invoice else None,
            holder_doc_number=holder.qbo_name,
        ))


def claim_number(engine: CompanyEngine, record: SyncRecord, invoice: Invoice,
                 doc_number: str) -> None:
    """Make sure `doc_number` is free for this invoice in QuickBooks, or raise Blocked
    naming the invoice that holds it. Adopts our own invoice if an earlier attempt made
    it (the marker in PrivateNote says whose it is)."""
    local_holder_check(engine, record, invoice, doc_number)
    found = engine.query(rules.select_where_equals("Invoice", "DocNumber", doc_number))
    for existing in found:
        if str(existing["Id"]) == record.qbo_id:
            continue  # this very invoice
        owner = exactly_once.marked_id(existing.get("PrivateNote"), exactly_once.INVOICE,
                                       whole=True)
        if owner == invoice.pk and not record.qbo_id:
            record.qbo_id = str(existing["Id"])
            record.sync_token = str(existing["SyncToken"])
            continue
        ours = SyncRecord.objects.filter(  # ours even if its PrivateNote was edited
            account_id=engine.connection.account_id,
            realm_id=engine.realm_id, kind=Kind.INVOICE, qbo_id=str(existing["Id"])
        ).select_related("invoice").first()
        other = (ours.invoice if ours and ours.invoice else
                 Invoice.objects.filter(account=engine.account, pk=owner).first()
                 if owner else None)
        raise Blocked(number_clash_message(
            number=invoice.number, doc_number=doc_number,
            holder=other.number if other else None, outside=other is None,
            holder_doc_number=str(existing.get("DocNumber") or doc_number),
        ))


_HOLDER_ID = re.compile(r"TxnId=(\w+)")


def _named_holder(engine: CompanyEngine, invoice: Invoice, doc_number: str,
                  error: QboFault) -> Blocked:
    """QuickBooks refused the number (6140) though the look-up found no holder (its own
    comparison is wider than its query's): name the holder from the fault's TxnId."""
    found = _HOLDER_ID.search(error.detail or "")
    ours = found and SyncRecord.objects.filter(
        account_id=engine.connection.account_id, realm_id=engine.realm_id, kind=Kind.INVOICE,
        qbo_id=found.group(1),
    ).select_related("invoice").first()
    holder = ours.invoice if ours and ours.invoice else None
    return Blocked(number_clash_message(
        number=invoice.number, doc_number=doc_number,
        holder=holder.number if holder else None, outside=not ours,
        holder_doc_number=(ours.qbo_name or None) if ours else None,
    ))


def _adopt_own(engine: CompanyEngine, record: SyncRecord, invoice: Invoice) -> None:
    """An earlier attempt may have created this invoice before we could record it."""
    doc_number = rules.shorten_reference(invoice.number)
    found = engine.query(rules.select_where_equals("Invoice", "DocNumber", doc_number))
    for existing in found:
        if exactly_once.marked_id(existing.get("PrivateNote"), exactly_once.INVOICE,
                                  whole=True) == invoice.pk:
            record.qbo_id = str(existing["Id"])
            record.sync_token = str(existing["SyncToken"])
            record.qbo_name = doc_number


def _void(engine: CompanyEngine, record: SyncRecord, invoice: Invoice) -> str:
    if not record.qbo_id:
        _adopt_own(engine, record, invoice)
    if not record.qbo_id or record.qbo_status:
        # Void here already, or voided or deleted in QuickBooks (inbound.py flagged it, and
        # the flag stays): nothing to send.
        if not record.qbo_status:
            record.qbo_status = SyncRecord.QboStatus.VOID
            record.save(update_fields=["qbo_status"])
        engine.mark_synced(record)
        return "void"
    voided = engine.void_invoice(record)
    record.qbo_status = SyncRecord.QboStatus.VOID
    record.save(update_fields=["qbo_status"])
    engine.landed(record, voided, fingerprint=record.fingerprint)
    return "void"


def _queue_payments(engine: CompanyEngine, invoice: Invoice) -> None:
    """Payments follow their invoice: queue those not yet in QuickBooks."""
    pending = []
    for payment in invoice.payments.all():
        record, _ = SyncRecord.objects.get_or_create(
            account_id=engine.connection.account_id,
            realm_id=engine.realm_id, key=exactly_once.payment_key(payment.pk),
            defaults={"kind": Kind.PAYMENT, "payment": payment},
        )
        if record.state != State.SYNCED:
            SyncRecord.objects.filter(pk=record.pk).update(state=State.NEEDS_SYNC)
            pending.append(record.pk)
    enqueue(pending)
