"""Exactly once, in one place: how our records are keyed, how our objects are marked in
QuickBooks, every requestid we send, and when to look before creating.

QuickBooks answers a requestid it has seen with its first answer, so the same intended write
always carries the same requestid and is applied once. A write QuickBooks refused outright
is spent: the record counts its refusals (`SyncRecord.refusals`), and the count is part of
the next requestid. A write whose answer was lost keeps its requestid (recorded on the
record with the time it was sent) until it lands.
"""

import re

from django.db.models import F, Q
from django.utils import timezone

from .. import rules
from ..models import SyncRecord

# -- record keys ------------------------------------------------------------------------------


def contact_key(contact_id: int) -> str:
    return f"contact:{contact_id}"


def customer_key(contact_id: int, currency: str = "") -> str:
    """A contact's customer in one currency: `contact:12` in the home currency (`currency`
    blank), `contact:12:USD` in another (a QuickBooks customer's currency is fixed, so each
    currency a contact is billed in is a customer of its own)."""
    return contact_key(contact_id) + (f":{currency.upper()}" if currency else "")


def item_key(name: str) -> str:
    """Products with the same name (any case) are one QuickBooks item."""
    return f"item:{name.casefold()}"[:200]


def invoice_key(invoice_id: int) -> str:
    return f"invoice:{invoice_id}"


def payment_key(payment_id: int) -> str:
    return f"payment:{payment_id}"


def refund_key(refund_id: int) -> str:
    return f"refund:{refund_id}"


def fee_key(payment_id: int) -> str:
    return f"fee:{payment_id}"


# -- markers: what we write in PrivateNote, to tell our objects from others ------------------

INVOICE, PAYMENT, REFUND, FEE = "invoice", "payment", "refund", "fee"
_MARKER = re.compile(r"hatsync (invoice|payment|refund|fee) #(\d+)(?!\d)")


def marker(kind: str, object_id: int) -> str:
    """`hatsync invoice #12`: the whole PrivateNote of an invoice or payment; a refund's
    starts with it and a processing fee's ends with it (in brackets)."""
    return f"hatsync {kind} #{object_id}"


def marked_id(private_note: str | None, kind: str, *, whole: bool = False) -> int | None:
    """The object id in our marker of `kind` in a PrivateNote, or None. `whole`: only when
    the marker is the whole note (an invoice or payment whose note someone changed in
    QuickBooks is not adopted by its note alone)."""
    note = (private_note or "").strip()
    for match in _MARKER.finditer(note):
        if match.group(1) == kind and (not whole or match.group(0) == note):
            return int(match.group(2))
    return None


def is_marked(private_note: str | None, kind: str, object_id: int) -> bool:
    """Whether a PrivateNote carries exactly this marker (#5 is not #50)."""
    return any(m.group(1) == kind and int(m.group(2)) == object_id
               for m in _MARKER.finditer(private_note or ""))


def is_our_invoice_or_payment(private_note: str | None) -> bool:
    """Made by hatsync: our marker is its whole PrivateNote."""
    return any(marked_id(private_note, kind, whole=True) is not None
               for kind in (INVOICE, PAYMENT))


# -- requestids -------------------------------------------------------------------------------


def refusal_salt(refusals: int) -> str:
    """What a push's requestids carry after the pushed record was refused `refusals` times."""
    return f"|refused:{refusals}" if refusals else ""


def write_request_id(record: SyncRecord, *, operation: str, payload: dict, salt: str) -> str:
    """The requestid of one create, update or delete of this record's object. The record's
    pk is part of it: a record made again after Undo sync removed the object (and its record)
    must not be answered with the first, deleted object. `salt`: the push's refusals (see
    `refusal_salt`, and one "|refused" more for each refusal within the push)."""
    if record.deleted_qbo_id:
        # The same object again after the last one was deleted (a fee set to 0, then not):
        # a new requestid, or QuickBooks would answer with the deleted object.
        salt += f"|after:deleted:{record.deleted_qbo_id}"
    return rules.request_id_for(key=f"{record.realm_id}:{record.key}#{record.pk}",
                                operation=operation,
                                content=rules.fingerprint(payload) + salt)


def void_request_id(record: SyncRecord) -> str:
    return rules.request_id_for(key=f"{record.realm_id}:{record.key}", operation="void",
                                content=record.qbo_id)


def recreate_request_id(record: SyncRecord) -> str:
    """An object gone from QuickBooks made again: QuickBooks answers a requestid it has seen
    with its first answer (the object now gone), so the new create gets its own."""
    return rules.request_id_for(key=f"{record.realm_id}:{record.key}", operation="recreate",
                                content=record.qbo_id)


def batch_request_id(realm_id: str, records: list[tuple[SyncRecord, str]]) -> str:
    """One requestid for a batch of (record, fingerprint or operation)."""
    return rules.batch_request_id(
        realm_id=realm_id,
        operations=[(f"{record.key}#{record.pk}", content) for record, content in records])


def is_batch_request_id(request_id: str) -> bool:
    return request_id.startswith(rules.BATCH_REQUEST_PREFIX)


# -- what is in flight ------------------------------------------------------------------------


def send_under(record: SyncRecord, request_id: str) -> None:
    """Record the requestid about to be sent, committed before sending: a later push knows
    this write may have landed, and repeats it under the same requestid."""
    record.pending_request_id = request_id
    record.request_sent_at = timezone.now()
    SyncRecord.objects.filter(pk=record.pk).update(
        pending_request_id=request_id, request_sent_at=record.request_sent_at)


def batch_in_flight(records: list[SyncRecord], request_id: str) -> None:
    """A batch about to be sent: its records are syncing under its requestid.

    A record edited since the drain read it (its `state_changed_at` moved: see
    outbox.mark_needs_sync) keeps waiting: the batch still carries what was read, under the
    requestid kept here, and the landed step leaves the record in the outbox, so the edit
    goes next, as an update."""
    now = timezone.now()
    SyncRecord.objects.filter(pk__in=[record.pk for record in records]).update(
        attempts=F("attempts") + 1, pending_request_id=request_id, request_sent_at=now)
    unchanged = Q()
    for record in records:
        unchanged |= Q(pk=record.pk, state_changed_at=record.state_changed_at)
    SyncRecord.objects.filter(unchanged).update(state=SyncRecord.State.SYNCING,
                                                state_changed_at=now)


def refused(record: SyncRecord) -> None:
    """QuickBooks refused the write outright: its requestid is spent (QuickBooks would only
    repeat the refusal), so the next write of this record gets another one."""
    record.pending_request_id = ""
    record.request_sent_at = None
    SyncRecord.objects.filter(pk=record.pk).update(pending_request_id="",
                                                   request_sent_at=None)


def count_refusal(record_id: int) -> None:
    """A push that ended refused: its next push writes under new requestids."""
    SyncRecord.objects.filter(pk=record_id).update(refusals=F("refusals") + 1)


def may_have_landed(record: SyncRecord, *, pushing: bool = True) -> bool:
    """The one rule for "look before you create": only an earlier attempt whose answer was
    lost can have left an object behind. `pushing`: this attempt is already counted in
    `attempts` (the one-by-one push counts it before it starts; a drain plans first)."""
    earlier = record.attempts - (1 if pushing else 0)
    return earlier > 0 or bool(record.pending_request_id)
