"""Changes made in QuickBooks, brought back: webhooks and change data capture (CDC).

Intuit's webhooks carry ids only, may repeat, arrive out of order or be lost (QBO-FACTS.md
"Changes in QuickBooks"), so every event is handled the same way: read the object's current
state and make hatsync agree with it. Doing that twice changes nothing, and CDC, which reads
what changed since the last look, repairs whatever a lost webhook missed.

An event is a hint, never a fact (anyone holding the verifier token can sign one, and a
signed body can be replayed): a delete or a void is believed only when QuickBooks confirms
it (a read answering "not found" is a delete). An event whose id was applied already
(`AppliedEvent`), or no newer than the state applied for its object (`AppliedState`), is
acknowledged and does nothing, without a read (reads are metered). An older state never
replaces a newer one; an object QuickBooks shows alive loses a "Deleted"/"Voided in
QuickBooks" flag it carries, so CDC repairs what a wrong event did.

What is brought back:
- a payment someone entered in QuickBooks against an invoice hatsync synced becomes a hatsync
  payment "Recorded in QuickBooks" (never sent back); its later edits follow, and when it is
  voided or deleted there it is removed here (the invoice's balance and status follow);
- an invoice or payment hatsync made that is voided or deleted in QuickBooks is only flagged
  (`SyncRecord.qbo_status`): hatsync's own copy never changes behind the user's back;
- hatsync's own writes coming back as events (same SyncToken, or our marker) change nothing;
- a customer or item merged into another in QuickBooks: hatsync's records of the one deleted
  point at the one kept, so the next invoice uses it (nothing is made twice). The webhook names
  both (and both are read: a merge is believed when QuickBooks shows the one gone and the
  other there); CDC shows only the deleted one, and the kept one through our invoices (their
  customer, their lines) moved to it.
"""

import base64
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from invoices import services as crm
from invoices.models import Payment

from .. import counters, rules
from ..models import AppliedEvent, AppliedState, QuickBooksConnection, SyncLog, SyncRecord
from ..qbo.client import QboClient
from ..qbo.errors import QboAuthError, QboError, QboFault
from ..signals import receiving_from_quickbooks
from . import exactly_once
from .exactly_once import payment_key
from .outbox import records_waiting
from .tokens import connection_access_token

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind

ENTITIES = ("Payment", "Invoice")
# CDC also reads customers and items, for merges (the same one call: no read more).
CDC_ENTITIES = (*ENTITIES, "Customer", "Item")
MERGED = {"customer": "Customer", "item": "Item"}  # webhook spelling -> entity
CDC_MAX_DAYS = 30
CDC_MAX_OBJECTS = 1000  # per entity per answer
CDC_OVERLAP = timedelta(minutes=1)  # clocks differ; reading a change twice is harmless
# A record of a payment made in QuickBooks (not by hatsync) has origin QUICKBOOKS: it is
# never pushed back.
QUICKBOOKS = SyncRecord.Origin.QUICKBOOKS
VOIDED, DELETED = SyncRecord.QboStatus.VOIDED, SyncRecord.QboStatus.DELETED
_EVENT_TYPE = re.compile(r"^qbo\.(\w{1,40})\.(\w{1,40})\.v\d{1,4}$")
# QuickBooks ids and realm ids are short plain strings (numbers): anything else names nothing
# (and never goes into a read's URL).
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_SYNC_TOKEN = re.compile(r"^[0-9]{1,18}$")
MAX_BODY_BYTES = 2 * 1024 * 1024  # Django refuses more anyway (DATA_UPLOAD_MAX_MEMORY_SIZE)
MAX_DEPTH = 16  # a CloudEvent is 3 deep (array, event, data)
MAX_EVENT_ID = 100  # AppliedEvent.event_id
# Applied event ids and object states are kept a week: Intuit retries a delivery at 6-hour
# intervals for as long as it is not acknowledged, and an event older than that is simply
# read again (a read is a fact).
APPLIED_KEPT = timedelta(days=7)
_PLAIN_METHOD = re.compile(r"^Payment method:\s*(.+)$", re.IGNORECASE)


# pure: the webhook's body and the objects read -----------------------------------------------
def signature_is_valid(*, body: bytes, signature: str, verifier_token: str) -> bool:
    """`intuit-signature` is base64 of HMAC-SHA256 over the raw body, keyed with the app's
    verifier token; compared in constant time. No token configured: nothing is valid."""
    if not verifier_token or not signature:
        return False
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), signature.strip())


def parse_events(body: bytes) -> list[dict]:
    """The CloudEvents of one delivery: a JSON array of objects, each with a type, at most
    MAX_BODY_BYTES long and MAX_DEPTH deep. Raises ValueError for anything else (never
    RecursionError: the view answers 400)."""
    if len(body) > MAX_BODY_BYTES:
        raise ValueError("a webhook body is at most 2 MB")
    try:
        events = json.loads(body)
    except RecursionError as error:
        raise ValueError("a webhook body is not nested that deep") from error
    if not isinstance(events, list):
        raise ValueError("a webhook body is a JSON array of CloudEvents")
    if _depth(events) > MAX_DEPTH:
        raise ValueError("a webhook body is not nested that deep")
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise ValueError("every CloudEvent has a type")
    return events


def _depth(value) -> int:
    """How deep lists and objects nest in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack += [(v, depth + 1) for v in
                          (value.values() if isinstance(value, dict) else value)]
    return deepest


def _plain(value) -> str:
    """An id or a time in an event, as text; "" when it is not a plain string or number."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)


def event_id(event: dict) -> str:
    """A CloudEvent's `id` ("" when it has none hatsync can keep)."""
    text = _plain(event.get("id"))
    return text if len(text) <= MAX_EVENT_ID else ""


def event_time(text: str) -> datetime | None:
    """A CloudEvent's `time` (or a MetaData time), aware; None when it is not a time."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else timezone.make_aware(moment, UTC)


def applied_time(entity: dict | None, when: str, *, now: datetime) -> datetime:
    """The time of a state applied: its LastUpdatedTime, or the event's time when that is
    later, but never later than `now` (the read, after it, is what was applied: an event
    dated in the future cannot hold back the next changes)."""
    times = [t for t in (event_time(((entity or {}).get("MetaData") or {}).get(
        "LastUpdatedTime", "")), event_time(when)) if t is not None]
    return min(max(times), now) if times else now


def state_is_newer(*, sync_token: str, changed: datetime | None, applied_token: str,
                   applied_at: datetime | None) -> bool:
    """Is a state of an object (its SyncToken, its LastUpdatedTime) newer than the one applied?
    By the SyncTokens when both are known (QuickBooks adds one at every change; its times are
    whole seconds), else by the times."""
    if _SYNC_TOKEN.match(sync_token) and _SYNC_TOKEN.match(applied_token):
        return int(sync_token) > int(applied_token)
    return changed is None or applied_at is None or changed > applied_at


def echo_of_own_write(*, event_at: datetime | None, written_at: list) -> bool:
    """Is an event hatsync's own write coming back? QuickBooks sends an event for every
    change, ours too; one dated no later than hatsync's last write of the object (each of
    its records: `written_at`, when the answer was stored) announces nothing newer, and is
    not read (reads are metered). A change made in QuickBooks after it is later: read. (A
    change within the clocks' difference of our write is left to the daily catch-up.)"""
    return (event_at is not None and bool(written_at)
            and all(w is not None and event_at <= w for w in written_at))


def _later_token(applied: str, seen: str) -> str:
    if _SYNC_TOKEN.match(applied) and _SYNC_TOKEN.match(seen):
        return str(max(int(applied), int(seen)))
    return seen or applied


@dataclass(frozen=True)
class Change:
    realm_id: str
    entity: str  # "Payment" or "Invoice"
    qbo_id: str
    operation: str  # created, updated, deleted, voided…
    time: str = ""


def changes_in(events: list[dict]) -> list[Change]:
    """The payment and invoice changes among `events`, one per object (its last event: the
    object is read anyway, a delete too). Events naming no plain ids are left out."""
    found: dict[tuple[str, str, str], Change] = {}
    for event in events:
        if not isinstance(event, dict):
            continue
        match = _EVENT_TYPE.match(_plain(event.get("type")))
        realm, qbo_id = _plain(event.get("intuitaccountid")), _plain(event.get("intuitentityid"))
        if not match or not _PLAIN_ID.match(realm) or not _PLAIN_ID.match(qbo_id):
            continue
        entity = next((e for e in ENTITIES if e.lower() == match.group(1)), None)
        if entity is None:
            continue
        change = Change(realm, entity, qbo_id, match.group(2), _plain(event.get("time")))
        key = (realm, entity, qbo_id)
        if key not in found or change.time >= found[key].time:
            found[key] = change
    return list(found.values())


@dataclass(frozen=True)
class Merge:
    realm_id: str
    entity: str  # "Customer" or "Item"
    survivor_id: str  # the one QuickBooks kept
    deleted_id: str  # the one it deleted
    time: str = ""


def merges_in(events: list[dict]) -> list[Merge]:
    """The customers and items merged, oldest first: `qbo.customer.merged.v1` names the kept
    one (`intuitentityid`) and the deleted one (`data.deletedid`, as Intuit's "Understanding
    the data object" page spells it; `deletedId` as its SDKs do)."""
    found = []
    for event in events:
        if not isinstance(event, dict):
            continue
        match = _EVENT_TYPE.match(_plain(event.get("type")))
        if not match or match.group(2) != "merged" or match.group(1) not in MERGED:
            continue
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        realm = _plain(event.get("intuitaccountid"))
        survivor = _plain(event.get("intuitentityid"))
        deleted = _plain(data.get("deletedid") or data.get("deletedId") or "")
        if all(_PLAIN_ID.match(i) for i in (realm, survivor, deleted)) and survivor != deleted:
            found.append(Merge(realm, MERGED[match.group(1)], survivor, deleted,
                               _plain(event.get("time"))))
    return sorted(dict.fromkeys(found), key=lambda merge: merge.time)


def survivors_seen(moved: list[tuple[str, str]], deleted: set[str]) -> dict[str, str]:
    """Customers deleted in QuickBooks whose invoices now belong to another customer: a merge
    (deleted id -> kept id). `moved`: (the customer an invoice of ours was made for, its
    CustomerRef now). A deleted customer whose invoices went two ways, or none: not known."""
    kept: dict[str, set[str]] = {}
    for was, now in moved:
        if was in deleted and now and now != was:
            kept.setdefault(was, set()).add(now)
    return {was: next(iter(now)) for was, now in kept.items() if len(now) == 1}


def items_moved(used: set[str], invoice: dict) -> list[tuple[str, str]]:
    """(an item id hatsync put on this invoice, the item its lines carry now) for the one item
    that is gone from it when exactly one new item came instead (a merge moved the lines).
    `used`: the item ids hatsync's records gave the invoice's lines."""
    now = {str((line.get("SalesItemLineDetail") or {}).get("ItemRef", {}).get("value", ""))
           for line in invoice.get("Line", []) or []
           if line.get("DetailType") == "SalesItemLineDetail"} - {"", rules.GRATUITY_ITEM_ID}
    gone, came = used - now, now - used
    if len(gone) == 1 and len(came) == 1:
        return [(next(iter(gone)), next(iter(came)))]
    return []


def is_gone(entity: dict | None) -> bool:
    """The one a merge deleted, as QuickBooks shows it: not found, or inactive (QuickBooks
    keeps a deleted name inactive)."""
    return entity is None or entity.get("Active") is False


def is_there(entity: dict | None) -> bool:
    """The one a merge kept, as QuickBooks shows it: found and active."""
    return entity is not None and entity.get("Active") is not False


def is_voided(entity: dict) -> bool:
    """QuickBooks marks a voided invoice or payment by its memo and zero amounts."""
    return str(entity.get("PrivateNote", "")).strip().lower().startswith("voided")


def is_ours(entity: dict) -> bool:
    """Made by hatsync: our marker is its whole PrivateNote (exactly_once.py)."""
    return exactly_once.is_our_invoice_or_payment(str(entity.get("PrivateNote", "")))


def _amount_from_qbo(value) -> Decimal:
    """An amount in a QuickBooks answer, to the cent (0.00 when it is not a number)."""
    try:
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal("0.00")


def applied_to_invoices(payment: dict) -> dict[str, Decimal]:
    """How much of a QuickBooks payment pays each invoice (by the invoice's QuickBooks Id)."""
    applied: dict[str, Decimal] = {}
    for line in payment.get("Line", []) or []:
        invoices = [str(t.get("TxnId")) for t in line.get("LinkedTxn", []) or []
                    if t.get("TxnType") == "Invoice"]
        if len(invoices) == 1:
            applied[invoices[0]] = applied.get(invoices[0], Decimal("0")) + _amount_from_qbo(
                line.get("Amount"))
    return {qbo_id: amount for qbo_id, amount in applied.items() if amount > 0}


def payment_method_for(payment: dict, payment_methods: list[dict] | None = None) -> str:
    """hatsync's payment method for a QuickBooks payment: its PaymentMethodRef's name (or,
    when the answer gives only its Id, the name the settings snapshot's `payment_methods`
    has for it; without payment methods in the company, the method written in its memo)."""
    ref = payment.get("PaymentMethodRef") or {}
    name = str(ref.get("name") or "")
    if not name and ref.get("value"):
        name = next((m.get("name", "") for m in payment_methods or []
                     if str(m.get("id")) == str(ref["value"])), "")
    if not name:
        match = _PLAIN_METHOD.match(str(payment.get("PrivateNote", "")).strip())
        name = match.group(1) if match else ""
    name = name.strip().lower()
    if not name:
        return Payment.Method.OTHER
    if name == "cash":
        return Payment.Method.CASH
    if "check" in name or "cheque" in name:
        return Payment.Method.CHECK
    cards = ("card", "visa", "mastercard", "master card", "amex", "american express",
             "discover", "diners")
    if any(word in name for word in cards):
        return Payment.Method.CARD
    if any(word in name for word in ("bank", "transfer", "ach", "eft", "wire", "direct")):
        return Payment.Method.BANK_TRANSFER
    return Payment.Method.OTHER


def payment_date(payment: dict) -> date:
    try:
        return date.fromisoformat(str(payment.get("TxnDate", ""))[:10])
    except ValueError:
        return timezone.localdate()


def changed_at(entity: dict | None, fallback: str = "") -> datetime:
    """When QuickBooks last changed it (for "Voided in QuickBooks on …")."""
    stamp = ((entity or {}).get("MetaData") or {}).get("LastUpdatedTime") or fallback
    return event_time(stamp) or timezone.now()


def cdc_since(*, cursor: datetime | None, connected_at: datetime, now: datetime) -> datetime:
    """Where change data capture starts: the cursor (or the connection), at most 30 days
    back (QuickBooks refuses more)."""
    oldest = now - timedelta(days=CDC_MAX_DAYS) + timedelta(minutes=5)
    return max(cursor or connected_at, oldest)


# reading QuickBooks -----------------------------------------------------------------------------
def _client(connection: QuickBooksConnection) -> QboClient:
    """A reader inside the company's request budget: a full budget raises
    QboBudgetExhausted (the task goes again later) instead of sleeping in a worker."""
    token = connection_access_token(connection_id=connection.pk)
    if not token:
        raise QboAuthError("QuickBooks no longer accepts this connection.")
    return QboClient(env_name=connection.environment, realm_id=connection.realm_id,
                     access_token=token, wait_for_budget=False)


def _read(client: QboClient, entity: str, qbo_id: str) -> dict | None:
    """The object as it is now; None when QuickBooks no longer has it (deleted)."""
    try:
        return client.read(entity, qbo_id)
    except QboFault as error:
        if error.is_not_found:
            return None
        raise


# services ------------------------------------------------------------------------------------
def connection_holding(realm_id: str) -> QuickBooksConnection | None:
    """The one connected account holding this QuickBooks company, which an event for it is
    routed to (one account per company: connection_one_account_per_company). None when no
    account holds it, or when two do (in different environments): then nobody is guessed."""
    holders = list(QuickBooksConnection.objects.filter(
        realm_id=realm_id, status=QuickBooksConnection.Status.CONNECTED
    ).select_related("account")[:2])
    if len(holders) != 1:
        if holders:
            logger.warning("QuickBooks events for company %s ignored: %d connections hold it",
                           realm_id, len(holders))
        return None
    return holders[0]


def process_events(*, events: list[dict]) -> int:
    """Apply the changes a webhook announced, per connected company. Returns how many
    objects were looked at (read, or merged). Events of companies not connected here, events
    applied already and events no newer than what hatsync applied are ignored."""
    by_realm: dict[str, list[dict]] = {}
    for event in events:
        realm = _plain(event.get("intuitaccountid")) if isinstance(event, dict) else ""
        if _PLAIN_ID.match(realm):
            by_realm.setdefault(realm, []).append(event)
    done = 0
    for realm, realm_events in by_realm.items():
        connection = connection_holding(realm)
        if connection is None:
            continue
        QuickBooksConnection.objects.filter(pk=connection.pk).update(
            last_webhook_at=timezone.now())
        fresh = _not_applied_yet(connection, realm_events)
        done += _apply_events(connection, fresh)
        AppliedEvent.objects.bulk_create(
            [AppliedEvent(account_id=connection.account_id, realm_id=realm, event_id=i)
             for i in dict.fromkeys(event_id(e) for e in fresh) if i],
            ignore_conflicts=True)
    return done


def _not_applied_yet(connection: QuickBooksConnection, events: list[dict]) -> list[dict]:
    """The events whose ids hatsync has not applied (an event without an id is kept: the
    order guard and the read still stand between it and the books)."""
    ids = {event_id(e) for e in events} - {""}
    seen = set(AppliedEvent.objects.filter(
        account_id=connection.account_id, realm_id=connection.realm_id, event_id__in=ids,
    ).values_list("event_id", flat=True)) if ids else set()
    return [e for e in events if event_id(e) not in seen]


def _apply_events(connection: QuickBooksConnection, events: list[dict]) -> int:
    changes = changes_in(events)
    done = 0
    client = None
    for merge in merges_in(events):
        if not _holds(connection, merge.entity, merge.deleted_id):
            continue  # nothing of ours to move: no read
        client = client or _client(connection)
        if is_gone(_read(client, merge.entity, merge.deleted_id)) and is_there(
                _read(client, merge.entity, merge.survivor_id)):
            apply_merge(connection=connection, entity_name=merge.entity,
                        survivor_id=merge.survivor_id, deleted_id=merge.deleted_id)
        else:
            logger.warning("A merge of %s %s into %s (realm %s) that QuickBooks does not show "
                           "was ignored", merge.entity, merge.deleted_id, merge.survivor_id,
                           connection.realm_id)
        done += 1
    applied = _applied_states(connection, [(c.entity, c.qbo_id) for c in changes])
    written = _written_at(connection, [(c.entity, c.qbo_id) for c in changes])
    for change in changes:
        known = applied.get((change.entity, change.qbo_id))
        when = event_time(change.time)
        if known is not None and when is not None and when <= known.changed_at:
            continue  # what hatsync applied is at least as new: no read
        if echo_of_own_write(event_at=when,
                             written_at=written.get((change.entity, change.qbo_id), [])):
            continue  # hatsync's own write coming back: no read
        client = client or _client(connection)
        now = timezone.now()
        entity = _read(client, change.entity, change.qbo_id)  # None: confirmed deleted
        _apply_if_newer(connection, change.entity, change.qbo_id, entity, change.time,
                        known=known, now=now)
        done += 1
    return done


def _written_at(connection: QuickBooksConnection,
                objects: list[tuple[str, str]]) -> dict[tuple[str, str], list]:
    """When hatsync last wrote (or read) these (entity, QuickBooks id) objects, by object:
    each of their records' `synced_at`; for an invoice, the latest of it and of hatsync's
    payments on it (a payment changes the invoice in QuickBooks: its balance)."""
    kinds = {"Invoice": Kind.INVOICE, "Payment": Kind.PAYMENT}
    entities = {kind: entity for entity, kind in kinds.items()}
    wanted = {(kinds[e], i) for e, i in objects if e in kinds}
    if not wanted:
        return {}
    scope = {"account_id": connection.account_id, "realm_id": connection.realm_id}
    rows = [row for row in SyncRecord.objects.filter(
        kind__in={k for k, _ in wanted}, qbo_id__in={i for _, i in wanted}, **scope,
    ).values_list("kind", "qbo_id", "synced_at", "invoice_id") if row[:2] in wanted]
    invoice_ids = {row[3] for row in rows if row[0] == Kind.INVOICE and row[3]}
    paid = dict(SyncRecord.objects.filter(
        kind=Kind.PAYMENT, payment__invoice_id__in=invoice_ids,
        origin=SyncRecord.Origin.HATSYNC, **scope).values("payment__invoice_id").annotate(
        last=Max("synced_at")).values_list("payment__invoice_id", "last")) if invoice_ids else {}
    found: dict[tuple[str, str], list] = {}
    for kind, qbo_id, synced_at, invoice_id in rows:
        payment_at = paid.get(invoice_id) if kind == Kind.INVOICE else None
        if synced_at is not None and payment_at is not None:
            synced_at = max(synced_at, payment_at)
        found.setdefault((entities[kind], qbo_id), []).append(synced_at)
    return found


def _holds(connection: QuickBooksConnection, entity_name: str, qbo_id: str) -> bool:
    kind = Kind.CUSTOMER if entity_name == "Customer" else Kind.ITEM
    return SyncRecord.objects.filter(account_id=connection.account_id,
                                     realm_id=connection.realm_id, kind=kind,
                                     qbo_id=qbo_id).exists()


def _applied_states(connection: QuickBooksConnection,
                    objects: list[tuple[str, str]]) -> dict[tuple[str, str], AppliedState]:
    """The states hatsync applied of these (entity, QuickBooks id) objects, by object."""
    wanted = set(objects)
    if not wanted:
        return {}
    states = AppliedState.objects.filter(
        account_id=connection.account_id, realm_id=connection.realm_id,
        entity__in={entity for entity, _ in wanted}, qbo_id__in={i for _, i in wanted})
    return {(s.entity, s.qbo_id): s for s in states if (s.entity, s.qbo_id) in wanted}


def _apply_if_newer(connection: QuickBooksConnection, entity_name: str, qbo_id: str,
                    entity: dict | None, when: str, *, known: AppliedState | None,
                    now: datetime) -> str:
    """Apply one object as QuickBooks showed it (None: deleted) unless hatsync applied a newer
    state of it already (a delete is never older: nothing comes after it), and remember it."""
    outcome = "older"
    if entity is None or known is None or state_is_newer(
            sync_token=str(entity.get("SyncToken", "")),
            changed=event_time((entity.get("MetaData") or {}).get("LastUpdatedTime", "")),
            applied_token=known.sync_token, applied_at=known.changed_at):
        outcome = apply_change(connection=connection, entity_name=entity_name, qbo_id=qbo_id,
                               entity=entity, when=when)
    _remember(connection, entity_name, qbo_id, entity, when, now=now)
    return outcome


@transaction.atomic
def _remember(connection: QuickBooksConnection, entity_name: str, qbo_id: str,
              entity: dict | None, when: str, *, now: datetime) -> None:
    at = applied_time(entity, when, now=now)
    token = str((entity or {}).get("SyncToken", ""))
    state, created = AppliedState.objects.select_for_update().get_or_create(
        account_id=connection.account_id, realm_id=connection.realm_id, entity=entity_name,
        qbo_id=qbo_id, defaults={"changed_at": at, "sync_token": token[:20]})
    if not created:
        AppliedState.objects.filter(pk=state.pk).update(
            changed_at=max(state.changed_at, at),
            sync_token=_later_token(state.sync_token, token)[:20], applied_at=timezone.now())


def forget_applied(*, connection: QuickBooksConnection, now: datetime) -> int:
    """Applied event ids and object states older than APPLIED_KEPT go (the catch-up calls it).
    Returns how many."""
    before = now - APPLIED_KEPT
    scope = {"account_id": connection.account_id, "realm_id": connection.realm_id,
             "applied_at__lt": before}
    events, _ = AppliedEvent.objects.filter(**scope).delete()
    states, _ = AppliedState.objects.filter(**scope).delete()
    return events + states


def catch_up(*, connection_id: int, queued_at: datetime | None = None) -> int:
    """Change data capture for one company: every payment and invoice changed since the
    cursor goes through the same handling as a webhook (a state older than the one applied
    is skipped); then the cursor moves to when this read started (less an overlap). Returns
    how many objects were looked at. Nothing is read when a CDC started after `queued_at`
    (when this one was asked for): that one covers it."""
    connection = QuickBooksConnection.objects.select_related("account").get(pk=connection_id)
    if not connection.is_connected:
        return 0
    if queued_at and connection.cdc_read_at and connection.cdc_read_at >= queued_at:
        return 0
    started = timezone.now()
    forget_applied(connection=connection, now=started)
    since = cdc_since(cursor=connection.cdc_cursor, connected_at=connection.connected_at,
                      now=started)
    try:
        changed = _client(connection).change_data_capture(
            list(CDC_ENTITIES), since.isoformat(timespec="seconds"))
    except QboError:
        counters.count("hatsync_cdc_runs_total", result="failed")
        raise
    counters.count("hatsync_cdc_runs_total", result="read")
    done = 0
    cursor = max(started - CDC_OVERLAP, since)
    for entity_name in CDC_ENTITIES:
        page = changed.get(entity_name, [])
        if len(page) >= CDC_MAX_OBJECTS:  # more than one answer holds: go on from the last
            cursor = min(cursor, changed_at(page[-1]))
    done += _merges_seen(connection, changed) + _item_merges_seen(connection, changed)
    for entity_name in ENTITIES:
        found_all = [f for f in changed.get(entity_name, []) if _PLAIN_ID.match(
            _plain(f.get("Id")))]
        applied = _applied_states(connection, [(entity_name, str(f["Id"])) for f in found_all])
        for found in found_all:
            deleted = str(found.get("status", "")).lower() == "deleted"
            _apply_if_newer(connection, entity_name, str(found["Id"]),
                            None if deleted else found,
                            str((found.get("MetaData") or {}).get("LastUpdatedTime", "")),
                            known=applied.get((entity_name, str(found["Id"]))), now=started)
            done += 1
    QuickBooksConnection.objects.filter(pk=connection.pk).update(cdc_cursor=cursor,
                                                                 cdc_read_at=started)
    return done


# when change data capture is due (a metered call: rules.cdc_due) ------------------------------
def webhooks_configured() -> bool:
    """Without a verifier token every delivery is refused: CDC is the only way in."""
    return bool(settings.QBO_WEBHOOK_VERIFIER_TOKEN)


def connections_due_for_cdc(*, now: datetime) -> list[int]:
    """The connected companies whose change data capture is due now (the beat's tick: the
    database only, no call to QuickBooks)."""
    configured = webhooks_configured()
    due = []
    for connection in QuickBooksConnection.objects.filter(
            status=QuickBooksConnection.Status.CONNECTED):
        written = SyncRecord.objects.filter(
            account_id=connection.account_id, realm_id=connection.realm_id,
        ).exclude(qbo_id="").exclude(origin=QUICKBOOKS).aggregate(
            count=Count("pk"), last=Max("synced_at"))
        if rules.cdc_due(
                now=now, last_cdc_at=connection.cdc_read_at or connection.connected_at,
                webhooks_configured=configured, gap_at=connection.cdc_gap_at,
                anything_synced=written["count"] > 0, last_write_at=written["last"],
                last_webhook_at=connection.last_webhook_at,
                short_interval=timedelta(seconds=settings.QBO_CDC_INTERVAL_SECONDS),
                catch_up_interval=timedelta(seconds=settings.QBO_CDC_CATCH_UP_SECONDS),
                silence=timedelta(seconds=settings.QBO_WEBHOOK_SILENCE_SECONDS)):
            due.append(connection.pk)
    return due


def mark_gap(*, events: list[dict] | None = None, now: datetime | None = None) -> int:
    """Changes may have been missed: the companies these events name (every connected one
    when `events` is None: a restart) get a CDC at the next tick. Returns how many."""
    connections = QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED)
    if events is not None:
        realms = {_plain(e.get("intuitaccountid")) for e in events if isinstance(e, dict)}
        connections = connections.filter(realm_id__in={r for r in realms if _PLAIN_ID.match(r)})
    return connections.update(cdc_gap_at=now or timezone.now())


def _merges_seen(connection: QuickBooksConnection, changed: dict) -> int:
    """Merges CDC shows: a customer of ours deleted, and our invoices made for it now
    belonging to another customer (the merge moved them). A customer deleted with no such
    invoice is left as it was."""
    deleted = {str(c["Id"]) for c in changed.get("Customer", [])
               if str(c.get("status", "")).lower() == "deleted"}
    losers = dict(SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.CUSTOMER, qbo_id__in=deleted,
        contact__isnull=False).values_list("contact_id", "qbo_id")) if deleted else {}
    if not losers:
        return 0
    now = {str(i["Id"]): str((i.get("CustomerRef") or {}).get("value", ""))
           for i in changed.get("Invoice", []) if str(i.get("status", "")).lower() != "deleted"}
    made_for = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.INVOICE, qbo_id__in=list(now),
        invoice__contact_id__in=list(losers)).values_list("qbo_id", "invoice__contact_id")
    moved = [(losers[contact], now[qbo_id]) for qbo_id, contact in made_for]
    for deleted_id, survivor_id in survivors_seen(moved, deleted).items():
        apply_merge(connection=connection, entity_name="Customer", survivor_id=survivor_id,
                    deleted_id=deleted_id)
    return len(losers)


def _item_merges_seen(connection: QuickBooksConnection, changed: dict) -> int:
    """Item merges CDC shows: an item of ours deleted, and the lines of our invoices that
    used it now carrying one other item. Else the item is left as it was."""
    realm = connection.realm_id
    deleted = {str(i["Id"]) for i in changed.get("Item", [])
               if str(i.get("status", "")).lower() == "deleted"}
    ours = set(SyncRecord.objects.filter(account_id=connection.account_id, realm_id=realm,
                                         kind=Kind.ITEM, qbo_id__in=deleted)
               .values_list("qbo_id", flat=True)) if deleted else set()
    if not ours:
        return 0
    now = {str(i["Id"]): i for i in changed.get("Invoice", [])
           if str(i.get("status", "")).lower() != "deleted"}
    item_ids = dict(SyncRecord.objects.filter(account_id=connection.account_id,
                                              realm_id=realm, kind=Kind.ITEM)
                    .exclude(qbo_id="").values_list("key", "qbo_id"))
    moved = []
    for record in SyncRecord.objects.filter(
            account_id=connection.account_id,
            realm_id=realm, kind=Kind.INVOICE, qbo_id__in=list(now),
            invoice__lines__product__isnull=False).distinct().prefetch_related(
            "invoice__lines"):
        used = {item_ids.get(exactly_once.item_key(rules.item_name_for(line.name)), "")
                for line in record.invoice.lines.all()} - {""}
        if used & ours:
            moved += items_moved(used, now[record.qbo_id])
    for deleted_id, survivor_id in survivors_seen(moved, ours).items():
        apply_merge(connection=connection, entity_name="Item", survivor_id=survivor_id,
                    deleted_id=deleted_id)
    return len(ours)


@transaction.atomic
def apply_merge(*, connection: QuickBooksConnection, entity_name: str, survivor_id: str,
                deleted_id: str) -> int:
    """A customer or item merged in QuickBooks: hatsync's records of the deleted one point at
    the kept one from now on (its SyncToken and name when hatsync knows it, else a later
    update reads the SyncToken when QuickBooks says it is stale). Safe to repeat. Returns
    how many records moved."""
    kind = Kind.CUSTOMER if entity_name == "Customer" else Kind.ITEM
    records = list(SyncRecord.objects.select_for_update().filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=kind, qbo_id=deleted_id))
    if not records:
        return 0
    kept = SyncRecord.objects.filter(account_id=connection.account_id,
                                     realm_id=connection.realm_id, kind=kind,
                                     qbo_id=survivor_id).first()
    fields: dict = {"qbo_id": survivor_id}
    if kept:
        fields["sync_token"] = kept.sync_token
        if kind == Kind.CUSTOMER:
            fields["qbo_name"] = kept.qbo_name
    # Else the SyncToken stays: QuickBooks takes it if it is the kept one's, or answers stale
    # and the update reads the current one (an empty one would be refused as missing).
    SyncRecord.objects.filter(pk__in=[r.pk for r in records]).update(**fields)
    what = "customer" if kind == Kind.CUSTOMER else "product"
    SyncLog.objects.bulk_create(SyncLog(
        record=record, operation="merge", outcome=SyncLog.Outcome.SYNCED,
        message=(f"This {what} was merged into another one in QuickBooks"
                 + (f" ({kept.qbo_name})" if kept and kept.qbo_name else "")
                 + ". hatsync uses the one QuickBooks kept from now on.")) for record in records)
    logger.info("QuickBooks merged %s %s into %s (realm %s): %d record(s) follow", entity_name,
                deleted_id, survivor_id, connection.realm_id, len(records))
    return len(records)


def apply_change(*, connection: QuickBooksConnection, entity_name: str, qbo_id: str,
                 entity: dict | None, when: str = "") -> str:
    """Make hatsync agree with one QuickBooks object as it is now (`entity`; None: deleted).
    Safe to repeat. Returns what was done, for logs and tests."""
    with receiving_from_quickbooks():
        if entity_name == "Invoice":
            return _invoice_changed(connection, qbo_id, entity, when)
        return _payment_changed(connection, qbo_id, entity, when)


def _flag(records, status: str, at: datetime) -> int:
    """Flag hatsync's own records of an object voided or deleted in QuickBooks (once)."""
    return SyncRecord.objects.filter(pk__in=[r.pk for r in records]).exclude(
        qbo_status=status).update(qbo_status=status, qbo_status_at=at)


def _unflag(records) -> int:
    """QuickBooks shows the object alive and not voided: a "Deleted"/"Voided in QuickBooks"
    flag hatsync's records of it carry is wrong (a wrong event believed before issue 21), and
    goes. An invoice voided here meanwhile ("void it here too", nothing was sent) waits to be
    voided there. Returns how many records lost their flag."""
    flagged = [r for r in records if r.changed_in_quickbooks]
    if not flagged:
        return 0
    SyncRecord.objects.filter(pk__in=[r.pk for r in flagged]).update(qbo_status="",
                                                                    qbo_status_at=None)
    to_void = [r.pk for r in flagged if r.kind == Kind.INVOICE and r.invoice_id
               and r.invoice.is_void]
    if to_void:
        SyncRecord.objects.filter(pk__in=to_void).update(
            state=State.NEEDS_SYNC, fingerprint="", state_changed_at=timezone.now())
        transaction.on_commit(lambda: records_waiting.send(sender=None, record_ids=to_void))
    logger.info("QuickBooks shows %s %s alive: its flag went from %d record(s)",
                flagged[0].kind, flagged[0].qbo_id, len(flagged))
    return len(flagged)


def _invoice_changed(connection, qbo_id: str, entity: dict | None, when: str) -> str:
    records = list(SyncRecord.objects.filter(account_id=connection.account_id,
                                             realm_id=connection.realm_id, kind=Kind.INVOICE,
                                             qbo_id=qbo_id))
    if not records:
        return "not ours"
    if entity is None:
        _flag(records, DELETED, changed_at(None, when))
        return "flagged deleted"
    if is_voided(entity):
        own_void = [r for r in records if r.void_in_quickbooks]
        if own_void and len(own_void) == len(records):
            return "ours"  # hatsync voided it
        _flag([r for r in records if not r.void_in_quickbooks], VOIDED,
              changed_at(entity, when))
        return "flagged voided"
    if _unflag(records):
        return "unflagged"
    return "ours" if all(r.sync_token == str(entity.get("SyncToken", "")) for r in records) \
        else "changed in QuickBooks"  # edits made in QuickBooks are not brought back


def _payment_changed(connection, qbo_id: str, entity: dict | None, when: str) -> str:
    realm = connection.realm_id
    records = list(SyncRecord.objects.filter(account_id=connection.account_id, realm_id=realm,
                                             kind=Kind.PAYMENT, qbo_id=qbo_id)
                   .select_related("payment"))
    brought_back = [r for r in records if r.origin == QUICKBOOKS]
    own = [r for r in records if r.origin != QUICKBOOKS]
    gone = entity is None or is_voided(entity)
    if own or (entity is not None and is_ours(entity)):
        if gone and own:
            _flag(own, DELETED if entity is None else VOIDED, changed_at(entity, when))
            return "flagged " + (DELETED if entity is None else VOIDED)
        return "unflagged" if _unflag(own) else "ours"
    applied = {} if gone else applied_to_invoices(entity)
    outcome = "not ours"
    # Ours no longer: removed from an invoice in QuickBooks, voided or deleted there.
    for record in brought_back:
        if record.invoice_id and not any(
            SyncRecord.objects.filter(account_id=connection.account_id, realm_id=realm,
                                      kind=Kind.INVOICE, qbo_id=i,
                                      invoice_id=record.invoice_id).exists()
            for i in applied
        ):
            outcome = _remove(record, status=DELETED if entity is None else VOIDED,
                              at=changed_at(entity, when))
    invoices = SyncRecord.objects.filter(account_id=connection.account_id, realm_id=realm,
                                         kind=Kind.INVOICE,
                                         qbo_id__in=list(applied), invoice__isnull=False)
    for invoice_record in invoices:
        outcome = _bring_back(connection, invoice_record, entity, applied[invoice_record.qbo_id])
    return outcome


@transaction.atomic
def _bring_back(connection, invoice_record: SyncRecord, entity: dict, amount: Decimal) -> str:
    """Create or update the hatsync payment of one QuickBooks payment on one invoice.

    The invoice's record is locked first: two deliveries of the same payment (a repeat, a
    CDC read) wait for each other here, and the second finds the first one's record."""
    invoice_record = SyncRecord.objects.select_for_update().get(pk=invoice_record.pk)
    qbo_id, token = str(entity["Id"]), str(entity.get("SyncToken", ""))
    record = SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.PAYMENT, qbo_id=qbo_id,
        invoice_id=invoice_record.invoice_id, origin=QUICKBOOKS,
    ).select_related("payment").first()
    fields = {"date": payment_date(entity), "amount": amount,
              "method": payment_method_for(
                  entity, (connection.settings_snapshot or {}).get("payment_methods")),
              "reference": str(entity.get("PaymentRefNum", ""))}
    if record is not None and record.payment is not None:
        if record.sync_token == token:
            return "unflagged" if _unflag([record]) else "unchanged"
        crm.payment_update_from_books(payment=record.payment, **fields)
        SyncRecord.objects.filter(pk=record.pk).update(
            sync_token=token, qbo_status="", qbo_status_at=None, synced_at=timezone.now())
        return "updated"
    payment = crm.payment_record_from_books(invoice=invoice_record.invoice, **fields)
    if payment is None:
        logger.info("QuickBooks payment %s pays invoice %s, which is void here: not recorded",
                    qbo_id, invoice_record.invoice_id)
        return "skipped"
    now = timezone.now()
    if record is not None:  # brought back before, then removed (unapplied, voided): again
        SyncRecord.objects.filter(pk=record.pk).update(
            payment=payment, sync_token=token, qbo_status="", qbo_status_at=None,
            synced_at=now)
        return "created"
    SyncRecord.objects.create(
        account=connection.account, realm_id=connection.realm_id, kind=Kind.PAYMENT,
        key=payment_key(payment.pk), payment=payment, invoice=invoice_record.invoice,
        state=State.SYNCED, qbo_id=qbo_id, sync_token=token, origin=QUICKBOOKS,
        qbo_name=rules.shorten_reference(fields["reference"]) if fields["reference"] else "",
        synced_at=now, state_changed_at=now,
    )
    return "created"


@transaction.atomic
def _remove(record: SyncRecord, *, status: str, at: datetime) -> str:
    """A payment brought back from QuickBooks and now voided, deleted or unapplied there:
    removed here too. The record stays (without its payment) so a later read of the same
    QuickBooks payment is recognised."""
    record = SyncRecord.objects.select_for_update().get(pk=record.pk)
    payment = Payment.objects.filter(pk=record.payment_id).first()
    if payment is None:
        return "unchanged"
    if not crm.payment_remove_from_books(payment=payment):
        _flag([record], status, at)  # refunded here: kept, and flagged for the user
        return "flagged " + status
    SyncRecord.objects.filter(pk=record.pk).update(qbo_status=status, qbo_status_at=at)
    return "removed"


def recreate_deleted(*, connection: QuickBooksConnection, invoice_ids: list[int]) -> int:
    """Sync pressed for invoices deleted in QuickBooks: forget their QuickBooks ids so the
    push creates them anew (under a new requestid: QuickBooks would answer the old one with
    the invoice it deleted); hatsync's own payments on them follow. A voided invoice cannot
    be un-voided in QuickBooks: it keeps its flag. The caller queues them. Returns how
    many."""
    records = SyncRecord.objects.filter(account_id=connection.account_id,
                                        realm_id=connection.realm_id, kind=Kind.INVOICE,
                                        invoice_id__in=invoice_ids, qbo_status=DELETED)
    count = 0
    for record in records:
        SyncRecord.objects.filter(pk=record.pk).update(
            qbo_id="", sync_token="", fingerprint="", qbo_status="",
            qbo_status_at=None, state=State.NEEDS_SYNC, state_changed_at=timezone.now(),
            pending_request_id=exactly_once.recreate_request_id(record),
        )
        ids = list(SyncRecord.objects.filter(
            account_id=record.account_id,
            realm_id=record.realm_id, kind=Kind.PAYMENT, payment__invoice_id=record.invoice_id,
            payment__recorded_in_quickbooks=False,
        ).values_list("pk", flat=True))
        SyncRecord.objects.filter(pk__in=ids).update(
            fingerprint="", state=State.NEEDS_SYNC, state_changed_at=timezone.now())
        count += 1
    return count

