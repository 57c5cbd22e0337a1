"""A company QuickBooks will not write to (a lapsed subscription, 6190): one probe at a time
finds out when it accepts writes again, and syncing then resumes where it stopped.

While paused (outbox.pause_writes) nothing is pushed and the sweep leaves the company alone;
the probe pushes the oldest waiting record, one request. If QuickBooks takes it, the pause
ends and the rest goes in bulk; if not, the push itself pauses the company again.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import QuickBooksConnection, SyncRecord
from .outbox import resume_paused, writes_refused
from .sync import sync_record

State = SyncRecord.State
Kind = SyncRecord.Kind


def connections_to_probe() -> list[int]:
    """Companies refusing writes whose last refusal is older than QBO_WRITE_PROBE_SECONDS."""
    since = timezone.now() - timedelta(seconds=settings.QBO_WRITE_PROBE_SECONDS)
    refused = QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED, writes_refused_at__isnull=False)
    recent = SyncRecord.objects.filter(paused=True, state_changed_at__gte=since,
                                       account_id=OuterRef("account_id"),
                                       realm_id=OuterRef("realm_id"))
    return list(refused.exclude(Exists(recent)).values_list("pk", flat=True))


def connection_probe_writes(*, connection: QuickBooksConnection) -> bool:
    """One push to see whether QuickBooks accepts writes again; True when it does (the
    company's waiting records then go again)."""
    if not writes_refused(connection):
        return True
    QuickBooksConnection.objects.filter(pk=connection.pk).update(status_reason="",
                                                                 writes_refused_at=None)
    connection.status_reason, connection.writes_refused_at = "", None
    probe = (
        SyncRecord.objects.filter(account_id=connection.account_id,
                                  realm_id=connection.realm_id, paused=True,
                                  state=State.NEEDS_SYNC, kind__in=[Kind.INVOICE, Kind.PAYMENT])
        .order_by("state_changed_at", "pk").first()
    )
    if probe is not None:
        sync_record(record_id=probe.pk)
        connection.refresh_from_db()
        if writes_refused(connection):
            return False
    resume_paused(connection=connection)
    return True
