"""Undo sync: take invoices hatsync made back out of QuickBooks, with the payments, refunds
and fees hatsync made for them. They stay in hatsync and show as Needs Sync again.

Only objects hatsync made are deleted: each is read first and must carry our marker in its
PrivateNote. An invoice with a payment entered in QuickBooks by someone else is left alone
(deleting the invoice would leave that payment unapplied there). Customers and products stay.

`undo_plan` says what a selection would do (the confirmation); `undo_start` queues it (one
bulk job per account at a time: running.py); `undo_turn` (a task) works through it one
invoice at a time under the company's lease, so it never writes at the same moment as a sync,
in turns that give the worker back whenever it would wait, and writes its progress to its
`UndoJob`, where the page reads it.
"""

import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from invoices.models import Account, Invoice, Payment

from .. import counters, rules
from ..models import QuickBooksConnection, SyncLog, SyncRecord, UndoJob
from ..qbo import budget
from ..qbo.errors import QboAuthError, QboError, QboFault
from .engine import CompanyEngine
from .lease import CompanyBusy, LeaseLost, connection_lease
from .messages import explain_fault
from .running import UNDO, one_at_a_time
from .tokens import connection_access_token
from .undo_invoice import Skip, hatsync_dependents, paid_in_quickbooks_message, undo_invoice

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind

undo_requested = Signal()  # connection_id, job, invoice_ids: integrations.tasks runs it
PROGRESS_SECONDS = 24 * 3600  # how long the page can show an undo's progress and summary
RETRIES = 3  # a lost answer or an outage: the same invoice goes again this often
RETRY_SECONDS = 2.0  # ... after this, doubled each time (or QuickBooks' Retry-After)
# Another sync holds the company: the undo goes back on the queue (no worker waits) and tries
# again this often, for as long as BUSY_GIVE_UP_SECONDS (a drain's slice lasts
# QBO_DRAIN_SLICE_SECONDS and a dead holder's lease runs out after QBO_LEASE_SECONDS).
BUSY_RETRY_SECONDS = 1.0
BUSY_GIVE_UP_SECONDS = 300.0
BUDGET_MOMENT = 1.0  # a shorter wait for the request budget is slept in the push (as syncs do)


# --- what a selection would do ---------------------------------------------------------------
@dataclass
class UndoPlan:
    invoice_ids: list[int] = field(default_factory=list)  # will be removed
    payments: int = 0  # hatsync's payments on them
    extras: int = 0  # hatsync's refunds and processing fees on them
    fees: int = 0  # of those, processing fees
    not_synced: list[str] = field(default_factory=list)  # numbers: not in QuickBooks
    paid_in_quickbooks: list[str] = field(default_factory=list)  # numbers

    @property
    def skipped(self) -> int:
        return len(self.not_synced) + len(self.paid_in_quickbooks)

    def question(self) -> str:
        """The confirmation, naming the counts."""
        n, m = len(self.invoice_ids), self.payments
        invoices = f"{n} invoice{'s' if n != 1 else ''}"
        their = "their" if n != 1 else "its"
        payments = f"{m} payment{'s' if m != 1 else ''}"
        followers = rules.refunds_and_fees(refunds=self.extras - self.fees, fees=self.fees)
        extras = f" (and {followers})" if followers else ""
        return (f"Delete {invoices} and {their} {payments}{extras} from QuickBooks? "
                f"{'They stay' if n != 1 else 'It stays'} in hatsync and show"
                f"{'' if n != 1 else 's'} as Needs Sync.")

    def skip_reasons(self) -> list[str]:
        """Why the other selected invoices are left alone, one sentence per reason."""
        reasons = []
        if self.not_synced:
            count = len(self.not_synced)
            reasons.append(
                f"{count} selected invoice{'s are' if count != 1 else ' is'} not in QuickBooks "
                f"(never synced, or made there by someone else), so there is nothing to "
                f"remove: {_numbers(self.not_synced)}."
            )
        for number in self.paid_in_quickbooks:
            reasons.append(paid_in_quickbooks_message(number))
        return reasons


def _numbers(numbers: list[str], limit: int = 10) -> str:
    shown = ", ".join(numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _connection(account: Account) -> QuickBooksConnection | None:
    return QuickBooksConnection.objects.filter(account=account).first()


def undo_candidates(*, account: Account, all_synced: bool = False,
                    invoice_ids: list[int] | None = None) -> list[int]:
    """The account's invoices a selection names (another account's ids are ignored), or with
    `all_synced` every invoice hatsync put in the connected company."""
    connection = _connection(account)
    if all_synced:
        if connection is None:
            return []
        return list(SyncRecord.objects.filter(
            account=account, realm_id=connection.realm_id, kind=Kind.INVOICE,
            invoice__account=account,
        ).exclude(qbo_id="").values_list("invoice_id", flat=True))
    return list(Invoice.objects.filter(account=account, pk__in=invoice_ids or [])
                .values_list("pk", flat=True))


def undo_plan(*, account: Account, invoice_ids: list[int]) -> UndoPlan:
    """What Undo sync of these invoices (the account's own) would remove, and what not."""
    plan = UndoPlan()
    connection = _connection(account)
    invoices = list(Invoice.objects.filter(account=account, pk__in=invoice_ids)
                    .order_by("issue_date", "pk"))
    if connection is None:
        plan.not_synced = [invoice.number for invoice in invoices]
        return plan
    ours = set(SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.INVOICE, invoice__in=invoices,
    ).exclude(qbo_id="").values_list("invoice_id", flat=True))
    paid_there = set(Payment.objects.filter(invoice__in=invoices, recorded_in_quickbooks=True)
                     .values_list("invoice_id", flat=True))
    for invoice in invoices:
        if invoice.pk not in ours:
            plan.not_synced.append(invoice.number)
        elif invoice.pk in paid_there:
            plan.paid_in_quickbooks.append(invoice.number)
        else:
            plan.invoice_ids.append(invoice.pk)
    records = hatsync_dependents(connection, plan.invoice_ids)
    plan.payments = records.filter(kind=Kind.PAYMENT).count()
    plan.extras = records.filter(kind__in=[Kind.REFUND, Kind.FEE]).count()
    plan.fees = records.filter(kind=Kind.FEE).count()
    return plan


# --- progress -------------------------------------------------------------------------------
_PROGRESS = ("total", "done", "removed", "payments_removed", "extras_removed", "fees_removed",
             "skipped", "failed", "finished")


def is_undo_job(job: str) -> bool:
    """Whether `job` has the form of an undo's id (uuid4().hex)."""
    return re.fullmatch(r"[0-9a-f]{32}", job or "") is not None


def undo_progress(*, account: Account, job: str) -> dict | None:
    """Where an undo stands (None: not this account's, or too old)."""
    if not is_undo_job(job):
        return None
    return _load(account.pk, job)


def _load(account_id: int, job: str) -> dict | None:
    row = UndoJob.objects.filter(
        account_id=account_id, job=job,
        started_at__gte=timezone.now() - timedelta(seconds=PROGRESS_SECONDS),
    ).first()
    if row is None:
        return None
    progress = {name: getattr(row, name) for name in _PROGRESS}
    progress["started"] = row.started_at.isoformat()
    if row.finished:
        progress["summary"] = row.summary
    return progress


def _save(account_id: int, job: str, progress: dict) -> None:
    values = {name: progress[name] for name in _PROGRESS} | {"updated_at": timezone.now()}
    UndoJob.objects.update_or_create(account_id=account_id, job=job,
                                     defaults={**values, "summary": progress.get("summary", "")})


def summary(progress: dict) -> str:
    """What happened, in one sentence per kind of outcome."""
    n, m = progress["removed"], progress["payments_removed"]
    text = (f"Removed {n} invoice{'s' if n != 1 else ''} and {m} payment"
            f"{'s' if m != 1 else ''} from QuickBooks")
    fees = progress.get("fees_removed", 0)
    followers = rules.refunds_and_fees(refunds=progress["extras_removed"] - fees, fees=fees)
    if followers:
        text += f" (and {followers})"
    problems = progress["skipped"] + progress["failed"]
    if problems:
        text += f"; {len(problems)} not removed: " + " ".join(problems)
    else:
        text += "."
    return text


# --- running it -------------------------------------------------------------------------------
def undo_start(*, account: Account, invoice_ids: list[int]) -> str:
    """Queue the undo of the invoices a plan removes; returns the job the page follows.
    Raises AlreadyRunning while the account's import, undo or check runs (running.py)."""
    with one_at_a_time(account=account, pressed=UNDO):
        plan = undo_plan(account=account, invoice_ids=invoice_ids)
        job = uuid.uuid4().hex
        _save(account.pk, job, _fresh(len(plan.invoice_ids), skipped=plan.skip_reasons(),
                                      finished=not plan.invoice_ids))
        connection = _connection(account)
        if plan.invoice_ids and connection is not None:
            ids = list(plan.invoice_ids)
            connection_id = connection.pk
            transaction.on_commit(lambda: undo_requested.send(
                sender=None, connection_id=connection_id, job=job, invoice_ids=ids))
    return job


def _fresh(total: int, *, skipped: list[str] | None = None, finished: bool = False) -> dict:
    return {"total": total, "done": 0, "removed": 0, "payments_removed": 0,
            "extras_removed": 0, "fees_removed": 0, "skipped": skipped or [], "failed": [],
            "finished": finished}


def undo_not_started(*, connection_id: int, job: str) -> None:
    """The background worker could not be reached (to start the undo, or to queue its next
    turn): the undo ends here, and the page says how far it got."""
    account_id = QuickBooksConnection.objects.get(pk=connection_id).account_id
    progress = _load(account_id, job)
    if progress is not None:
        if progress["done"]:
            left = progress["total"] - progress["done"]
            progress["failed"].append(
                f"The background worker could not be reached, so {left} invoice"
                f"{'s were' if left != 1 else ' was'} not removed. Press Undo sync to "
                "remove the rest.")
        else:
            progress["failed"].append("The background worker could not be reached, so "
                                      "nothing was deleted. Try Undo sync again in a minute.")
        progress["finished"] = True
        progress["summary"] = summary(progress)
        _save(account_id, job, progress)


@dataclass
class UndoTurn:
    """What one turn of an undo did in a worker, and when the rest goes (`again_in`)."""

    progress: dict
    left: list[int] = field(default_factory=list)  # the invoices still to do, in order
    again_in: float | None = None  # seconds until the next turn; None: the undo is finished
    carry: dict = field(default_factory=dict)  # for the next turn: the current invoice's
    # attempts and what they removed (`tally`), and since when its company is busy


def undo_turn(*, connection_id: int, job: str, invoice_ids: list[int],
              carry: dict | None = None) -> UndoTurn:
    """Remove the connection's account's invoices in turn (one failure never stops the
    others) for up to QBO_DRAIN_SLICE_SECONDS. A worker never waits here for the company: when
    another sync holds it, its request budget is spent for more than a moment, or QuickBooks
    asks to wait, the turn ends and says when the rest goes, so the other companies' work
    gets the worker meanwhile. The progress is stored for the page at every invoice."""
    connection = QuickBooksConnection.objects.select_related("account").get(pk=connection_id)
    account = connection.account
    progress = _load(account.pk, job) or _fresh(len(invoice_ids))
    left, carry = list(invoice_ids), dict(carry or {})
    deadline = time.monotonic() + settings.QBO_DRAIN_SLICE_SECONDS
    while left:
        wait = budget.wait_seconds(connection.realm_id)
        if wait > BUDGET_MOMENT:
            counters.count("hatsync_qbo_budget_waits_total", stage="before_undo")
        if wait > BUDGET_MOMENT or time.monotonic() >= deadline:
            return _pause(account.pk, job, progress, left, wait, carry)
        invoice = Invoice.objects.filter(account=account, pk=left[0]).first()
        if invoice is not None:
            again_in = _undo_one(connection, invoice, progress, carry)
            if again_in is not None:
                return _pause(account.pk, job, progress, left, again_in, carry)
        # The next invoice starts afresh; one given up for a busy company passes on since
        # when it is busy, so the others give up at once unless it has become free.
        carry = {"busy_since": carry["busy_since"]} if carry.get("gave_up") else {}
        left.pop(0)
        progress["done"] += 1
        _save(account.pk, job, progress)
    progress["finished"] = True
    progress["summary"] = summary(progress)
    _save(account.pk, job, progress)
    return UndoTurn(progress)


def _pause(account_id: int, job: str, progress: dict, left: list[int], again_in: float,
           carry: dict) -> UndoTurn:
    _save(account_id, job, progress)  # still moving: the job keeps counting as running
    return UndoTurn(progress, left=left, again_in=again_in, carry=carry)


def _undo_one(connection: QuickBooksConnection, invoice: Invoice, progress: dict,
              carry: dict) -> float | None:
    """One attempt at one invoice. Its outcome goes in `progress` (None), or it must go
    again in the returned seconds: `carry` then holds its attempts and what they removed.
    Every object is read before it is deleted and the requestid of a delete that may have
    landed is kept, so nothing is deleted twice and an object already gone counts as done."""
    tally = carry.setdefault("tally", {"payments": 0, "extras": 0, "refunds": 0, "fees": 0})
    attempt = carry.get("attempt", 0)
    try:
        payments, extras = _undo_held(connection, invoice, tally)
    except (CompanyBusy, LeaseLost) as error:  # another sync holds the company
        since = carry.setdefault("busy_since", time.time())
        if time.time() - since < BUSY_GIVE_UP_SECONDS:
            return BUSY_RETRY_SECONDS
        carry["gave_up"] = True
        _failed(connection, invoice, progress, error)
    except Skip as reason:
        progress["skipped"].append(str(reason))
        _log_on_invoice(connection, invoice, SyncLog.Outcome.BLOCKED, str(reason))
    except QboAuthError:
        progress["failed"].append(f"Invoice {invoice.number}: QuickBooks no longer accepts "
                                  "this connection. Reconnect to QuickBooks, then Undo sync "
                                  "again.")
    except QboError as error:
        if error.retryable and attempt < RETRIES:  # a lost answer, an outage, a 429
            carry["attempt"] = attempt + 1
            return getattr(error, "retry_after", None) or RETRY_SECONDS * 2**attempt
        _failed(connection, invoice, progress, error)
    except Exception as error:  # one failure never stops the others
        _failed(connection, invoice, progress, error)
    else:
        progress["removed"] += 1
        progress["payments_removed"] += payments
        progress["extras_removed"] += extras
        progress["fees_removed"] += tally["fees"]
    return None


def _failed(connection: QuickBooksConnection, invoice: Invoice, progress: dict,
            error: Exception) -> None:
    if not isinstance(error, (QboError, CompanyBusy, LeaseLost)):
        logger.exception("Undo sync of invoice %s failed", invoice.pk)
    message = _failure_message(invoice, error)
    progress["failed"].append(message)
    _log_on_invoice(connection, invoice, SyncLog.Outcome.FAILED, message)


def _failure_message(invoice: Invoice, error: Exception) -> str:
    if isinstance(error, QboFault):
        why = explain_fault(error)
    elif isinstance(error, QboError):
        why = error.message
    elif isinstance(error, (CompanyBusy, LeaseLost)):
        why = "another sync kept QuickBooks busy for too long."
    else:
        why = "hatsync hit an unexpected problem (our side, not QuickBooks'). It was logged."
    return f"Invoice {invoice.number} could not be removed: {why} Press Undo sync to try again."


def _undo_held(connection: QuickBooksConnection, invoice: Invoice,
               tally: dict[str, int]) -> tuple[int, int]:
    """Under the company's lease, taken without waiting (CompanyBusy: another sync holds it),
    with one token refresh if QuickBooks turns the token down."""
    with connection_lease(connection_id=connection.pk, wait=0) as renew:
        token = ""
        for force in (False, True):
            token = connection_access_token(connection_id=connection.pk, force=force,
                                            rejected=token)
            if not token:
                raise QboAuthError("QuickBooks no longer accepts this connection.")
            current = QuickBooksConnection.objects.select_related("account").get(
                pk=connection.pk)
            engine = CompanyEngine(current, access_token=token, keep=renew)
            try:
                return undo_invoice(engine=engine, invoice=invoice, tally=tally)
            except QboAuthError:
                if force:
                    raise
    raise AssertionError("unreachable")


def _log_on_invoice(connection: QuickBooksConnection | None, invoice: Invoice, outcome: str,
                    message: str) -> None:
    if connection is None:
        return
    record = SyncRecord.objects.filter(account_id=connection.account_id,
                                       realm_id=connection.realm_id, kind=Kind.INVOICE,
                                       invoice=invoice).first()
    if record is not None:
        SyncLog.objects.create(record=record, operation="undo", outcome=outcome,
                               message=message)
