"""Undo sync: take invoices hatsync made back out of QuickBooks, with the payments, refunds
and fees hatsync made for them. They stay in hatsync and show as Needs Sync again.

Only objects hatsync made are deleted: each is read first and must carry our marker in its
PrivateNote. An invoice with a payment entered in QuickBooks by someone else is left alone
(deleting the invoice would leave that payment unapplied there). Customers and products stay.

`undo_plan` says what a selection would do (the confirmation); `undo_start` queues it;
`undo_run` (a task) works through it one invoice at a time under the company's lease, so it
never writes at the same moment as a sync, and writes its progress to its `UndoJob`, where
the page reads it.
"""

import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from invoices.models import Account, Invoice, Payment

from .. import rules
from ..models import QuickBooksConnection, SyncLog, SyncRecord, UndoJob
from ..qbo.errors import QboAuthError, QboError, QboFault
from .engine import CompanyEngine
from .lease import CompanyBusy, LeaseLost, connection_lease
from .messages import explain_fault
from .tokens import connection_access_token
from .undo_invoice import Skip, hatsync_dependents, paid_in_quickbooks_message, undo_invoice

logger = logging.getLogger(__name__)
State = SyncRecord.State
Kind = SyncRecord.Kind

undo_requested = Signal()  # connection_id, job, invoice_ids: integrations.tasks runs it
PROGRESS_SECONDS = 24 * 3600  # how long the page can show an undo's progress and summary
RETRIES = 3  # a lost answer or an outage: the same invoice goes again this often
RETRY_SECONDS = 2.0
BUSY_WAIT_SECONDS = 120.0  # how long to wait for a sync that holds the company


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
    values = {name: progress[name] for name in _PROGRESS}
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
    """Queue the undo of the invoices a plan removes; returns the job the page follows."""
    plan = undo_plan(account=account, invoice_ids=invoice_ids)
    job = uuid.uuid4().hex
    _save(account.pk, job, {
        "total": len(plan.invoice_ids), "done": 0, "removed": 0, "payments_removed": 0,
        "extras_removed": 0, "fees_removed": 0, "skipped": plan.skip_reasons(), "failed": [],
        "finished": not plan.invoice_ids,
    })
    connection = _connection(account)
    if plan.invoice_ids and connection is not None:
        ids = list(plan.invoice_ids)
        connection_id = connection.pk
        transaction.on_commit(lambda: undo_requested.send(
            sender=None, connection_id=connection_id, job=job, invoice_ids=ids))
    return job


def undo_not_started(*, connection_id: int, job: str) -> None:
    """The background worker could not be reached: nothing was deleted; the page says so."""
    account_id = QuickBooksConnection.objects.get(pk=connection_id).account_id
    progress = _load(account_id, job)
    if progress is not None:
        progress["failed"].append("The background worker could not be reached, so nothing "
                                  "was deleted. Try Undo sync again in a minute.")
        progress["finished"] = True
        progress["summary"] = summary(progress)
        _save(account_id, job, progress)


def undo_run(*, connection_id: int, job: str, invoice_ids: list[int]) -> dict:
    """Remove each of the connection's account's invoices in turn (one failure never stops
    the others); returns the final progress, also stored for the page."""
    connection = QuickBooksConnection.objects.select_related("account").get(pk=connection_id)
    account = connection.account
    account_id = account.pk
    progress = _load(account_id, job) or {
        "total": len(invoice_ids), "done": 0, "removed": 0, "payments_removed": 0,
        "extras_removed": 0, "fees_removed": 0, "skipped": [], "failed": [], "finished": False,
    }
    for invoice_id in invoice_ids:
        invoice = Invoice.objects.filter(account=account, pk=invoice_id).first()
        if invoice is None:
            progress["done"] += 1
            continue
        try:
            payments, extras, fees = _undo_with_retries(connection, invoice)
        except Skip as reason:
            progress["skipped"].append(str(reason))
            _log_on_invoice(connection, invoice, SyncLog.Outcome.BLOCKED, str(reason))
        except QboAuthError:
            message = (f"Invoice {invoice.number}: QuickBooks no longer accepts this "
                       "connection. Reconnect to QuickBooks, then Undo sync again.")
            progress["failed"].append(message)
        except Exception as error:  # one failure never stops the others
            logger.exception("Undo sync of invoice %s failed", invoice_id)
            message = _failure_message(invoice, error)
            progress["failed"].append(message)
            _log_on_invoice(connection, invoice, SyncLog.Outcome.FAILED, message)
        else:
            progress["removed"] += 1
            progress["payments_removed"] += payments
            progress["extras_removed"] += extras
            progress["fees_removed"] += fees
        progress["done"] += 1
        _save(account_id, job, progress)
    progress["finished"] = True
    progress["summary"] = summary(progress)
    _save(account_id, job, progress)
    return progress


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


def _undo_with_retries(connection: QuickBooksConnection, invoice: Invoice
                       ) -> tuple[int, int, int]:
    """One invoice, again after an outage or a lost answer: the requestid of a delete that
    may have landed is kept, and every object is read before it is deleted, so nothing is
    deleted twice and an object already gone counts as done."""
    tally = {"payments": 0, "extras": 0, "refunds": 0, "fees": 0}  # gone, over every attempt
    for attempt in range(RETRIES + 1):
        try:
            payments, extras = _undo_held(connection, invoice, tally)
            return payments, extras, tally["fees"]
        except QboError as error:
            if not error.retryable or attempt == RETRIES:
                raise
            time.sleep(getattr(error, "retry_after", None) or RETRY_SECONDS * 2**attempt)
        except (CompanyBusy, LeaseLost):
            if attempt == RETRIES:
                raise
    raise AssertionError("unreachable")


def _undo_held(connection: QuickBooksConnection, invoice: Invoice,
               tally: dict[str, int]) -> tuple[int, int]:
    """Under the company's lease (waiting for a sync that holds it), with one token refresh
    if QuickBooks turns the token down."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        try:
            with connection_lease(connection_id=connection.pk) as renew:
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
        except CompanyBusy:  # a sync holds the company: go on after it
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


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
