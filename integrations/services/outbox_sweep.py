"""The outbox sweep: what was left waiting (a broker outage, a lost batch answer) or stuck
syncing (a killed worker) is put back in NEEDS_SYNC, to go again.

Like the rest of the outbox it never imports the tasks: it returns which companies to drain
and which records to push, and `integrations.tasks.sweep_outbox` queues them.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from invoices.models import Payment

from ..models import QuickBooksConnection, SyncRecord
from . import accounts, fees
from .exactly_once import payment_key
from .outbox import enqueue, mark_needs_sync
from .payment_followers import mark_missing_followers

State = SyncRecord.State
Kind = SyncRecord.Kind


@dataclass
class Swept:
    count: int  # records made ready to go again
    now: datetime
    realms: list[str] = field(default_factory=list)  # the connected companies looked at
    drain_ids: list[int] = field(default_factory=list)  # connections to drain in batches
    push_ids: list[int] = field(default_factory=list)  # records to push one by one


def _waiting_or_stuck(now: datetime) -> tuple[Q, Q]:
    """Left waiting longer than SYNC_SWEEP_WAITING_AFTER; syncing longer than _STUCK_AFTER."""
    waiting = Q(state=State.NEEDS_SYNC, state_changed_at__lt=now
                - timedelta(seconds=settings.SYNC_SWEEP_WAITING_AFTER))
    stuck = Q(state=State.SYNCING, state_changed_at__lt=now
              - timedelta(seconds=settings.SYNC_SWEEP_STUCK_AFTER))
    return waiting, stuck


def _of_their_connection(realms: list[str]) -> Q:
    """Records of these companies whose own account is connected to the company now."""
    return Q(realm_id__in=realms,
             account__quickbooks_connection__realm_id=F("realm_id"),
             account__quickbooks_connection__status=QuickBooksConnection.Status.CONNECTED)


def sweep_invoices_and_payments() -> Swept:
    """Invoices and payments of connected companies left waiting or stuck: NEEDS_SYNC again,
    and their companies to drain (a drain takes invoices and payments in batches)."""
    now = timezone.now()
    writable = list(QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED,
        writes_refused_at=None,  # refusing writes (outbox.writes_refused): only its probe goes
    ))
    connected = [connection.realm_id for connection in writable]
    made = [pk for connection in writable for pk in payments_left_behind(connection)]
    # A record goes only through its own account's connection, to the company it was made
    # for: another account that holds the company now never drains it.
    stale = SyncRecord.objects.filter(_of_their_connection(connected)).filter(
        kind__in=[Kind.INVOICE, Kind.PAYMENT]
    )
    waiting, stuck = _waiting_or_stuck(now)
    ids = list(stale.filter(waiting).values_list("pk", flat=True)[:5000]) + list(
        stale.filter(stuck).values_list("pk", flat=True)[:5000]
    )
    SyncRecord.objects.filter(pk__in=ids).update(state=State.NEEDS_SYNC, state_changed_at=now)
    ids += made
    drain_ids = list(QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED,
        pk__in=SyncRecord.objects.filter(pk__in=ids).values(
            "account__quickbooks_connection")
    ).values_list("pk", flat=True))
    return Swept(count=len(ids), now=now, realms=connected, drain_ids=drain_ids)


def payments_left_behind(connection: QuickBooksConnection) -> list[int]:
    """Payments of the company's invoices in QuickBooks that have no record, made now
    (waiting): a worker killed after an invoice landed and before it queued the invoice's
    payments (the one-by-one push's last step) leaves them so, and nothing else would make
    them. Returns the new records."""
    own = SyncRecord.objects.filter(account_id=connection.account_id,
                                    realm_id=connection.realm_id)
    landed = own.filter(kind=Kind.INVOICE, state=State.SYNCED).exclude(qbo_id="")
    missing = (Payment.objects.filter(account_id=connection.account_id,
                                      invoice_id__in=landed.values("invoice_id"))
               .exclude(pk__in=own.filter(kind=Kind.PAYMENT, payment__isnull=False)
                        .values("payment_id"))
               .values_list("pk", flat=True)[:1000])
    return [mark_needs_sync(connection=connection, kind=Kind.PAYMENT, key=payment_key(pk),
                            payment_id=pk).pk for pk in missing]


def sweep_payment_followers(*, realms: list[str], now: datetime) -> Swept:
    """Refunds and processing fees go one by one (a drain takes invoices and payments).

    Those a connected company's payments should have and do not are made (and queued on
    commit); those left waiting, e.g. for a payment a drain synced, or stuck syncing, and the
    fees blocked for want of a fee account once the company has one, are NEEDS_SYNC again
    and returned to push."""
    missing = []
    for connection in QuickBooksConnection.objects.filter(
            status=QuickBooksConnection.Status.CONNECTED):
        missing += mark_missing_followers(connection)
    enqueue(missing)
    followers = SyncRecord.objects.filter(_of_their_connection(realms),
                                          kind__in=[Kind.REFUND, Kind.FEE])
    waiting, stuck = _waiting_or_stuck(now)
    ids = list(followers.filter(waiting | stuck).values_list("pk", flat=True)[:1000])
    for connection in QuickBooksConnection.objects.filter(
            realm_id__in=realms, status=QuickBooksConnection.Status.CONNECTED):
        if accounts.fee_account_id(connection):
            ids += list(fees_blocked_for_want_of_a_fee_account(connection=connection)
                        .values_list("pk", flat=True)[:1000])
    SyncRecord.objects.filter(pk__in=ids).update(state=State.NEEDS_SYNC, state_changed_at=now)
    return Swept(count=len(missing) + len(ids), now=now, push_ids=ids)


def fees_blocked_for_want_of_a_fee_account(
    *, connection: QuickBooksConnection
) -> QuerySet[SyncRecord]:
    """The company's processing fees blocked only because no fee account was chosen (the
    block says so in `fees.NO_FEE_ACCOUNT`, word for word)."""
    return SyncRecord.objects.filter(
        account_id=connection.account_id,
        realm_id=connection.realm_id, kind=Kind.FEE, state=State.BLOCKED,
        last_error=fees.NO_FEE_ACCOUNT,
    )
