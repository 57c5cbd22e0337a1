"""One attempt to push one record: the entry point tasks call.

Every push runs under a lease on the account's company, so one company is written by one
worker at a time (as Intuit asks) without a transaction held open across HTTP, a token
refresh happens once, and a record is never pushed twice at once. The outcome is recorded
on the record and in the sync log.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from hatsync.log_context import bound

from .. import counters, rules
from ..models import QuickBooksConnection, SyncLog, SyncRecord
from ..qbo import budget
from ..qbo.errors import QboAuthError, QboError, QboFault, QboThrottled
from . import exactly_once
from .company_settings import connection_check_settings
from .engine import Blocked, CompanyEngine, Waiting
from .fees import sync_fee
from .invoices import push_invoice
from .lease import CompanyBusy, LeaseLost, connection_lease
from .messages import (
    books_closed_message,
    company_not_writable_message,
    explain_fault,
    keeps_failing_message,
    names_for_ids,
)
from .outbox import enqueue, pause_writes, paused_reason, writes_refused
from .payment_followers import mark_followers
from .payments import push_payment
from .refunds import sync_refund
from .removals import payment_changes_first, push_removal
from .tokens import connection_access_token, connection_mark_needs_reconnect

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind
COMPANY_BUSY_RETRY = 0.5  # seconds before a record whose company was busy goes again


@dataclass
class Outcome:
    state: str
    message: str = ""
    retry_after: float | None = None
    retryable: bool = False
    budget_wait: bool = False  # only our budget (or a busy company) is in the way


def sync_record(*, record_id: int) -> Outcome:
    """Push one record. Returns the outcome; retryable trouble comes back as state NEEDS_SYNC.

    A record that would only wait for the company's request budget is not started at all:
    the outcome says how long to wait (`budget_wait`) and the task puts it back on the queue
    for that moment. That wait is not an attempt, not a retry and not a problem to show.
    """
    started = time.monotonic()
    record = SyncRecord.objects.select_related("account").filter(pk=record_id).first()
    if record is None:  # its account was deleted while the task waited
        return Outcome(State.BLOCKED, "Nothing to sync any more.")
    connection = QuickBooksConnection.objects.filter(
        account=record.account, realm_id=record.realm_id
    ).first()
    if connection is None or not connection.is_connected or writes_refused(connection):
        # Paused: stays in the outbox until the account reconnects to this company.
        message = paused_reason(connection)
        _set_state(record, State.NEEDS_SYNC, error=message, paused=True)
        return Outcome(State.NEEDS_SYNC, message)
    wait = budget.wait_seconds(record.realm_id)
    if wait > 0:
        counters.count("hatsync_qbo_budget_waits_total", stage="before_push")
        return Outcome(State.NEEDS_SYNC, retry_after=wait, budget_wait=True)
    try:
        with connection_lease(connection_id=connection.pk) as renew, \
                bound(realm=record.realm_id, record_key=record.key):
            return _attempt(record, connection, started, keep=renew)
    except CompanyBusy:  # another worker is writing to this company: not an attempt
        return Outcome(State.NEEDS_SYNC, retry_after=COMPANY_BUSY_RETRY, budget_wait=True)


def sync_held(*, record: SyncRecord, connection: QuickBooksConnection,
              keep: Callable[[], bool] | None = None) -> Outcome:
    """Push one record while the caller already holds the company's lease (a bulk drain);
    `keep` renews it before each request."""
    with bound(realm=record.realm_id, record_key=record.key):
        return _attempt(record, connection, time.monotonic(), keep=keep)


def _attempt(record: SyncRecord, connection: QuickBooksConnection, started: float,
             keep: Callable[[], bool] | None = None) -> Outcome:
    """One attempt, while this worker holds the company; records its outcome."""
    record_id = record.pk
    connection.refresh_from_db(fields=["status", "status_reason", "writes_refused_at"])  # paused?
    if writes_refused(connection):  # one refusal pauses the company, not one per record
        message = paused_reason(connection)
        _set_state(record, State.NEEDS_SYNC, error=message, paused=True)
        return Outcome(State.NEEDS_SYNC, message)
    # Committed before the work starts: a later attempt knows an earlier one may have landed.
    SyncRecord.objects.filter(pk=record_id, state=State.NEEDS_SYNC).update(
        state=State.SYNCING, state_changed_at=timezone.now(), attempts=F("attempts") + 1
    )
    operation = "sync"
    seen: dict = {}  # the push's client: Intuit's id of its last answer goes in the log
    try:
        operation = _push(connection, record_id, keep, seen)
        outcome = Outcome(State.SYNCED)
    except Blocked as error:
        outcome = Outcome(State.BLOCKED, str(error))
    except Waiting as error:
        outcome = Outcome(State.NEEDS_SYNC, str(error))
    except LeaseLost:  # another worker holds the company now: go again after it, not an error
        _set_state(record, State.NEEDS_SYNC)
        return Outcome(State.NEEDS_SYNC, retry_after=COMPANY_BUSY_RETRY, budget_wait=True)
    except QboAuthError as error:
        connection.refresh_from_db(fields=["status", "status_reason"])
        if connection.is_connected:  # else the token step already said why (e.g. expiry)
            connection_mark_needs_reconnect(
                connection=connection,
                reason="QuickBooks no longer accepts this connection. Reconnect to QuickBooks; "
                "syncing resumes where it stopped.",
            )
        outcome = Outcome(State.NEEDS_SYNC, paused_reason(connection))
        _log(record, operation, SyncLog.Outcome.RETRY, outcome.message, error, started, seen)
        _set_state(record, State.NEEDS_SYNC, error=outcome.message, paused=True)
        return outcome
    except QboFault as error:
        return _refused(record, connection, error, operation, started, seen)
    except QboError as error:  # throttled, unavailable: the task retries with backoff
        if _keeps_failing(record, error):
            return _gave_up(record, error, operation, started, seen)
        outcome = Outcome(State.NEEDS_SYNC, error.message,
                          retry_after=getattr(error, "retry_after", None), retryable=True)
        _log(record, operation, SyncLog.Outcome.RETRY, error.message, error, started, seen)
        _set_state(record, State.NEEDS_SYNC, error=error.message)
        return outcome
    except DatabaseError:
        raise  # the database itself is in trouble: let the task retry
    except Exception:  # a bug of ours must not leave the record stuck in "Syncing"
        logger.exception("Unexpected error syncing record %s", record_id)
        message = ("hatsync hit an unexpected problem syncing this (our side, not "
                   "QuickBooks'). It was logged; press Sync to try again.")
        _log(record, operation, SyncLog.Outcome.FAILED, message, None, started, seen)
        _set_state(record, State.FAILED, error=message)
        return Outcome(State.FAILED, message)

    record.refresh_from_db()
    if outcome.state == State.SYNCED:
        _log(record, operation, SyncLog.Outcome.SYNCED, record.warning, None, started, seen)
    elif outcome.state == State.BLOCKED:
        _log(record, operation, SyncLog.Outcome.BLOCKED, outcome.message, None, started, seen)
        _set_state(record, State.BLOCKED, error=outcome.message)
    else:
        _set_state(record, State.NEEDS_SYNC, error=outcome.message)
    return outcome


def _refused(record: SyncRecord, connection: QuickBooksConnection, error: QboFault,
             operation: str, started: float, seen: dict) -> Outcome:
    """QuickBooks refused the push: the company cannot be written to (paused, no retry per
    record), the books are closed for its date (blocked: the owner decides), or the record
    itself is refused (failed, with why)."""
    if error.is_company_not_writable:
        pause_writes(connection=connection, reason=company_not_writable_message(
            company_name=connection.company_name))
        outcome = Outcome(State.NEEDS_SYNC, paused_reason(connection))
        _log(record, operation, SyncLog.Outcome.RETRY, outcome.message, error, started, seen)
        _set_state(record, State.NEEDS_SYNC, error=outcome.message, paused=True)
        return outcome
    if error.is_books_closed:
        message = books_closed_message(close_date=_closing_date(connection),
                                       country=connection.country)
        _log(record, operation, SyncLog.Outcome.BLOCKED, message, error, started, seen)
        exactly_once.count_refusal(record.pk)  # the next push is a new request
        _set_state(record, State.BLOCKED, error=message)
        return Outcome(State.BLOCKED, message)
    message = explain_fault(error, names=names_for_ids(record))
    if error.intuit_tid:
        message += f" Reference for Intuit support: {error.intuit_tid}."
    _log(record, operation, SyncLog.Outcome.FAILED, message, error, started, seen)
    _set_state(record, State.FAILED, error=message)
    return Outcome(State.FAILED, message)


def _earlier_attempts(record: SyncRecord) -> list[tuple[str | None, float]]:
    """The record's latest attempts, latest first: (its message if it ended in a retry, else
    None; seconds ago)."""
    now = timezone.now()
    rows = (SyncLog.objects.filter(record_id=record.pk).order_by("-created_at", "-id")
            .values_list("outcome", "message", "created_at")[:50])
    return [(message if outcome == SyncLog.Outcome.RETRY else None,
             (now - created).total_seconds()) for outcome, message, created in rows]


def _keeps_failing(record: SyncRecord, error: QboError) -> bool:
    """The same server error for this record, again and for a while (rules.keeps_failing):
    not throttling, not an outage."""
    if isinstance(error, QboThrottled):
        return False
    return rules.keeps_failing(status=error.status, message=error.message,
                               earlier=_earlier_attempts(record))


def _gave_up(record: SyncRecord, error: QboError, operation: str, started: float,
             seen: dict) -> Outcome:
    """Failed, in Sync problems with its sentence; Retry sends it again. Its requestid stays
    (a 500 may have landed: the next push looks it up first)."""
    client = seen.get("client")
    tid = error.intuit_tid or (client.intuit_tid if client else "")
    times, seconds = rules.server_error_streak(message=error.message,
                                               earlier=_earlier_attempts(record))
    message = keeps_failing_message(times=times, minutes=int(seconds // 60),
                                    status=error.status, intuit_tid=tid)
    _log(record, operation, SyncLog.Outcome.FAILED, message, error, started, seen,
         refused=False)
    _set_state(record, State.FAILED, error=message)
    logger.warning("Record %s: QuickBooks answered %s %d times in a row; now a problem",
                   record.pk, error.status, times)
    return Outcome(State.FAILED, message)


def _closing_date(connection: QuickBooksConnection) -> str:
    """The closing date as last read; read once more if the books were closed since (the
    checklist then shows it too, and the next refusals need no read)."""
    known = (connection.settings_snapshot or {}).get("book_close_date", "")
    if not known:
        try:
            known = connection_check_settings(connection=connection).get("book_close_date", "")
        except QboError:
            return ""
    return known


def _push(connection: QuickBooksConnection, record_id: int,
          keep: Callable[[], bool] | None = None, seen: dict | None = None) -> str:
    """Push one record; the caller holds the company's lease (one writer per company).

    No transaction is held across HTTP: each of our own writes is its own short statement, so
    what landed in QuickBooks is recorded at once (and a crash between two requests loses
    nothing that a look-up cannot find again). The access token is fetched, and refreshed if
    need be, under a short row lock (one refresh however many workers). A 401 during the push
    gets one forced refresh and one more push (look-ups and requestids make it safe), then
    the connection needs reconnecting.
    """
    token = ""
    for force_refresh in (False, True):
        token = connection_access_token(
            connection_id=connection.pk, force=force_refresh, rejected=token
        )
        if not token:
            raise QboAuthError("QuickBooks no longer accepts this connection.")
        current = QuickBooksConnection.objects.select_related("account").get(pk=connection.pk)
        record = SyncRecord.objects.get(pk=record_id)
        engine = CompanyEngine(current, access_token=token, refusals=record.refusals, keep=keep)
        if seen is not None:
            seen["client"] = engine.client
        try:
            if record.removal:  # its payment or refund was deleted here: delete it there
                return push_removal(engine, record)
            if record.kind == Kind.INVOICE:
                for change in payment_changes_first(engine, record):
                    _push_payment_change(engine, change)
                return push_invoice(engine, record)
            if record.kind == Kind.PAYMENT:
                operation = push_payment(engine, record)
                enqueue(mark_followers(connection=current, payment_id=record.payment_id))
                return operation
            if record.kind == Kind.REFUND:
                return sync_refund(engine, record)
            if record.kind == Kind.FEE:
                return sync_fee(engine, record)
            raise Blocked(f"{record.kind} records sync with their invoice.")
        except QboAuthError:
            if force_refresh:
                raise
    raise AssertionError("unreachable")


def _push_payment_change(engine: CompanyEngine, record: SyncRecord) -> None:
    """A payment's edit or removal, pushed ahead of its invoice's update (it brings the
    invoice's tip line along). Its own task then finds nothing left to send."""
    if record.removal:
        push_removal(engine, record)
    else:
        push_payment(engine, record)


def _set_state(record: SyncRecord, state: str, *, error: str = "",
               paused: bool = False) -> None:
    """`paused`: it waits for the company to be reachable again (`error` says why)."""
    SyncRecord.objects.filter(pk=record.pk).update(
        state=state, last_error=error, paused=paused, state_changed_at=timezone.now()
    )


def _log(record, operation, outcome, message, error, started, seen=None, *,
         refused: bool = True) -> None:
    """`refused`: a failure QuickBooks refused outright (its next push is a new request)."""
    client = (seen or {}).get("client")
    tid = getattr(error, "intuit_tid", "") or (client.intuit_tid if client else "")
    if outcome == SyncLog.Outcome.FAILED and refused:
        # Refused: the record's next push writes under new requestids (exactly_once.py).
        exactly_once.count_refusal(record.pk)
    duration_ms = int((time.monotonic() - started) * 1000)
    code = getattr(error, "code", "") if error else ""
    SyncLog.objects.create(
        record=record,
        operation=operation,
        outcome=outcome,
        message=message or "",
        qbo_error_code=code,
        # The push's latest write (mostly the record's own), else what the record had pending.
        request_id=(getattr(client, "last_request_id", "") or record.pending_request_id),
        intuit_tid=tid,
        duration_ms=duration_ms,
    )
    # The attempt in the log too, without its message (it may name a customer) or payload.
    logger.info("Sync of %s (%s): %s%s", record.key, operation, outcome,
                f" (QuickBooks error {code})" if code else "",
                extra={"realm": record.realm_id, "record_key": record.key,
                       "requestid": record.pending_request_id, "intuit_tid": tid,
                       "duration_ms": duration_ms})
