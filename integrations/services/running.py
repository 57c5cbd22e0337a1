"""One bulk job per account at a time: an import (Import Invoices' Sync), an Undo sync or a
check that QuickBooks matches hatsync, whatever its kind.

They work on the same company (an undo deletes what an import makes; a check read during
either compares a moving target) and share its request budget, so a second press while one
runs starts nothing: it is told what runs, and sees its progress. A job that has stopped
moving (a worker lost, a connection paused) no longer counts as running, so it never blocks
the account's next press for good.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from invoices.models import Account

from ..models import BulkSyncJob, QuickBooksConnection, ReconcileReport, SyncRecord, UndoJob
from .messages import already_running_message
from .outbox import writes_refused

IMPORT, UNDO, CHECK = "import", "undo", "check"
# A job with no progress for this long has stopped (a lost worker): it runs no more. An
# import's records change every few seconds while it runs; an undo saves at every turn.
STALLED_SECONDS = 600
CHECK_STALLED_SECONDS = 30 * 60  # a check writes its report only when it ends
State = SyncRecord.State
UNSETTLED = (State.NEEDS_SYNC, State.SYNCING)


@dataclass(frozen=True)
class Running:
    kind: str  # IMPORT, UNDO or CHECK
    job: str  # the import's BulkSyncJob pk, the undo's job, the check's report pk
    done: int = 0
    total: int = 0


class AlreadyRunning(Exception):
    """Another bulk job of this account runs: `message` says which, for the person."""

    def __init__(self, running: Running, *, pressed: str):
        self.running = running
        self.message = already_running_message(running=running.kind, pressed=pressed,
                                               done=running.done, total=running.total)
        super().__init__(self.message)


def running_job(*, account: Account) -> Running | None:
    """The account's import, undo or check under way now, if any."""
    return _running_undo(account) or _running_import(account) or _running_check(account)


@contextmanager
def one_at_a_time(*, account: Account, pressed: str) -> Iterator[None]:
    """A transaction in which the caller starts a bulk job of kind `pressed`: raises
    AlreadyRunning when one runs. The account's row is locked until the job is saved, so two
    presses at the same moment start one job (PostgreSQL; SQLite writes one at a time)."""
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        running = running_job(account=account)
        if running is not None:
            raise AlreadyRunning(running, pressed=pressed)
        yield


def _running_undo(account: Account) -> Running | None:
    job = (UndoJob.objects.filter(account=account, finished=False,
                                  updated_at__gte=timezone.now()
                                  - timedelta(seconds=STALLED_SECONDS))
           .order_by("-started_at").first())
    if job is None:
        return None
    return Running(UNDO, job.job, done=job.done, total=job.total)


def _running_import(account: Account) -> Running | None:
    connection = QuickBooksConnection.objects.filter(account=account).first()
    if connection is None or not connection.is_connected or writes_refused(connection):
        return None  # paused: its records wait for the reconnect, not for a worker
    job = BulkSyncJob.objects.filter(account=account).order_by("-pk").first()
    if job is None:
        return None
    records = SyncRecord.objects.filter(account=account, realm_id=connection.realm_id,
                                        kind=SyncRecord.Kind.INVOICE,
                                        invoice_id__in=job.invoice_ids)
    if not records.filter(state__in=UNSETTLED, paused=False).exists():
        return None
    moved = records.aggregate(last=Max("state_changed_at"))["last"] or job.created_at
    if max(moved, job.created_at) < timezone.now() - timedelta(seconds=STALLED_SECONDS):
        return None
    done = records.exclude(state__in=UNSETTLED).count()
    return Running(IMPORT, str(job.pk), done=done, total=len(job.invoice_ids))


def _running_check(account: Account) -> Running | None:
    report = (ReconcileReport.objects.filter(
        account=account, state=ReconcileReport.State.RUNNING,
        started_at__gt=timezone.now() - timedelta(seconds=CHECK_STALLED_SECONDS))
        .order_by("-started_at").first())
    return None if report is None else Running(CHECK, str(report.pk))
