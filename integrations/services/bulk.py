"""Bulk sync: a company's backlog, planned first, then sent through QuickBooks' batch endpoint.

Import Invoices, a reconnect's backlog and the sweeper hand a company to `drain_company`. It
holds the company's lease and works through the waiting records a chunk of invoices at a
time (bounded memory):

1. plan: the rules that need no request (drafts, tax codes...), then what already exists in
   QuickBooks, found with a few `IN (...)` queries: invoices by DocNumber, customers by name,
   items by name;
2. send: customers and items, then invoices, then their payments, 30 operations a request,
   up to QBO_MAX_IN_FLIGHT requests at once. Each batch has a stable requestid, and each
   answer is matched to its record by `bId`, so one refused operation never fails another.

Anything out of the ordinary (a number or name QuickBooks already has, an edit, a void, a
refused operation, a record whose batch got no answer) is not guessed at here: that record
gets the one-record push of `sync.py`, with its look-ups and messages, in the same drain.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from invoices.models import Contact, InvoiceLine, Payment

from .. import payloads, rules
from ..models import QuickBooksConnection, SyncLog, SyncRecord
from ..qbo.client import QboClient
from ..qbo.errors import QboAuthError, QboError, QboFault
from .connection import (
    CompanyBusy,
    LeaseLost,
    connection_access_token,
    connection_check_settings,
    connection_lease,
    connection_mark_needs_reconnect,
)
from .engine import Blocked, CompanyEngine
from .messages import renumbered_message
from .outbox import enqueue, invoice_key, payment_key
from .payment_followers import mark_missing_followers
from .sync import sync_held

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind
NAMES_PER_QUERY = 100
BATCH_RETRIES = 3  # a batch with no answer goes again (same requestid) this many times
LOST_MESSAGE = ("QuickBooks did not answer in time. hatsync looks for what it may have made "
                "before sending again.")


@dataclass
class DrainResult:
    more: bool = False  # records are left: go again (after other companies had a turn)
    retry_after: float = 0.0
    synced: int = 0
    singles: int = 0


@dataclass
class Op:
    """One create or update in a batch, for one record."""

    record: SyncRecord
    entity: str
    payload: dict
    operation: str = "create"
    name: str = ""
    fingerprint: str = ""
    warning: str = ""
    answer: dict | None = None
    fault: QboFault | None = None


@dataclass
class Chunk:
    """What one round of planning resolved, by record."""

    customer_ids: dict[int, str] = field(default_factory=dict)  # contact pk -> QBO id
    item_ids: dict[str, str] = field(default_factory=dict)  # item name (casefold) -> QBO id


def drain_company(*, connection_id: int, since: datetime) -> DrainResult:
    """Work through the company's records waiting since `since`, for up to
    QBO_DRAIN_SLICE_SECONDS; `more` says whether some are left."""
    connection = QuickBooksConnection.objects.select_related("account").filter(
        pk=connection_id).first()
    if connection is None:
        return DrainResult()
    if not connection.is_connected:  # paused: the records wait for a reconnect
        return DrainResult()
    try:
        with connection_lease(connection_id=connection_id) as renew:
            result = Drain(connection, since=since, renew=renew).run()
    except CompanyBusy:  # a person's push is under way: our turn comes in a moment
        return DrainResult(more=True, retry_after=1.0)
    # Payments a drain synced bring their processing fees and refunds (one by one).
    enqueue(mark_missing_followers(connection))
    return result


class Drain:
    def __init__(self, connection: QuickBooksConnection, *, since: datetime,
                 renew: Callable[[], bool]):
        self.connection = connection
        self.realm = connection.realm_id
        self.account = connection.account
        self.since = since
        self.renew = renew
        self.result = DrainResult()
        self.token = ""
        self.engine: CompanyEngine | None = None
        self._local = threading.local()

    # the loop ------------------------------------------------------------------------------
    def run(self) -> DrainResult:
        deadline = time.monotonic() + settings.QBO_DRAIN_SLICE_SECONDS
        refreshed = False
        # While this drain holds the company nobody else is pushing to it, so a record still
        # "Syncing" since before any live lease began was left so by a worker that died: it
        # goes again (its look-ups first).
        orphaned = timezone.now() - timedelta(seconds=settings.QBO_LEASE_SECONDS)
        SyncRecord.objects.filter(
            realm_id=self.realm, state=State.SYNCING, kind__in=[Kind.INVOICE, Kind.PAYMENT],
            state_changed_at__lt=orphaned,
        ).update(state=State.NEEDS_SYNC, state_changed_at=self.since)
        try:
            self._start_engine()
            while time.monotonic() < deadline:
                try:
                    if not self._chunk():
                        return self.result
                except QboAuthError:
                    if refreshed:
                        raise
                    # The token ran out under us: refresh it once (one refresh however many
                    # workers ask), then carry on; nothing was half-sent (see _send).
                    self._start_engine(force=True)
                    refreshed = True
                    continue
                except LeaseLost:
                    logger.warning("Lost the lease on company %s; stopping this drain", self.realm)
                    break
                except QboError as error:
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

    def _start_engine(self, *, force: bool = False) -> None:
        self.token = connection_access_token(connection_id=self.connection.pk, force=force,
                                             rejected=self.token if force else "")
        if not self.token:
            raise QboAuthError("QuickBooks no longer accepts this connection.")
        self.connection.refresh_from_db()
        self.engine = CompanyEngine(self.connection, access_token=self.token, keep=self.renew)
        self._local = threading.local()

    def _waiting(self, kind: str):
        """What this drain takes: records waiting since it began, and new ones never tried
        (the payments of the invoices it has just pushed). A record it tried and that still
        waits (for its invoice, for QuickBooks to answer) is left to the next drain."""
        return SyncRecord.objects.filter(
            Q(state_changed_at__lte=self.since) | Q(attempts=0),
            realm_id=self.realm, kind=kind, state=State.NEEDS_SYNC,
        ).order_by("pk")

    def _chunk(self) -> bool:
        """One chunk of invoices or, once none is left, of payments; False when nothing is.
        Every invoice goes before any payment, so an import's progress never waits for
        payments."""
        singles: list[SyncRecord] = []
        invoices = list(
            self._waiting(Kind.INVOICE).select_related("invoice__contact")
            .prefetch_related(
                Prefetch("invoice__lines",
                         queryset=InvoiceLine.objects.select_related("product", "tax_rate")),
                "invoice__payments",
            )[: settings.QBO_BULK_CHUNK]
        )
        if invoices:
            self._invoices(invoices, singles)
        else:
            payments = list(self._waiting(Kind.PAYMENT).select_related("payment__invoice")
                            [: settings.QBO_BULK_CHUNK])
            if not payments:
                return False
            self._payments(payments, singles)
        for record in singles:
            self._single(record)
        return True

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
    def _invoices(self, records: list[SyncRecord], singles: list[SyncRecord]) -> None:
        """Plan and send a chunk of invoice creates; their payments then wait their turn."""
        engine = self.engine
        planned = []  # (record, invoice, lines, doc_number, tax_ids)
        for record in records:
            invoice = record.invoice
            if (invoice is None or invoice.is_void or record.qbo_id
                    or record.pending_request_id or record.attempts):
                singles.append(record)  # edits, voids, second attempts: one by one
                continue
            lines = list(invoice.lines.all())
            try:
                doc_number, tax_ids = engine.invoice_checks(invoice, lines)
            except Blocked:
                singles.append(record)  # the one-record push says why, at no cost
                continue
            planned.append((record, invoice, lines, doc_number, tax_ids))
        planned = self._free_numbers(planned, singles)
        if not planned:
            return
        chunk = Chunk()
        ops = self._customers(chunk, {p[1].contact_id: p[1].contact for p in planned}.values())
        ops += self._items(chunk, [(line, self.engine.taxable_item(line))
                                   for p in planned for line in p[2]])
        self._send(ops, [])  # customers and items first, in the same batches
        for op in ops:
            if op.answer is not None and op.entity == "Customer":
                chunk.customer_ids[op.record.contact_id] = op.record.qbo_id
            elif op.answer is not None:
                chunk.item_ids[op.name.casefold()] = op.record.qbo_id
        ops = []
        for record, invoice, lines, doc_number, tax_ids in planned:
            customer = chunk.customer_ids.get(invoice.contact_id)
            names = [rules.item_name_for(line.name) for line in lines]
            if not customer or any(name.casefold() not in chunk.item_ids for name in names):
                singles.append(record)
                continue
            payload, fingerprint = engine.invoice_payload(
                invoice, lines, doc_number=doc_number, tax_ids=tax_ids, customer_id=customer,
                item_ids={name: chunk.item_ids[name.casefold()] for name in names})
            ops.append(Op(record, "Invoice", payload, name=doc_number, fingerprint=fingerprint))
        self._send(ops, singles)
        self._payment_records([op.record.invoice_id for op in ops if op.answer is not None])

    def _free_numbers(self, planned: list, singles: list[SyncRecord]) -> list:
        """Keep the invoices whose DocNumber nobody has, here or in QuickBooks."""
        numbers = [p[3] for p in planned]
        held = {
            name.casefold() for name in SyncRecord.objects.filter(
                realm_id=self.realm, kind=Kind.INVOICE, qbo_name__in=numbers,
            ).exclude(qbo_id="").values_list("qbo_name", flat=True)
        }
        for found in self._query_in("Invoice", "DocNumber", numbers):
            held.add(str(found.get("DocNumber", "")).casefold())
        free = []
        for item in planned:
            number = item[3].casefold()
            if number in held:
                singles.append(item[0])  # it finds out whose it is and says so
                continue
            held.add(number)  # two invoices of this chunk with one number: the first has it
            free.append(item)
        return free

    # customers -----------------------------------------------------------------------------
    def _customers(self, chunk: Chunk, contacts: Iterable[Contact]) -> list[Op]:
        """Resolve what QuickBooks has; return the creates and updates still to send."""
        contacts = list(contacts)
        records = self._records(Kind.CUSTOMER, {f"contact:{c.pk}": {"contact": c}
                                                for c in contacts})
        ops: list[Op] = []
        pending: list[tuple[Contact, SyncRecord]] = []  # no customer yet
        for contact in contacts:
            record = records[f"contact:{contact.pk}"]
            if record.qbo_id and record.state == State.SYNCED:
                chunk.customer_ids[contact.pk] = record.qbo_id
                update = self._customer_update(record, contact)
                if update:
                    ops.append(update)
                continue
            if record.attempts or record.pending_request_id:
                continue  # its invoices go one by one, which looks everywhere first
            pending.append((contact, record))
        if pending:
            shared = self._shared_names([contact for contact, _ in pending])
            new = []  # contact, record, its plain name, the name it would be created with
            for contact, record in pending:
                base = rules.customer_base_name(first_name=contact.first_name,
                                                last_name=contact.last_name,
                                                company=contact.company, email=contact.email)
                first = rules.customer_display_name_for(
                    base_name=base, email=contact.email,
                    shared=(contact.first_name.lower(), contact.last_name.lower()) in shared)
                new.append((contact, record, base, first))
            names = list(dict.fromkeys(n for _, _, base, first in new for n in (base, first)))
            found = {str(c.get("DisplayName", "")).casefold(): c
                     for c in self._query_in("Customer", "DisplayName", names)}
            used = set(SyncRecord.objects.filter(
                realm_id=self.realm, kind=Kind.CUSTOMER,
                qbo_id__in=[str(c["Id"]) for c in found.values()],
            ).values_list("qbo_id", flat=True))
            adopted: list[Op] = []
            for contact, record, base, first in new:
                existing = next((found[n.casefold()] for n in (base, first)
                                 if n.casefold() in found), None)
                if (existing and str(existing["Id"]) not in used
                        and rules.same_email((existing.get("PrimaryEmailAddr") or {})
                                             .get("Address"), contact.email)):
                    used.add(str(existing["Id"]))  # the contact's own customer: use it
                    op = Op(record, "Customer", {}, name=existing["DisplayName"])
                    op.answer = existing
                    adopted.append(op)
                    continue
                if first.casefold() in found:
                    continue  # someone else has the name: the one-by-one push picks another
                found[first.casefold()] = {}  # taken by this contact from now on
                payload = payloads.customer_payload(contact=contact, display_name=first)
                ops.append(Op(record, "Customer", payload, name=first,
                              fingerprint=rules.fingerprint(payload)))
            self._landed(adopted)
            for op in adopted:
                chunk.customer_ids[op.record.contact_id] = op.record.qbo_id
        return ops

    def _customer_update(self, record: SyncRecord, contact: Contact) -> Op | None:
        """A contact edited since its customer was made: update the customer (not its name)."""
        change = self.engine.customer_update(record, contact)
        if change is None:
            return None
        body, fingerprint = change
        return Op(record, "Customer", body, operation="update", fingerprint=fingerprint)

    def _shared_names(self, contacts: list[Contact]) -> set[tuple[str, str]]:
        """(first, last) names, lower-cased, that more than one contact of the account has."""
        firsts = {c.first_name.lower() for c in contacts}
        rows = (Contact.objects.filter(account=self.account)
                .annotate(first=Lower("first_name"), last=Lower("last_name"))
                .filter(first__in=firsts).values("first", "last")
                .annotate(n=Count("id")).filter(n__gt=1))
        return {(row["first"], row["last"]) for row in rows}

    # items ---------------------------------------------------------------------------------
    def _items(self, chunk: Chunk, lines: list[tuple[InvoiceLine, bool]]) -> list[Op]:
        """Resolve what QuickBooks has; return the creates still to send."""
        taxable: dict[str, tuple[str, bool]] = {}
        for line, is_taxable in lines:
            name = rules.item_name_for(line.name)
            taxable[name.casefold()] = (name, is_taxable)
        records = self._records(Kind.ITEM, {f"item:{key}"[:200]: {"qbo_name": name}
                                            for key, (name, _) in taxable.items()})
        missing = []
        for key in taxable:
            record = records[f"item:{key}"[:200]]
            if record.qbo_id and record.state == State.SYNCED:
                chunk.item_ids[key] = record.qbo_id
            elif not (record.attempts or record.pending_request_id):
                missing.append(key)
        if not missing:
            return []
        found = {str(i.get("Name", "")).casefold(): i
                 for i in self._query_in("Item", "Name", [taxable[k][0] for k in missing])}
        income = self.engine.snapshot.get("income_account_id")
        adopted, ops = [], []
        for key in missing:
            name, is_taxable = taxable[key]
            record = records[f"item:{key}"[:200]]
            if key in found:  # products with the same name are one QuickBooks item
                op = Op(record, "Item", {}, name=name)
                op.answer = found[key]
                adopted.append(op)
            elif income:
                payload = payloads.item_payload(name=name, income_account_id=income,
                                                taxable=is_taxable)
                ops.append(Op(record, "Item", payload, name=name,
                              fingerprint=rules.fingerprint(payload)))
        self._landed(adopted)
        for op in adopted:
            chunk.item_ids[op.name.casefold()] = op.record.qbo_id
        return ops

    # payments ------------------------------------------------------------------------------
    def _payment_records(self, invoice_ids: list[int]) -> None:
        """Payments follow their invoice: records for those not in QuickBooks yet."""
        payments = Payment.objects.filter(invoice_id__in=invoice_ids).only("pk")
        records = self._records(Kind.PAYMENT, {payment_key(p.pk): {"payment": p}
                                               for p in payments})
        waiting = [r.pk for r in records.values() if r.state != State.SYNCED]
        SyncRecord.objects.filter(pk__in=waiting).exclude(state=State.NEEDS_SYNC).update(
            state=State.NEEDS_SYNC, state_changed_at=self.since)  # this drain takes them

    def _payments(self, records: list[SyncRecord], singles: list[SyncRecord]) -> None:
        engine = self.engine
        by_invoice = {
            r.invoice_id: r for r in SyncRecord.objects.filter(
                realm_id=self.realm, key__in=[invoice_key(r.payment.invoice_id)
                                              for r in records if r.payment])
        }
        contact_ids = {r.payment.invoice.contact_id for r in records if r.payment}
        customers = dict(SyncRecord.objects.filter(
            realm_id=self.realm, key__in=[f"contact:{pk}" for pk in contact_ids],
            state=State.SYNCED).exclude(qbo_id="").values_list("contact_id", "qbo_id"))
        ops = []
        for record in records:
            payment = record.payment
            if payment is None or record.qbo_id or record.pending_request_id or record.attempts:
                singles.append(record)
                continue
            invoice_record = by_invoice.get(payment.invoice_id)
            customer = customers.get(payment.invoice.contact_id)
            # A tip changes its invoice (the gratuity line): only an invoice pushed after the
            # payment was recorded has it already; the others are brought up to date first.
            current = (invoice_record is not None and invoice_record.state == State.SYNCED
                       and invoice_record.qbo_id and invoice_record.synced_at
                       and (not payment.tip_amount or not engine.tips_enabled
                            or invoice_record.synced_at >= payment.created_at))
            if not (current and customer):
                singles.append(record)
                continue
            payload, tip_applied = engine.payment_payload(
                payment, customer_id=customer, invoice_qbo_id=invoice_record.qbo_id)
            ops.append(Op(record, "Payment", payload, name=payload.get("PaymentRefNum", ""),
                          fingerprint=rules.fingerprint(payload),
                          warning=engine.tip_warning(payment, tip_applied)))
        self._send(ops, singles)

    # sending -------------------------------------------------------------------------------
    def _send(self, ops: list[Op], singles: list[SyncRecord]) -> None:
        """Send creates and updates in batches, several at once; record each answer."""
        if not ops:
            return
        size = settings.QBO_BATCH_SIZE
        batches = []
        for start in range(0, len(ops), size):
            batch = ops[start:start + size]
            request_id = rules.batch_request_id(
                realm_id=self.realm,
                operations=[(f"{op.record.key}#{op.record.pk}", op.fingerprint or op.operation)
                            for op in batch])  # pk: see CompanyEngine._write
            # Committed before sending: a later push knows this batch may have landed.
            SyncRecord.objects.filter(pk__in=[op.record.pk for op in batch]).update(
                state=State.SYNCING, state_changed_at=timezone.now(),
                attempts=F("attempts") + 1, pending_request_id=request_id)
            batches.append((request_id, batch))
        unanswered = self._post_all(batches, singles)
        if unanswered:  # QuickBooks stopped accepting the token: refresh it once, go again
            self._start_engine(force=True)
            refused = self._post_all(unanswered, singles)
            if refused:  # QuickBooks applied none of these: they wait for the reconnect
                SyncRecord.objects.filter(
                    pk__in=[op.record.pk for _, batch in refused for op in batch]
                ).update(state=State.NEEDS_SYNC, state_changed_at=timezone.now())
                raise QboAuthError("QuickBooks no longer accepts this connection.")

    def _post_all(self, batches: list[tuple[str, list[Op]]],
                  singles: list[SyncRecord]) -> list[tuple[str, list[Op]]]:
        """Post the batches, up to QBO_MAX_IN_FLIGHT at once, and settle each as its answer
        comes (so progress shows batch by batch). Returns the batches QuickBooks refused for
        the token (401), unsettled."""
        refused_token = []
        workers = max(1, min(settings.QBO_MAX_IN_FLIGHT, len(batches)))
        lost_lease = False
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qbo-batch") as pool:
            futures = {pool.submit(self._post, request_id, batch): (request_id, batch)
                       for request_id, batch in batches}
            pending = set(futures)
            while pending:
                # Wake every few seconds while QuickBooks works (retries, slow answers) to
                # keep the company's lease: it must never run out under batches in flight.
                done, pending = wait(pending, timeout=max(1.0, settings.QBO_LEASE_SECONDS / 8),
                                     return_when=FIRST_COMPLETED)
                lost_lease = not self.renew() or lost_lease
                for future in done:
                    request_id, batch = futures[future]
                    try:
                        answers = future.result()
                    except QboAuthError:
                        refused_token.append((request_id, batch))
                        continue
                    except QboError as error:
                        logger.warning("Batch %s on company %s got no answer: %s",
                                       request_id, self.realm, error)
                        answers = {}
                    for index, op in enumerate(batch):
                        answer = answers.get(str(index), {})
                        if isinstance(answer.get("Fault"), QboFault):
                            op.fault = answer["Fault"]
                        elif answer.get(op.entity):
                            op.answer = answer[op.entity]
                    self._settle(batch, singles)
        if lost_lease:  # what was in flight is recorded; nothing more is sent
            raise LeaseLost(f"Lost the hold on company {self.realm}")
        return refused_token

    def _settle(self, batch: list[Op], singles: list[SyncRecord]) -> None:
        """Record one batch's answers. A refused operation's invoice or payment goes to
        `singles` (the one-record push then says why, or repairs what it can); so does one
        whose batch got no answer, which keeps the batch's requestid until that push has
        looked for what the batch may have made."""
        self._landed([op for op in batch if op.answer is not None])
        refused = [op for op in batch if op.fault is not None]
        lost = [op for op in batch if op.answer is None and op.fault is None]
        if refused:
            SyncRecord.objects.filter(pk__in=[op.record.pk for op in refused]).update(
                state=State.NEEDS_SYNC, pending_request_id="", state_changed_at=timezone.now())
        if lost:
            SyncRecord.objects.filter(pk__in=[op.record.pk for op in lost]).update(
                state=State.NEEDS_SYNC, last_error=LOST_MESSAGE,
                state_changed_at=timezone.now())
        singles.extend(op.record for op in refused + lost
                       if op.entity in ("Invoice", "Payment"))

    def _post(self, request_id: str, batch: list[Op]) -> dict[str, dict]:
        """One batch request (in a worker thread: HTTP only, no database). A lost answer or
        a 5xx goes again with the same requestid, so QuickBooks applies it once."""
        items = []
        for index, op in enumerate(batch):
            item = {"bId": str(index), "operation": op.operation, op.entity: op.payload}
            items.append(item)
        client = self._client()
        for attempt in range(BATCH_RETRIES + 1):
            try:
                return client.batch(items, request_id=request_id)
            except QboAuthError:
                raise
            except QboError as error:
                if not error.retryable or attempt == BATCH_RETRIES:
                    raise
                time.sleep(getattr(error, "retry_after", None) or 2 ** attempt)
        raise AssertionError("unreachable")

    def _client(self) -> QboClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = QboClient(env_name=self.connection.environment, realm_id=self.realm,
                               access_token=self.token)
            self._local.client = client
        return client

    def _query_in(self, entity: str, field_name: str, values: list[str]) -> list[dict]:
        found: list[dict] = []
        values = list(dict.fromkeys(values))
        for start in range(0, len(values), NAMES_PER_QUERY):
            chunk = values[start:start + NAMES_PER_QUERY]
            found += self.engine.call("query", rules.select_where_in(entity, field_name, chunk))
        return found

    # our own records -----------------------------------------------------------------------
    def _records(self, kind: str, wanted: dict[str, dict]) -> dict[str, SyncRecord]:
        """The records for these keys, made where missing (two queries and an insert)."""
        have = {r.key: r for r in SyncRecord.objects.filter(realm_id=self.realm,
                                                            key__in=list(wanted))}
        new = [SyncRecord(realm_id=self.realm, key=key, account=self.account, kind=kind,
                          **links) for key, links in wanted.items() if key not in have]
        if new:
            SyncRecord.objects.bulk_create(new, ignore_conflicts=True)
            have |= {r.key: r for r in SyncRecord.objects.filter(
                realm_id=self.realm, key__in=[r.key for r in new])}
        return have

    def _landed(self, ops: list[Op]) -> None:
        """Record what QuickBooks now has, and log it, in a few statements."""
        if not ops:
            return
        now = timezone.now()
        records = []
        renumbered = []
        for op in ops:
            record = op.record
            record.qbo_id = str(op.answer["Id"])
            record.sync_token = str(op.answer.get("SyncToken", ""))
            record.fingerprint = op.fingerprint
            record.qbo_name = op.name or record.qbo_name
            record.pending_request_id = ""
            record.state = State.SYNCED
            record.last_error = ""
            record.warning = op.warning
            record.synced_at = record.state_changed_at = now
            qbo_number = str(op.answer.get("DocNumber") or "")
            if op.entity == "Invoice" and qbo_number != op.name:
                # QuickBooks numbered it itself: custom numbers were turned off since the
                # settings were read. Blocked until they are on; its next push sets the number.
                record.fingerprint, record.qbo_name = "", qbo_number
                record.state = State.BLOCKED
                record.last_error = renumbered_message(doc_number=op.name,
                                                       qbo_number=qbo_number)
                renumbered.append(op)
            records.append(record)
        _save_landed(records)
        if renumbered:
            self.engine.snapshot = connection_check_settings(connection=self.connection,
                                                             client=self.engine.client)
            SyncLog.objects.bulk_create([
                SyncLog(record=op.record, operation=op.operation,
                        outcome=SyncLog.Outcome.BLOCKED, message=op.record.last_error)
                for op in renumbered])
            ops = [op for op in ops if op not in renumbered]
        SyncLog.objects.bulk_create([
            SyncLog(record=op.record, operation=op.operation if op.payload else "adopt",
                    outcome=SyncLog.Outcome.SYNCED, message=op.warning)
            for op in ops if op.entity in ("Invoice", "Payment")
        ])
        self.result.synced += sum(op.entity in ("Invoice", "Payment") for op in ops)


_LANDED_FIELDS = ("qbo_id", "sync_token", "fingerprint", "qbo_name", "pending_request_id",
                  "state", "last_error", "warning", "synced_at", "state_changed_at")


def _save_landed(records: list[SyncRecord]) -> None:
    """One UPDATE statement run for many rows (executemany). Django's bulk_update builds a
    CASE expression per field and row, which cost a drain more CPU than anything else."""
    meta = SyncRecord._meta
    fields = [meta.get_field(name) for name in _LANDED_FIELDS]
    # An invoice or payment edited while its batch was in flight was put back in the outbox:
    # it stays there (not marked synced over the edit), and its next push sends the change.
    edited = "state = 'needs_sync' AND kind IN ('invoice', 'payment')"
    columns = ", ".join(
        f"{field.column} = CASE WHEN {edited} THEN {field.column} ELSE %s END"
        if field.name in ("state", "state_changed_at") else f"{field.column} = %s"
        for field in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {meta.db_table} SET {columns} WHERE id = %s",  # noqa: S608 - our names
            [[field.get_db_prep_save(getattr(record, field.attname), connection)
              for field in fields] + [record.pk] for record in records],
        )
