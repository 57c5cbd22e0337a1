"""Reconcile: does QuickBooks hold what hatsync believes it synced?

For every invoice and payment hatsync ever synced (any record with a QuickBooks id, whatever
its state: synced, waiting, blocked, failed, paused), read QuickBooks (a hundred ids a query;
what hatsync already knows is gone is not read again) and compare, object by object: missing,
voided there, more than one QuickBooks object for one record (our marker in PrivateNote, or
the same DocNumber), total, balance, tax, customer, line count; a payment's amount and the
invoice it pays. Each difference names only the repairs that can work (`actions_for`). A query
QuickBooks refuses leaves its records unchecked, counted and explained: never "All match".
The comparison itself is pure (`invoice_differences`, `payment_differences`, `actions_for`);
this module gathers, and `repair` carries out one chosen action.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.dispatch import Signal
from django.utils import timezone

from invoices import selectors as crm_selectors
from invoices import services as crm
from invoices.models import Account, Invoice, Payment

from .. import currencies, rules
from ..models import ExchangeRateRead, QuickBooksConnection, ReconcileReport, SyncRecord
from ..qbo.client import QboClient
from ..qbo.errors import QboAuthError, QboError
from . import exactly_once
from .inbound import is_voided
from .outbox import enqueue
from .running import CHECK, one_at_a_time
from .tokens import client_for

State = SyncRecord.State
Kind = SyncRecord.Kind
IDS_PER_QUERY = 100
CENT = Decimal("0.01")
MISSING = "hatsync synced it, but QuickBooks no longer has it (deleted there?)."
# What can repair a difference, as the card's buttons name them.
SEND, RECREATE, VOID_HERE, COPY = "send", "recreate", "void_here", "copy"

report_requested = Signal()  # report_id: integrations.tasks fills the report in


@dataclass
class Difference:
    record: int
    kind: str  # "invoice" or "payment"
    object: int  # the invoice's pk (a payment's invoice for a payment)
    label: str
    problem: str  # missing, duplicate, total, balance, tax, customer, lines, amount, invoice
    message: str
    qbo_ids: list[str] = field(default_factory=list)
    state: str = ""  # the record's state when checked (a change may be on its way)
    actions: list[str] = field(default_factory=list)


@dataclass
class ExpectedInvoice:
    """What QuickBooks should hold for one synced invoice, from hatsync's side."""

    number: str
    doc_number: str
    voided: bool
    total: Decimal
    tax: Decimal
    balance: Decimal
    sales_lines: int
    customer_id: str
    currency: str = ""  # the invoice's currency, compared when QuickBooks names one
    home: str = ""  # the company's home currency
    rate: Decimal | None = None  # the ExchangeRate hatsync sent (None: home, or unknown)


@dataclass
class ExpectedPayment:
    total: Decimal
    applied: Decimal
    invoice_qbo_id: str
    currency: str = ""
    home: str = ""
    rate: Decimal | None = None


def currency_differences(*, currency: str, home: str, rate: Decimal | None, total: Decimal,
                         found: dict) -> list[tuple[str, str]]:
    """A foreign transaction is compared in its own currency (its TotalAmt, elsewhere), and
    here by its currency and its HomeTotalAmt: the total in home units at the rate hatsync
    sent (QuickBooks books one sent without a rate at 1)."""
    if not currency or "CurrencyRef" not in found:
        return []
    theirs = currencies.currency_of(found, home=home)
    if theirs != currency.upper():
        return [("currency", f"It is in {currency} in hatsync but in {theirs} in QuickBooks.")]
    if rate is None or not currencies.is_foreign(currency, home=home):
        return []
    ours = currencies.home_amount(total, rate)
    home_total = found.get("HomeTotalAmt")
    if home_total is not None and _to_cents(home_total) != ours:
        their_rate = found.get("ExchangeRate")
        return [("home_total", f"In {home} it is {ours} in hatsync (at {rate.normalize():f} "
                               f"{home} per {currency}) but {_to_cents(home_total)} in "
                               f"QuickBooks (at {their_rate} {home} per {currency}).")]
    return []


def _to_cents(value) -> Decimal:
    """Either side's amount (hatsync's Decimal or QuickBooks' number) to the cent, to compare."""
    return Decimal(str(value or 0)).quantize(CENT)


def expected_invoice(invoice: Invoice, *, customer_id: str, tips_on: bool, voided: bool,
                     synced_payments: Iterable[Payment]) -> ExpectedInvoice:
    """`invoice` with its lines and payments loaded; `synced_payments`: those QuickBooks has."""
    tips = sum((p.tip_amount for p in invoice.payments.all()), Decimal("0")) if tips_on else 0
    lines = list(invoice.lines.all())
    total = _to_cents(invoice.total + tips)
    applied = sum((p.amount + (p.tip_amount if tips_on else 0) for p in synced_payments),
                  Decimal("0"))
    return ExpectedInvoice(
        number=invoice.number, doc_number=rules.shorten_reference(invoice.number),
        voided=voided, total=Decimal("0.00") if voided else total,
        tax=Decimal("0.00") if voided else _to_cents(invoice.tax_total),
        balance=Decimal("0.00") if voided else max(Decimal("0.00"), _to_cents(total - applied)),
        sales_lines=len(lines) + (1 if tips and not voided else 0), customer_id=customer_id,
    )


def invoice_differences(expected: ExpectedInvoice, found: dict) -> list[tuple[str, str]]:
    """(problem, sentence) for each way the QuickBooks invoice differs from `expected`."""
    out: list[tuple[str, str]] = []

    def money(problem: str, what: str, ours: Decimal, theirs) -> None:
        if _to_cents(theirs) != ours:
            out.append((problem, f"{what} is {ours} in hatsync but {_to_cents(theirs)} in "
                                 "QuickBooks."))

    money("total", "The total", expected.total, found.get("TotalAmt"))
    money("balance", "The balance", expected.balance, found.get("Balance"))
    if not expected.voided:
        money("tax", "The tax", expected.tax, (found.get("TxnTaxDetail") or {}).get("TotalTax"))
        lines = sum(1 for line in found.get("Line", [])
                    if line.get("DetailType") == "SalesItemLineDetail")
        if lines != expected.sales_lines:
            out.append(("lines", f"It has {expected.sales_lines} line"
                                 f"{'s' if expected.sales_lines != 1 else ''} in hatsync but "
                                 f"{lines} in QuickBooks."))
    if str((found.get("CustomerRef") or {}).get("value", "")) != expected.customer_id:
        name = (found.get("CustomerRef") or {}).get("name") or "another customer"
        out.append(("customer", f"In QuickBooks it is billed to {name}, not to this "
                                "invoice's contact."))
    if found.get("DocNumber", "") != expected.doc_number:
        out.append(("number", f"Its number is {expected.doc_number} in hatsync but "
                              f"{found.get('DocNumber') or 'none'} in QuickBooks."))
    out += currency_differences(currency=expected.currency, home=expected.home,
                                rate=expected.rate, total=expected.total, found=found)
    return out


def payment_differences(expected: ExpectedPayment, found: dict) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if _to_cents(found.get("TotalAmt")) != expected.total:
        out.append(("amount", f"The amount received is {expected.total} in hatsync but "
                              f"{_to_cents(found.get('TotalAmt'))} in QuickBooks."))
    applied = [line for line in found.get("Line", [])
               if any(str(t.get("TxnId")) == expected.invoice_qbo_id
                      and t.get("TxnType") == "Invoice" for t in line.get("LinkedTxn", []))]
    if not applied:
        out.append(("invoice", "In QuickBooks it is not applied to this invoice."))
    elif _to_cents(sum(_to_cents(line.get("Amount")) for line in applied)) != expected.applied:
        theirs = _to_cents(sum(_to_cents(line.get("Amount")) for line in applied))
        out.append(("amount", f"It pays {expected.applied} of the invoice in hatsync but "
                              f"{theirs} in QuickBooks."))
    out += currency_differences(currency=expected.currency, home=expected.home,
                                rate=expected.rate, total=expected.total, found=found)
    return out


def voided_difference(*, ours: Decimal, payments_here: bool) -> tuple[str, str]:
    """An invoice voided in QuickBooks and not here. QuickBooks cannot edit a voided invoice
    (it answers "A voided transaction can't be edited"), so sending it again cannot help."""
    message = (f"It was voided in QuickBooks, but not here: hatsync holds {_to_cents(ours)} "
               "and QuickBooks 0.00.")
    if payments_here:
        message += (" It has payments here, so it cannot be voided here: make a new one for "
                    "what is owed, or remove its payments first.")
    return "voided", message


def unchecked_sentence(*, invoices: int, payments: int, reasons: list[str]) -> str:
    """Why the check is not "All match" although nothing it read differs."""
    if not invoices and not payments:
        return ""
    parts = [f"{count} {what}{'s' if count != 1 else ''}"
             for count, what in ((invoices, "invoice"), (payments, "payment")) if count]
    why = " ".join(reasons) or "QuickBooks did not answer."
    return (f"{' and '.join(parts)} could not be checked: QuickBooks did not answer the "
            f"question about them ({why.rstrip('.')}). Press Check again in a minute.")


def actions_for(*, kind: str, problem: str, can_void_here: bool,
                from_quickbooks: bool = False) -> list[str]:
    """The repairs that can work for one difference, in the order the card offers them.

    A voided invoice cannot be edited or un-voided in QuickBooks: void it here, or make a new
    invoice (a draft copy) here. What QuickBooks no longer has (deleted, or a voided payment)
    is made again there. A second copy in QuickBooks is for the owner to delete there; a
    payment someone entered in QuickBooks is QuickBooks' to change."""
    if from_quickbooks or problem == "duplicate":
        return []
    if kind == "invoice" and problem == "voided":
        return [VOID_HERE, COPY] if can_void_here else [COPY]
    if problem in ("missing", "voided"):
        return [RECREATE]
    return [SEND]


# gathering -------------------------------------------------------------------------------
class _Reader:
    """Reads QuickBooks in queries of a hundred values. A query QuickBooks refuses (throttled,
    unavailable, a fault) leaves its values unread, with why; a connection QuickBooks no
    longer accepts fails the whole check."""

    def __init__(self, client: QboClient):
        self.client = client
        self.requests = 0
        self.unread: set[tuple[str, str, str]] = set()  # (entity, field, value)
        self.reasons: list[str] = []

    def where_in(self, entity: str, field_name: str, values: Iterable[str]) -> list[dict]:
        values = sorted(set(values))
        found: list[dict] = []
        for start in range(0, len(values), IDS_PER_QUERY):
            batch = values[start:start + IDS_PER_QUERY]
            self.requests += 1
            try:
                found += self.client.query(rules.select_where_in(entity, field_name, batch))
            except QboAuthError:
                raise
            except QboError as error:
                self.unread |= {(entity, field_name, value) for value in batch}
                if error.message not in self.reasons:
                    self.reasons.append(error.message)
        return found

    def read(self, entity: str, field_name: str, value: str) -> bool:
        return (entity, field_name, value) not in self.unread


def reconcile_account(*, account: Account, client: QboClient | None = None) -> ReconcileReport:
    """Compare now and store a report (also when QuickBooks cannot be read: then `error`)."""
    connection = QuickBooksConnection.objects.get(account=account)
    report = ReconcileReport.objects.create(account=account, realm_id=connection.realm_id)
    return _fill(report, connection, client)


def start_report(*, account: Account) -> ReconcileReport | None:
    """A report to fill in the background, queued when the transaction commits; None when
    QuickBooks is not connected. Raises AlreadyRunning while the account's check, import or
    undo runs (running.py): pressing the button twice checks once."""
    connection = QuickBooksConnection.objects.filter(account=account).first()
    if connection is None or not connection.is_connected:
        return None
    with one_at_a_time(account=account, pressed=CHECK):
        report = ReconcileReport.objects.create(account=account, realm_id=connection.realm_id)
        report_id = report.pk
        transaction.on_commit(lambda: report_requested.send(sender=None, report_id=report_id))
    return report


def run_report(*, report_id: int) -> int:
    report = ReconcileReport.objects.select_related("account").get(pk=report_id)
    connection = QuickBooksConnection.objects.get(account=report.account)
    return len(_fill(report, connection, None).differences)


def _fill(report: ReconcileReport, connection: QuickBooksConnection,
          client: QboClient | None) -> ReconcileReport:
    try:
        reader = _Reader(client or client_for(connection))
        differences = _compare(connection, reader, report)
    except QboError as error:
        report.state = ReconcileReport.State.FAILED
        report.error = error.message
    else:
        report.state = ReconcileReport.State.DONE
        report.differences = [asdict(d) for d in differences]
        report.requests = reader.requests
    report.finished_at = timezone.now()
    report.save()
    return report


def _flag(record: SyncRecord, status: str) -> None:
    """What the check found done in QuickBooks, flagged as a webhook would have (once): the
    invoice's page then says so too."""
    if record.qbo_status != status:
        SyncRecord.objects.filter(pk=record.pk).update(qbo_status=status,
                                                       qbo_status_at=timezone.now())


def _compare(connection: QuickBooksConnection, reader: _Reader,
             report: ReconcileReport) -> list[Difference]:
    realm = connection.realm_id
    tips_on = rules.tips_apply(country=connection.country,
                               snapshot=connection.settings_snapshot or {})
    # Every record hatsync ever synced: whatever its state, it has a QuickBooks id.
    records = SyncRecord.objects.filter(realm_id=realm, account=connection.account).exclude(
        qbo_id="")
    invoice_records = {r.invoice_id: r for r in records.filter(
        kind=Kind.INVOICE, invoice__isnull=False)}
    payment_records = {r.payment_id: r for r in records.filter(
        kind=Kind.PAYMENT, payment__isnull=False)}
    customers = dict(records.filter(kind=Kind.CUSTOMER, contact__isnull=False)
                     .values_list("key", "qbo_id"))  # one customer per contact and currency
    home = currencies.home_currency_of(country=connection.country,
                                       snapshot=connection.settings_snapshot or {})
    rates = {(r.currency, r.as_of): r.rate for r in ExchangeRateRead.objects.filter(
        account=connection.account, realm_id=realm)}

    def foreign(invoice: Invoice) -> str:
        return invoice.currency if currencies.is_foreign(invoice.currency, home=home) else ""

    def rate_sent(invoice: Invoice, on, entered=None) -> Decimal | None:
        """The rate a foreign transaction went with (services/currencies.rate_for)."""
        if not foreign(invoice):
            return None
        found = entered or rates.get((invoice.currency, on))
        return currencies.rate_to_send(entered=found, quickbooks=None) if found else None
    invoices = (Invoice.objects.filter(account=connection.account, pk__in=list(invoice_records))
                .select_related("contact")
                .prefetch_related("lines__tax_rate", Prefetch("payments")))
    differences: list[Difference] = []
    deleted = SyncRecord.QboStatus.DELETED

    # What hatsync already knows QuickBooks deleted is not read again (reads are metered).
    found_invoices = {str(i["Id"]): i for i in reader.where_in(
        "Invoice", "Id", [r.qbo_id for r in invoice_records.values()
                          if r.qbo_status != deleted])}
    # Other QuickBooks invoices with our numbers: a second copy of one of ours has its marker.
    by_marker: dict[int, set[str]] = defaultdict(set)
    numbers = [r.qbo_name for r in invoice_records.values()
               if r.qbo_name and r.qbo_status != deleted]
    for qbo_invoice in [*found_invoices.values(), *reader.where_in("Invoice", "DocNumber",
                                                                   numbers)]:
        owner = exactly_once.marked_id(qbo_invoice.get("PrivateNote"), exactly_once.INVOICE)
        if owner is not None:
            by_marker[owner].add(str(qbo_invoice["Id"]))

    payment_ids = {r.qbo_id for r in payment_records.values() if r.qbo_status != deleted}
    for qbo_invoice in found_invoices.values():
        payment_ids |= {str(t["TxnId"]) for t in qbo_invoice.get("LinkedTxn", [])
                        if t.get("TxnType") == "Payment"}
    found_payments = {str(p["Id"]): p for p in reader.where_in("Payment", "Id", payment_ids)}
    payments_by_marker: dict[int, set[str]] = defaultdict(set)
    for qbo_payment in found_payments.values():
        owner = exactly_once.marked_id(qbo_payment.get("PrivateNote"), exactly_once.PAYMENT)
        if owner is not None:
            payments_by_marker[owner].add(str(qbo_payment["Id"]))

    checked_invoices = checked_payments = unchecked_invoices = unchecked_payments = 0
    for invoice in invoices:
        record = invoice_records[invoice.pk]
        if not (reader.read("Invoice", "Id", record.qbo_id)
                and reader.read("Invoice", "DocNumber", record.qbo_name)):
            unchecked_invoices += 1
            continue
        checked_invoices += 1
        problems: list[tuple[str, str, Iterable[str]]] = []
        found = found_invoices.get(record.qbo_id)
        copies = by_marker.get(invoice.pk, set()) | {record.qbo_id}
        payments_here = bool(invoice.payments.all())
        if found is None:
            if not (invoice.is_void and record.qbo_status == deleted):  # gone on both sides
                _flag(record, deleted)
                problems.append(("missing", MISSING, ()))
        elif is_voided(found) and not invoice.is_void:
            _flag(record, SyncRecord.QboStatus.VOIDED)
            problem, message = voided_difference(ours=invoice.total,
                                                 payments_here=payments_here)
            problems.append((problem, message, [record.qbo_id]))
        else:
            if len(copies) > 1:
                problems.append(("duplicate", f"QuickBooks has {len(copies)} invoices for "
                                              "this one invoice.", copies))
            synced = [p for p in invoice.payments.all() if p.pk in payment_records]
            expected = expected_invoice(
                invoice, customer_id=customers.get(exactly_once.customer_key(
                    invoice.contact_id, foreign(invoice)), ""), tips_on=tips_on,
                voided=invoice.is_void or record.void_in_quickbooks, synced_payments=synced)
            expected.currency, expected.home = invoice.currency, home
            expected.rate = rate_sent(invoice, invoice.issue_date, invoice.exchange_rate)
            problems += [(problem, message, [record.qbo_id])
                         for problem, message in invoice_differences(expected, found)]
        differences += _differences(record, "invoice", invoice.pk,
                                    f"Invoice {invoice.number}", problems,
                                    can_void_here=not payments_here and not invoice.is_void)

    payments = Payment.objects.filter(account=connection.account,
                                      pk__in=list(payment_records)).select_related("invoice")
    for payment in payments:
        record = payment_records[payment.pk]
        if not reader.read("Payment", "Id", record.qbo_id):
            unchecked_payments += 1
            continue
        checked_payments += 1
        problems = []
        found = found_payments.get(record.qbo_id)
        copies = payments_by_marker.get(payment.pk, set()) | {record.qbo_id}
        if found is None:
            _flag(record, deleted)
            problems.append(("missing", MISSING, ()))
        elif is_voided(found):
            _flag(record, SyncRecord.QboStatus.VOIDED)
            problems.append(("voided", f"It was voided in QuickBooks, but not here: hatsync "
                                       f"holds {_to_cents(payment.total_received)} and "
                                       "QuickBooks 0.00.", [record.qbo_id]))
        else:
            if len(copies) > 1:
                problems.append(("duplicate", f"QuickBooks has {len(copies)} payments for "
                                              "this one payment.", copies))
            invoice_record = invoice_records.get(payment.invoice_id)
            tip_applied = bool(payment.tip_amount) and tips_on
            expected_payment = ExpectedPayment(
                total=_to_cents(payment.total_received),
                applied=_to_cents(payment.amount + (payment.tip_amount if tip_applied else 0)),
                invoice_qbo_id=invoice_record.qbo_id if invoice_record else "",
                currency=payment.invoice.currency, home=home,
                rate=None if payment.recorded_in_quickbooks else rate_sent(
                    payment.invoice, payment.date, payment.invoice.exchange_rate
                    if payment.date == payment.invoice.issue_date else None),
            )
            problems += [(problem, message, [record.qbo_id]) for problem, message
                         in payment_differences(expected_payment, found)]
        differences += _differences(
            record, "payment", payment.invoice_id,
            f"Payment of {payment.amount} on invoice {payment.invoice.number}", problems)

    report.invoices_checked = checked_invoices
    report.payments_checked = checked_payments
    report.unchecked = unchecked_invoices + unchecked_payments
    report.unchecked_reason = unchecked_sentence(
        invoices=unchecked_invoices, payments=unchecked_payments, reasons=reader.reasons)
    return differences


def _differences(record: SyncRecord, kind: str, object_id: int, label: str,
                 problems: list[tuple[str, str, Iterable[str]]], *,
                 can_void_here: bool = False) -> list[Difference]:
    from_quickbooks = record.origin == SyncRecord.Origin.QUICKBOOKS
    return [Difference(record=record.pk, kind=kind, object=object_id, label=label,
                       problem=problem, message=message, qbo_ids=sorted(ids),
                       state=record.state,
                       actions=actions_for(kind=kind, problem=problem,
                                           can_void_here=can_void_here,
                                           from_quickbooks=from_quickbooks))
            for problem, message, ids in problems]


# repairing -------------------------------------------------------------------------------
class RepairRefused(Exception):
    """The action is not one the latest check offered for this record (or no longer works):
    `message` says so, for the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Repair:
    done: str  # what was done, in words
    new_invoice: Invoice | None = None  # "Make a new one": the draft copy


DONE = {
    SEND: "Sent again. Check again once it has synced.",
    RECREATE: "Being made again in QuickBooks. Check again once it has synced.",
    VOID_HERE: "Voided here. Check again to confirm.",
}


def repair(*, account: Account, record_id: int, action: str) -> Repair | None:
    """Carry out one action the latest check offered for one record; None when the record is
    not this account's invoice or payment. Raises RepairRefused for an action not offered."""
    record = SyncRecord.objects.filter(account=account, pk=record_id,
                                       kind__in=[Kind.INVOICE, Kind.PAYMENT]).first()
    if record is None:
        return None
    report = ReconcileReport.objects.filter(account=account, realm_id=record.realm_id).first()
    entries = [d for d in (report.differences if report else [])
               if d["record"] == record.pk and not d.get("done")]
    if action not in {a for d in entries for a in d.get("actions", [])}:
        raise RepairRefused("That cannot be done for this one (any more). Press Check again "
                            "to see what differs now.")
    result = Repair(done=DONE.get(action, ""))
    try:
        if action in (SEND, RECREATE):
            _send_again(record, recreate=action == RECREATE)
        elif action == VOID_HERE:
            crm.invoice_void(invoice=record.invoice)
        elif action == COPY:
            result = _copy(record.invoice)
    except ValidationError as error:
        raise RepairRefused(" ".join(error.messages)) from error
    for difference in entries:
        difference["done"] = result.done
    report.save(update_fields=["differences"])
    return result


@transaction.atomic
def _copy(invoice: Invoice) -> Repair:
    """Make a new one: a draft copy to send, and the voided one voided here too when it can
    be (QuickBooks' void cannot be undone; both books then agree)."""
    new = crm.invoice_copy(invoice=invoice, issue_date=timezone.localdate(),
                           number=crm_selectors.invoice_next_number(account=invoice.account))
    done = f"Copied to invoice {new.number}, a draft to check and send"
    if not invoice.payments.exists():
        crm.invoice_void(invoice=invoice)
        done += f"; invoice {invoice.number} is void here now"
    return Repair(done=done + ". Check again to confirm.", new_invoice=new)


def resync(*, account: Account, record_id: int) -> SyncRecord | None:
    """Send one record again the way the latest check offers: a missing (or voided) payment
    or a deleted invoice is made again, a different one is updated."""
    record = SyncRecord.objects.filter(account=account, pk=record_id).first()
    report = ReconcileReport.objects.filter(account=account).first()
    offered = {a for d in (report.differences if report else [])
               if d["record"] == record_id for a in d.get("actions", [])}
    if record is None or not offered & {SEND, RECREATE}:
        return None
    repair(account=account, record_id=record_id,
           action=RECREATE if RECREATE in offered else SEND)
    record.refresh_from_db()
    return record


def _send_again(record: SyncRecord, *, recreate: bool) -> None:
    changes = {"fingerprint": "", "state": State.NEEDS_SYNC, "last_error": "", "paused": False,
               "state_changed_at": timezone.now()}
    if recreate:
        # QuickBooks answers a requestid it has seen with its first answer (the object now
        # gone), so the new create gets its own: stable, in case this push is retried. The
        # flag (deleted or voided there) goes: QuickBooks gets a new one.
        request_id = exactly_once.recreate_request_id(record)
        changes |= {"qbo_id": "", "sync_token": "", "pending_request_id": request_id,
                    "qbo_status": SyncRecord.QboStatus.ACTIVE, "qbo_status_at": None}
    SyncRecord.objects.filter(pk=record.pk).update(**changes)
    if recreate and record.kind == Kind.INVOICE:
        # Its payments follow the new invoice (updated to apply to it, or made again if they
        # are gone too): the invoice's push queues them once it lands.
        SyncRecord.objects.filter(
            account_id=record.account_id,
            realm_id=record.realm_id, kind=Kind.PAYMENT, payment__invoice_id=record.invoice_id,
        ).update(fingerprint="", state=State.NEEDS_SYNC, state_changed_at=timezone.now())
    enqueue([record.pk])
