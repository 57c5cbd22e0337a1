"""Bulk sync: a company's backlog, planned first, then sent through QuickBooks' batch endpoint.

Import Invoices, a reconnect's backlog and the sweeper hand a company to `drain_company`. It
holds the company's lease and works through the waiting records a chunk of invoices at a
time (bounded memory):

1. plan, with the same mappers as the one-by-one push (customers, items, invoices,
   payments): the rules that need no request, then what already exists in QuickBooks,
   found with a few `IN (...)` queries (invoices by DocNumber, customers and items by name);
2. send (batches.py): customers and items, then invoices, then their payments.

Anything out of the ordinary (a number or name QuickBooks already has, an edit, a void, a
refused operation, a record whose batch got no answer) is not guessed at here: that record
gets the one-record push of `sync.py`, with its look-ups and messages, in the same drain.
"""

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from hatsync.log_context import bound
from invoices.models import Invoice, InvoiceLine, Payment

from .. import counters, rules
from ..models import QuickBooksConnection, SyncLog, SyncRecord
from ..qbo import budget
from ..qbo.errors import QboAuthError, QboError, QboFault
from . import currencies, customers, exactly_once, invoices, items, payments, turns
from .batches import BatchSender
from .engine import Blocked, CompanyEngine
from .landed import Landed, Plan, record_landed
from .lease import CompanyBusy, LeaseLost, connection_lease
from .messages import company_not_writable_message
from .outbox import enqueue, pause_writes, writes_refused
from .payment_followers import mark_missing_followers
from .sync import sync_held
from .tokens import connection_access_token, connection_mark_needs_reconnect

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind
NAMES_PER_QUERY = 100
LOST_MESSAGE = ("QuickBooks did not answer in time. hatsync looks for what it may have made "
                "before sending again.")


@dataclass
class DrainResult:
    more: bool = False  # records are left: go again (after other companies had a turn)
    retry_after: float = 0.0
    synced: int = 0
    singles: int = 0


@dataclass
class PlannedInvoice:
    """An invoice that passed the rules, waiting for its customer and items."""

    record: SyncRecord
    invoice: Invoice
    lines: list[InvoiceLine]
    doc_number: str
    tax_ids: dict[str, str]


@dataclass
class Resolved:
    """What this chunk's customers and items are in QuickBooks."""

    # (contact pk, foreign currency or "") -> QBO id: one customer per currency
    customer_ids: dict[tuple[int, str], str] = field(default_factory=dict)
    item_ids: dict[str, str] = field(default_factory=dict)  # item name (casefold) -> QBO id


@dataclass
class InvoiceChunk:
    """A chunk of invoice records as planned: what passed the rules and the look-ups, the
    customers and items to send before them, and what goes one by one."""

    records: list[SyncRecord]
    planned: list[PlannedInvoice] = field(default_factory=list)
    singles: list[SyncRecord] = field(default_factory=list)
    resolved: Resolved = field(default_factory=Resolved)
    first: list[Plan] = field(default_factory=list)


class Planning:
    """A chunk's planning, run a step at a time (an iterator, for the sender to advance while
    it waits) or to its end (`result`)."""

    def __init__(self, steps: Generator[None, None, InvoiceChunk]):
        self.steps = steps
        self.chunk: InvoiceChunk | None = None
        self.error: Exception | None = None

    def __iter__(self) -> "Planning":
        return self

    def __next__(self) -> None:
        if self.chunk is not None or self.error is not None:
            raise StopIteration
        try:
            return next(self.steps)
        except StopIteration as done:
            self.chunk = done.value
            raise
        except Exception as error:
            # A look-up that failed while another chunk's requests were out must not stop
            # their answers being recorded: the planning stops, and says so when asked.
            self.error = error
            raise StopIteration from error

    def result(self) -> InvoiceChunk:
        for _ in self:
            pass
        if self.error is not None:
            raise self.error
        assert self.chunk is not None
        return self.chunk


def drain_company(*, connection_id: int, since: datetime) -> DrainResult:
    """Work through the company's records waiting since `since`, for up to
    QBO_DRAIN_SLICE_SECONDS; `more` says whether some are left."""
    connection = QuickBooksConnection.objects.select_related("account").filter(
        pk=connection_id).first()
    if connection is None:
        return DrainResult()
    if not connection.is_connected or writes_refused(connection):  # paused: records wait
        return DrainResult()
    started = time.monotonic()
    try:
        with connection_lease(connection_id=connection_id) as renew, \
                bound(realm=connection.realm_id):
            result = Drain(connection, since=since, renew=renew).run()
    except CompanyBusy:  # a person's push is under way: our turn comes in a moment
        return DrainResult(more=True, retry_after=1.0)
    _count_drain(result, slice_seconds=time.monotonic() - started, since=since)
    logger.info("Drain of company %s: %d synced%s", connection.realm_id, result.synced,
                ", more to come" if result.more else "",
                extra={"realm": connection.realm_id,
                       "duration_ms": int((time.monotonic() - started) * 1000)})
    # Payments a drain synced bring their processing fees and refunds (one by one).
    enqueue(mark_missing_followers(connection))
    return result


def _count_drain(result: DrainResult, *, slice_seconds: float, since: datetime) -> None:
    """A slice (one worker's turn with the company) and, when nothing is left, the whole
    drain since its first slice started; records synced, and those handed to the one-record
    push (a high share means batches keep being refused)."""
    counters.observe("hatsync_drain_slice_seconds", slice_seconds,
                     buckets=counters.DRAIN_BUCKETS)
    if not result.more:
        counters.observe("hatsync_drain_seconds", (timezone.now() - since).total_seconds(),
                         buckets=counters.DRAIN_BUCKETS)
    if result.synced:
        counters.count("hatsync_drain_synced_total", result.synced)
    if result.singles:
        counters.count("hatsync_drain_singles_total", result.singles)


def customer_currency(record: SyncRecord) -> str:
    """The foreign currency of a customer record ("" in the home currency), from its key
    (exactly_once.customer_key)."""
    parts = record.key.split(":")
    return parts[2] if len(parts) > 2 else ""


class Drain:
    def __init__(self, connection: QuickBooksConnection, *, since: datetime, renew):
        self.connection = connection
        self.realm = connection.realm_id
        self.account = connection.account
        self.since = since
        self.renew = renew
        self.result = DrainResult()
        self.token = ""
        self.engine: CompanyEngine | None = None
        self.sender: BatchSender | None = None
        self._next: Planning | None = None  # the next chunk, perhaps planned already
        # Other companies' drains wait for a worker thread (turns.py): this one sends a small
        # chunk in batches only, then gives its thread back (`gave_way`: the budget's wait).
        self.crowded = False
        self.gave_way: float | None = None

    # the loop ------------------------------------------------------------------------------
    def run(self) -> DrainResult:
        deadline = time.monotonic() + settings.QBO_DRAIN_SLICE_SECONDS
        refreshed = False
        # While this drain holds the company nobody else is pushing to it, so a record still
        # "Syncing" since before any live lease began was left so by a worker that died: it
        # goes again (its look-ups first).
        orphaned = timezone.now() - timedelta(seconds=settings.QBO_LEASE_SECONDS)
        SyncRecord.objects.filter(
            account_id=self.connection.account_id,
            realm_id=self.realm, state=State.SYNCING, kind__in=[Kind.INVOICE, Kind.PAYMENT],
            state_changed_at__lt=orphaned,
        ).update(state=State.NEEDS_SYNC, state_changed_at=self.since)
        try:
            self._start(force=False)
            chunks, began = 0, time.monotonic()
            while time.monotonic() < deadline:
                self.crowded = turns.crowded(self.connection)
                if self.crowded and (chunks or not budget.batches_free(self.realm)):
                    if not self._anything_waiting():
                        return self.result
                    # Back on the queue, due when the budget's even pace allows another turn.
                    pace = turns.turn_seconds(self.sender.batches_sent) - (
                        time.monotonic() - began)
                    self.result.more = True
                    self.result.retry_after = max(self.gave_way or 0.0, pace,
                                                  budget.wait_seconds(self.realm, batch=True))
                    return self.result
                chunks, self.gave_way = chunks + 1, None
                try:
                    if not self._chunk():
                        return self.result
                except QboAuthError:
                    if refreshed:
                        raise
                    # The token ran out under us: refresh it once (one refresh however many
                    # workers ask), then carry on; nothing was half-sent (see _send).
                    self._start(force=True)
                    refreshed = True
                    continue
                except LeaseLost:
                    logger.warning("Lost the lease on company %s; stopping this drain", self.realm)
                    break
                except QboError as error:
                    if isinstance(error, QboFault) and error.is_company_not_writable:
                        # Refused whole (not applied): what was in flight waits again.
                        SyncRecord.objects.filter(
                            account_id=self.connection.account_id,
                            realm_id=self.realm, state=State.SYNCING,
                            kind__in=[Kind.INVOICE, Kind.PAYMENT],
                        ).update(state=State.NEEDS_SYNC, pending_request_id="",
                                 request_sent_at=None, state_changed_at=timezone.now())
                        pause_writes(connection=self.connection, reason=(
                            company_not_writable_message(
                                company_name=self.connection.company_name)))
                        return self.result  # one refusal pauses the company: no retries
                    if not error.retryable:
                        raise
                    # QuickBooks had a problem (a 5xx, a 429) while this chunk was planned:
                    # nothing of it was sent, so the drain goes on after a pause, not after
                    # the sweeper's minutes.
                    logger.info("Drain of company %s pauses: %s", self.realm, error.message)
                    self.result.more = True
                    self.result.retry_after = getattr(error, "retry_after", None) or 5.0
                    return self.result
                if not self.renew():
                    logger.warning("Lost the lease on company %s; stopping this drain", self.realm)
                    break
        except QboAuthError:
            self.connection.refresh_from_db()
            if self.connection.is_connected:
                connection_mark_needs_reconnect(
                    connection=self.connection,
                    reason="QuickBooks no longer accepts this connection. Reconnect to "
                    "QuickBooks; syncing resumes where it stopped.")
            return self.result
        self.result.more = True
        return self.result

    def _start(self, *, force: bool) -> None:
        self.token = connection_access_token(connection_id=self.connection.pk, force=force,
                                             rejected=self.token if force else "")
        if not self.token:
            raise QboAuthError("QuickBooks no longer accepts this connection.")
        self.connection.refresh_from_db()
        self.engine = CompanyEngine(self.connection, access_token=self.token, keep=self.renew)
        self.sender = BatchSender(self.connection, token=self.token, renew=self.renew)

    def _waiting(self, kind: str):
        """What this drain takes: records waiting since it began, and new ones never tried
        (the payments of the invoices it has just pushed). A record it tried and that still
        waits (for its invoice, for QuickBooks to answer) is left to the next drain."""
        return SyncRecord.objects.filter(
            Q(state_changed_at__lte=self.since) | Q(attempts=0),
            account_id=self.connection.account_id,
            realm_id=self.realm, kind=kind, state=State.NEEDS_SYNC,
        ).order_by("-priority", "pk")  # the rows on the screen that started it go first

    def _chunk(self) -> bool:
        """One chunk of invoices or, once none is left, of payments; False when nothing is.
        Every invoice goes before any payment, so an import's progress never waits for
        payments. The next chunk of invoices is planned while this one's wait for the
        budget (`_invoices`)."""
        singles: list[SyncRecord] = []
        planning, self._next = self._next, None
        chunk = (planning or Planning(self._plan_invoices(exclude=set(), held=set()))).result()
        singles += chunk.singles
        if chunk.records:
            self._invoices(chunk, singles)
        else:
            records = list(self._waiting(Kind.PAYMENT).select_related("payment__invoice")
                           [: self._chunk_size()])
            if not records:
                return False
            self._payments(records, singles)
        for record in singles:
            self._single(record)
        return True

    def _anything_waiting(self) -> bool:
        return (self._waiting(Kind.INVOICE).exists()
                or self._waiting(Kind.PAYMENT).exists())

    def _chunk_size(self) -> int:
        """Records a chunk takes: QBO_BULK_CHUNK or, crowded, a turn's batches' worth (within
        what the batch budget has room for now)."""
        if self.crowded:
            batches = min(budget.batches_free(self.realm), settings.QBO_CROWDED_TURN_BATCHES)
            return min(settings.QBO_BULK_CHUNK, max(1, batches) * settings.QBO_BATCH_SIZE)
        return settings.QBO_BULK_CHUNK

    def _single(self, record: SyncRecord) -> None:
        """The one-record push, with all its look-ups, for what the batch path leaves."""
        self.result.singles += 1
        record.refresh_from_db()
        if record.state != State.NEEDS_SYNC:
            return
        if not self.renew():
            raise LeaseLost(f"Lost the hold on company {self.realm}")
        outcome = sync_held(record=record, connection=self.connection, keep=self.renew)
        if outcome.state == State.SYNCED:
            self.result.synced += 1

    # invoices ------------------------------------------------------------------------------
    def _plan_invoices(self, *, exclude: set[int], held: set[str]
                       ) -> Generator[None, None, InvoiceChunk]:
        """Read and plan a chunk of invoices: the rules, then what QuickBooks has (a few
        look-ups), then the customers and items to send first. It pauses (yields) between
        its steps, so that it can run while another chunk's requests wait for the budget;
        `exclude`: that chunk's records, `held`: its DocNumbers."""
        records = list(
            self._waiting(Kind.INVOICE).exclude(pk__in=exclude)
            .select_related("invoice__contact")
            .prefetch_related(
                Prefetch("invoice__lines",
                         queryset=InvoiceLine.objects.select_related("product", "tax_rate")),
                "invoice__payments",
            )[: self._chunk_size()]
        )
        chunk = InvoiceChunk(records)
        for record in records:
            invoice = record.invoice
            if (invoice is None or invoice.is_void or record.qbo_id
                    or exactly_once.may_have_landed(record, pushing=False)):
                chunk.singles.append(record)  # edits, voids, second attempts: one by one
                continue
            lines = list(invoice.lines.all())
            try:
                doc_number, tax_ids = invoices.checks(self.engine, invoice, lines)
                currencies.currency_ready(self.engine, invoice.currency)
            except Blocked:
                chunk.singles.append(record)  # the one-record push says why, at no cost
                continue
            if doc_number.casefold() in held:  # the chunk before has it: that one goes first
                chunk.singles.append(record)
                continue
            chunk.planned.append(PlannedInvoice(record, invoice, lines, doc_number, tax_ids))
        if not chunk.planned:
            return chunk
        yield
        chunk.planned = self._free_numbers(chunk.planned, chunk.singles)
        if not chunk.planned:
            return chunk
        yield
        chunk.first = self._customers(chunk.resolved, {
            self._customer_of(p.invoice): p.invoice.contact for p in chunk.planned})
        yield
        chunk.first += self._items(chunk.resolved, [line for p in chunk.planned
                                                    for line in p.lines])
        return chunk

    def _invoices(self, chunk: InvoiceChunk, singles: list[SyncRecord]) -> None:
        """Send a planned chunk: its customers and items, then its invoice creates (and,
        meanwhile, plan the next chunk); their payments then wait their turn."""
        if not chunk.planned:
            return
        resolved = chunk.resolved
        self._send(chunk.first, [])  # customers and items first, in the same batches
        if self.gave_way is not None:  # the invoices wait, unsent, for this drain's next turn
            return
        for plan in chunk.first:
            if plan.answer is not None and plan.entity == "Customer":
                resolved.customer_ids[plan.record.contact_id,
                                      customer_currency(plan.record)] = plan.record.qbo_id
            elif plan.answer is not None:
                resolved.item_ids[plan.name.casefold()] = plan.record.qbo_id
        plans = []
        for p in chunk.planned:
            customer = resolved.customer_ids.get(self._customer_of(p.invoice))
            names = [rules.item_name_for(line.name) for line in p.lines]
            if not customer or any(name.casefold() not in resolved.item_ids for name in names):
                singles.append(p.record)
                continue
            try:
                payload, fingerprint = invoices.payload_for(
                    self.engine, p.invoice, p.lines, doc_number=p.doc_number,
                    tax_ids=p.tax_ids, customer_id=customer,
                    item_ids={name: resolved.item_ids[name.casefold()] for name in names})
            except Blocked:  # no exchange rate: the one-record push says so
                singles.append(p.record)
                continue
            plans.append(Plan(p.record, "Invoice", "create", payload, fingerprint, p.doc_number,
                              warning=""))
        if not self.crowded:  # crowded, the next chunk waits for this drain's next turn
            self._next = Planning(self._plan_invoices(
                exclude={record.pk for record in chunk.records},
                held={p.doc_number.casefold() for p in chunk.planned}))
        # their payments' records come with their answers (_settle)
        self._send(plans, singles, meanwhile=self._next)

    def _free_numbers(self, planned: list[PlannedInvoice],
                      singles: list[SyncRecord]) -> list[PlannedInvoice]:
        """Keep the invoices whose DocNumber nobody has, here or in QuickBooks; the others
        find out whose it is (and say so) one by one."""
        free = invoices.free_numbers(self.realm, [p.doc_number for p in planned],
                                     account_id=self.connection.account_id,
                                     query_in=self._query_in)
        singles.extend(p.record for p, ok in zip(planned, free, strict=True) if not ok)
        return [p for p, ok in zip(planned, free, strict=True) if ok]

    # customers and items -------------------------------------------------------------------
    def _customer_of(self, invoice: Invoice) -> tuple[int, str]:
        """(contact pk, foreign currency or ""): the customer an invoice goes to."""
        return invoice.contact_id, currencies.foreign(self.engine, invoice.currency)

    def _customers(self, resolved: Resolved, wanted: dict[tuple[int, str], object]
                   ) -> list[Plan]:
        """Adopt what QuickBooks has; return the creates and updates still to send.
        `wanted`: the contact by (contact pk, currency) of each customer needed."""
        pairs = [(contact, currency) for (_, currency), contact in wanted.items()]
        records = self._records(Kind.CUSTOMER, {
            exactly_once.customer_key(c.pk, currency): {"contact": c} for c, currency in pairs})
        adopted, plans, known = customers.plan_batch(
            account=self.account, realm_id=self.realm, contacts=pairs, records=records,
            query_in=self._query_in, home=currencies.home_currency(self.engine))
        self._landed(adopted)
        resolved.customer_ids |= known | {
            (plan.record.contact_id, customer_currency(plan.record)): plan.record.qbo_id
            for plan in adopted}
        customers.sending_as(plans)  # the names they may be found under if answers are lost
        return plans

    def _items(self, resolved: Resolved, lines: list[InvoiceLine]) -> list[Plan]:
        """Adopt what QuickBooks has; return the creates still to send."""
        names = {rules.item_name_for(line.name).casefold(): rules.item_name_for(line.name)
                 for line in lines}
        records = self._records(Kind.ITEM, {exactly_once.item_key(name): {"qbo_name": name}
                                            for name in names.values()})
        adopted, plans, known = items.plan_batch(
            lines=lines, taxable=self.engine.taxable_item, records=records,
            query_in=self._query_in,
            income_account_id=self.engine.snapshot.get("income_account_id", ""))
        self._landed(adopted)
        resolved.item_ids |= known | {plan.name.casefold(): plan.record.qbo_id
                                      for plan in adopted}
        return plans

    # payments ------------------------------------------------------------------------------
    def _payment_records(self, invoice_ids: list[int]) -> None:
        """Payments follow their invoice: records for those not in QuickBooks yet."""
        if not invoice_ids:
            return
        found = Payment.objects.filter(invoice_id__in=invoice_ids).only("pk")
        records = self._records(Kind.PAYMENT, {exactly_once.payment_key(p.pk): {"payment": p}
                                               for p in found})
        waiting = [r.pk for r in records.values() if r.state != State.SYNCED]
        SyncRecord.objects.filter(pk__in=waiting).exclude(state=State.NEEDS_SYNC).update(
            state=State.NEEDS_SYNC, state_changed_at=self.since)  # this drain takes them

    def _payments(self, records: list[SyncRecord], singles: list[SyncRecord]) -> None:
        plans, left = payments.plan_batch(self.engine, records)
        singles.extend(left)
        self._send(plans, singles)

    # sending -------------------------------------------------------------------------------
    def _send(self, plans: list[Plan], singles: list[SyncRecord], *,
              meanwhile: Planning | None = None) -> None:
        """Send creates and updates in both lanes, several at once; record each answer.
        `meanwhile`: work to advance a step at a time while the requests wait."""
        if not plans:
            return

        def settle(batch: list[Plan]) -> None:
            self._settle(batch, singles)

        left = self.sender.send(plans, settle, meanwhile=meanwhile, crowded=self.crowded)
        if left.unsent:  # gave its thread back: these were never sent, and wait again
            self.gave_way = left.budget_wait
        if left:  # QuickBooks stopped accepting the token: refresh it once, go again
            self._start(force=True)
            left = self.sender.send(left.plans, settle, again=left.batches)
            if left:  # QuickBooks applied none of these: they wait for the reconnect
                SyncRecord.objects.filter(
                    pk__in=[plan.record.pk for batch in left.batches for plan in batch.plans]
                ).update(state=State.NEEDS_SYNC, state_changed_at=timezone.now())
                raise QboAuthError("QuickBooks no longer accepts this connection.")

    def _settle(self, batch: list[Plan], singles: list[SyncRecord]) -> None:
        """Record one batch's answers. A refused operation's invoice or payment goes to
        `singles` (the one-record push then says why, or repairs what it can); so does one
        whose batch got no answer, which keeps the batch's requestid until that push has
        looked for what the batch may have made.

        The invoices that landed and their payments' records are one commit: a worker killed
        after it would otherwise leave those payments with no record, which nothing makes
        later (the next drain takes only records that wait)."""
        answered = [plan for plan in batch if plan.answer is not None]
        with transaction.atomic():
            self._landed(answered)
            self._payment_records([plan.record.invoice_id for plan in answered
                                   if plan.entity == "Invoice"])
        refused = [plan for plan in batch if plan.fault is not None]
        lost = [plan for plan in batch if plan.answer is None and plan.fault is None]
        if refused:
            SyncRecord.objects.filter(pk__in=[plan.record.pk for plan in refused]).update(
                state=State.NEEDS_SYNC, pending_request_id="", request_sent_at=None,
                paused=False, state_changed_at=timezone.now())
        if lost:
            SyncRecord.objects.filter(pk__in=[plan.record.pk for plan in lost]).update(
                state=State.NEEDS_SYNC, last_error=LOST_MESSAGE, paused=False,
                state_changed_at=timezone.now())
        singles.extend(plan.record for plan in refused + lost
                       if plan.entity in ("Invoice", "Payment"))

    def _query_in(self, entity: str, field_name: str, values: list[str]) -> list[dict]:
        """Look these values up, NAMES_PER_QUERY to a query, the queries side by side."""
        values = list(dict.fromkeys(values))
        statements = [rules.select_where_in(entity, field_name,
                                            values[start:start + NAMES_PER_QUERY])
                      for start in range(0, len(values), NAMES_PER_QUERY)]
        if len(statements) == 1:
            return self.engine.query(statements[0])
        return self.sender.query_all(statements)

    # our own records -----------------------------------------------------------------------
    def _records(self, kind: str, wanted: dict[str, dict]) -> dict[str, SyncRecord]:
        """The records for these keys, made where missing (two queries and an insert)."""
        have = {r.key: r for r in SyncRecord.objects.filter(account_id=self.connection.account_id,
                                                            realm_id=self.realm,
                                                            key__in=list(wanted))}
        new = [SyncRecord(realm_id=self.realm, key=key, account=self.account, kind=kind,
                          **links) for key, links in wanted.items() if key not in have]
        if new:
            SyncRecord.objects.bulk_create(new, ignore_conflicts=True)
            have |= {r.key: r for r in SyncRecord.objects.filter(
                account_id=self.connection.account_id,
                realm_id=self.realm, key__in=[r.key for r in new])}
        return have

    def _landed(self, plans: list[Plan]) -> None:
        """Record what QuickBooks now has (the one landed step), and log it."""
        if not plans:
            return
        renumbered = record_landed([
            Landed(plan.record, plan.answer, fingerprint=plan.fingerprint, name=plan.name,
                   warning=plan.warning if plan.warning is not None else "")
            for plan in plans])
        blocked = {id(item.record) for item in renumbered}
        if renumbered:
            self.engine.reread_settings()
            SyncLog.objects.bulk_create([
                SyncLog(record=plan.record, operation="create", outcome=SyncLog.Outcome.BLOCKED,
                        message=plan.record.last_error, intuit_tid=plan.intuit_tid)
                for plan in plans if id(plan.record) in blocked])
        landed = [plan for plan in plans if id(plan.record) not in blocked]
        SyncLog.objects.bulk_create([
            SyncLog(record=plan.record,
                    operation=plan.operation if plan.payload else "adopt",
                    outcome=SyncLog.Outcome.SYNCED, message=plan.warning or "",
                    intuit_tid=plan.intuit_tid)
            for plan in landed if plan.entity in ("Invoice", "Payment")
        ])
        self.result.synced += sum(plan.entity in ("Invoice", "Payment") for plan in landed)

