"""The operations page (staff only): find records and attempts across every account by
company, realm id, requestid or intuit_tid; one company's lease, budget and outbox; and
putting a failed or blocked record back in the outbox, once.

Unlike every other screen these reads are not scoped to one account: an operator answering
"what happened to request X" does not know whose it was. The views let staff only in.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from ..models import QuickBooksConnection, SyncLog, SyncRecord
from ..qbo import budget
from . import imports

State = SyncRecord.State
ROWS = 50  # of each list a search shows
COMPANIES = 20
REQUEUEABLE = (State.FAILED, State.BLOCKED)


@dataclass(frozen=True)
class Found:
    companies: list[QuickBooksConnection]
    records: list[SyncRecord]
    attempts: list[SyncLog]


def _companies_named(term: str) -> list[QuickBooksConnection]:
    return list(QuickBooksConnection.objects.select_related("account").filter(
        Q(company_name__icontains=term) | Q(account__name__icontains=term)
        | Q(realm_id=term)).order_by("company_name", "pk")[:COMPANIES])


def search(*, term: str) -> Found:
    """What `term` names: companies by their name, their account's name or realm id; records
    and attempts of those companies, or whose requestid, intuit_tid or realm id it is."""
    term = term.strip()
    if not term:
        return Found([], [], [])
    companies = _companies_named(term)
    held = Q()
    for connection in companies:
        held |= Q(account_id=connection.account_id, realm_id=connection.realm_id)
    records = (SyncRecord.objects.filter(Q(realm_id=term) | Q(pending_request_id=term) | held)
               .select_related("account").order_by("-state_changed_at", "-pk")[:ROWS])
    held_log = Q()
    for connection in companies:
        held_log |= Q(record__account_id=connection.account_id,
                      record__realm_id=connection.realm_id)
    attempts = (SyncLog.objects.filter(Q(request_id=term) | Q(intuit_tid=term)
                                       | Q(record__realm_id=term) | held_log)
                .select_related("record__account").order_by("-created_at", "-pk")[:ROWS])
    return Found(companies, list(records), list(attempts))


def lease_words(*, owner: str, expires_at: datetime | None, now: datetime) -> str:
    """The company's lease (lease.py) in words: who holds it and until when."""
    if not owner or expires_at is None:
        return "Free: no worker is writing to this company."
    seconds = (expires_at - now).total_seconds()
    if seconds <= 0:
        return (f"Free: the hold of worker {owner[:8]} ran out {int(-seconds)} s ago "
                "(the next push takes it over).")
    return f"Held by worker {owner[:8]} for {int(seconds)} s more (renewed while it pushes)."


@dataclass(frozen=True)
class CompanyView:
    connection: QuickBooksConnection
    lease: str
    wait_single: float
    wait_batch: float
    states: dict[str, int]
    oldest_waiting_seconds: float | None
    problems: list[SyncRecord]
    attempts: list[SyncLog]


def company(*, connection: QuickBooksConnection) -> CompanyView:
    """One company: its lease, its request budget (seconds until each lane has room) and its
    outbox (records by state, the oldest waiting, problems, the latest attempts)."""
    now = timezone.now()
    own = SyncRecord.objects.filter(account_id=connection.account_id,
                                    realm_id=connection.realm_id)
    states = dict.fromkeys(["waiting", "paused", "syncing", "blocked", "failed", "synced"], 0)
    for state, paused, n in (own.values_list("state", "paused").annotate(n=Count("id"))
                             .order_by()):
        name = ("paused" if paused else "waiting") if state == State.NEEDS_SYNC else state
        states[name] += n
    oldest = own.filter(state=State.NEEDS_SYNC, paused=False).aggregate(
        oldest=Min("state_changed_at"))["oldest"]
    return CompanyView(
        connection=connection,
        lease=lease_words(owner=connection.lease_owner, expires_at=connection.lease_expires_at,
                          now=now),
        wait_single=budget.wait_seconds(connection.realm_id),
        wait_batch=budget.wait_seconds(connection.realm_id, batch=True),
        states=states,
        oldest_waiting_seconds=(now - oldest).total_seconds() if oldest else None,
        problems=list(own.filter(state__in=REQUEUEABLE).select_related("account")
                      .order_by("-state_changed_at", "-pk")
                      [:ROWS]),
        attempts=list(SyncLog.objects.filter(record__in=own).select_related("record")
                      .order_by("-created_at", "-pk")[:ROWS]),
    )


def requeueable(records: QuerySet[SyncRecord]) -> QuerySet[SyncRecord]:
    return records.filter(state__in=REQUEUEABLE)


def record_requeue(*, record_id: int) -> SyncRecord | None:
    """Put one failed or blocked record back in the outbox, through the owner's Retry
    (imports.retry: the same push, its requestids and look-ups, so QuickBooks never gets it
    twice). Only while it is failed or blocked, under its row lock: pressed twice, or by two
    people at once, it is queued once. Returns the record queued, or None."""
    with transaction.atomic():
        record = (requeueable(SyncRecord.objects.select_for_update())
                  .filter(pk=record_id).first())
        if record is None:
            return None
        connection = QuickBooksConnection.objects.filter(
            account_id=record.account_id, realm_id=record.realm_id).first()
        if not imports.retry(connection=connection,
                             records=SyncRecord.objects.filter(pk=record.pk)):
            return None
    return record
