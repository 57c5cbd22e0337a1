"""What a push sends and what came back: the plan a mapper makes for one record, and the one
landed step that records QuickBooks' answers, in one statement for one record or many (the
one-by-one push and the batched drain both record through it)."""

from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from ..models import SyncRecord
from ..qbo.errors import QboFault
from .messages import renumbered_message

State = SyncRecord.State
Kind = SyncRecord.Kind


@dataclass
class Plan:
    """What to send for one record: the operation and its payload, or (`adopt`) the object
    QuickBooks already has, which is recorded as it is."""

    record: SyncRecord
    entity: str
    operation: str  # create, update, delete, void, adopt
    payload: dict = field(default_factory=dict)
    fingerprint: str = ""
    name: str = ""  # the DocNumber or name it is sent under
    warning: str | None = None
    answer: dict | None = None  # adopt: what QuickBooks has; else what it answered
    fault: QboFault | None = None  # what QuickBooks refused it with, in a batch
    intuit_tid: str = ""  # Intuit's id of the answer (a batch's)


@dataclass
class Landed:
    """One answer to record: the record, the object QuickBooks answered with, and what we
    sent (its fingerprint, and the DocNumber or name it was sent under)."""

    record: SyncRecord
    answer: dict
    fingerprint: str = ""
    name: str = ""
    warning: str | None = None  # None: keep the record's own


def renumbered(*, kind: str, answer: dict, doc_number: str) -> str | None:
    """QuickBooks numbered an invoice itself (custom numbers were turned off since the
    settings were read): the message that blocks it until they are on again, else None."""
    qbo_number = str(answer.get("DocNumber") or "")
    if kind != Kind.INVOICE or not doc_number or qbo_number == doc_number:
        return None
    return renumbered_message(doc_number=doc_number, qbo_number=qbo_number)


def record_landed(answers: list[Landed]) -> list[Landed]:
    """Record each answer on its record: synced, or blocked when QuickBooks renumbered the
    invoice (its next push sets the number). Returns the renumbered ones."""
    now = timezone.now()
    blocked = []
    for item in answers:
        record = item.record
        record.qbo_id = str(item.answer["Id"])
        record.sync_token = str(item.answer.get("SyncToken", ""))
        record.fingerprint = item.fingerprint
        record.qbo_name = item.name or record.qbo_name
        record.pending_request_id = ""
        record.request_sent_at = None
        record.deleted_qbo_id = ""  # a new object: the deleted one salts no more requestids
        record.state = State.SYNCED
        record.last_error, record.paused = "", False
        if item.warning is not None:
            record.warning = item.warning
        record.synced_at = record.state_changed_at = now
        message = renumbered(kind=record.kind, answer=item.answer, doc_number=item.name)
        if message:
            record.fingerprint = ""
            record.qbo_name = str(item.answer.get("DocNumber") or "")
            record.state, record.last_error = State.BLOCKED, message
            blocked.append(item)
    _save([item.record for item in answers])
    return blocked


_FIELDS = ("qbo_id", "sync_token", "fingerprint", "qbo_name", "pending_request_id",
           "request_sent_at", "deleted_qbo_id", "state", "last_error", "paused", "warning",
           "synced_at", "state_changed_at")


def _save(records: list[SyncRecord]) -> None:
    """One UPDATE statement run for many rows (executemany). Django's bulk_update builds a
    CASE expression per field and row, which cost a drain more CPU than anything else."""
    if not records:
        return
    meta = SyncRecord._meta
    fields = [meta.get_field(name) for name in _FIELDS]
    # An invoice, payment, fee or refund edited (or deleted) while its write was in flight
    # was put back in the outbox:
    # it stays there (not marked synced over the edit), and its next push sends the change.
    edited = "state = 'needs_sync' AND kind IN ('invoice', 'payment', 'fee', 'refund')"
    columns = ", ".join(
        f"{f.column} = CASE WHEN {edited} THEN {f.column} ELSE %s END"
        if f.name in ("state", "state_changed_at") else f"{f.column} = %s"
        for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {meta.db_table} SET {columns} WHERE id = %s",  # noqa: S608 - our names
            [[f.get_db_prep_save(getattr(record, f.attname), connection)
              for f in fields] + [record.pk] for record in records],
        )
