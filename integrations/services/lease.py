"""One writer per QuickBooks company: the lease a worker holds while it pushes."""

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import QuickBooksConnection


class CompanyBusy(Exception):
    """Another worker is writing to this company right now."""


class LeaseLost(Exception):
    """This worker's hold on the company ran out (another may be writing): stop writing."""


@contextmanager
def connection_lease(*, connection_id: int,
                     wait: float | None = None) -> Iterator[Callable[[], bool]]:
    """Hold the company for one push: one writer per company, with no database transaction
    (nor row lock) kept open while QuickBooks answers. Taking and giving back the lease are
    single UPDATEs; a lease whose holder died runs out after QBO_LEASE_SECONDS. Waits up to
    QBO_LEASE_WAIT_SECONDS (or `wait`; 0: one try) for a busy company, then raises
    CompanyBusy. A task that can go back on the queue (an undo) does not wait at all: a worker
    waiting here serves no other company.

    Yields `renew()`: the holder calls it before each request (and, while batches are in
    flight, every few seconds) to push the expiry on; it writes at most every quarter of the
    lease, and False means the lease was lost (it ran out and another worker took it): the
    holder must not write again."""
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + (settings.QBO_LEASE_WAIT_SECONDS if wait is None else wait)
    while True:
        now = timezone.now()
        taken = QuickBooksConnection.objects.filter(pk=connection_id).filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        ).update(lease_owner=owner,
                 lease_expires_at=now + timedelta(seconds=settings.QBO_LEASE_SECONDS))
        if taken:
            break
        if time.monotonic() >= deadline:
            raise CompanyBusy
        time.sleep(0.05)

    renewed = [time.monotonic()]

    def renew() -> bool:
        if time.monotonic() - renewed[0] < settings.QBO_LEASE_SECONDS / 4:
            return True  # renewed a moment ago: still ours until well after now
        expires = timezone.now() + timedelta(seconds=settings.QBO_LEASE_SECONDS)
        kept = bool(QuickBooksConnection.objects.filter(pk=connection_id, lease_owner=owner)
                    .update(lease_expires_at=expires))
        if kept:
            renewed[0] = time.monotonic()
        return kept

    try:
        yield renew
    finally:
        QuickBooksConnection.objects.filter(pk=connection_id, lease_owner=owner).update(
            lease_owner="", lease_expires_at=None)
