"""Helpers for the system tests: wait for the real worker to reach the state a test checks."""

import time

from integrations.models import SyncRecord
from tests.sandbox_helpers import US_REALM, connected_through_consent_page, record_for

SETTLED = {"synced", "blocked", "failed"}


def wait_for(predicate, timeout: float = 30.0, what: str = "the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def settled(obj, kind: str = "invoice", timeout: float = 30.0) -> SyncRecord:
    """Wait until the worker has finished with this invoice/payment: synced, blocked or failed."""

    def done():
        record = record_for(obj, kind)
        return record if record is not None and record.state in SETTLED else None

    try:
        return wait_for(done, timeout, f"{kind} {obj.pk} to settle")
    except AssertionError as error:
        record = record_for(obj, kind)
        state = (record.state, record.last_error) if record else "no record"
        raise AssertionError(f"{error}; it is {state}") from None


def synced(obj, kind: str = "invoice", timeout: float = 30.0) -> SyncRecord:
    record = settled(obj, kind, timeout)
    assert record.state == "synced", (record.state, record.last_error)
    return record


def all_settled(account, timeout: float = 30.0) -> list[SyncRecord]:
    """Wait until the worker has nothing left to do for this account: no record waiting or
    under way (a paused one waits for its company, not the worker). Wait for this before
    reading what a screen shows, or counting what reached QuickBooks: one record settling
    (a payment) says nothing of another (its invoice's own update for the tip line)."""

    def quiet():
        records = list(SyncRecord.objects.filter(account=account))
        busy = [r for r in records if r.state not in SETTLED and not r.paused]
        return None if busy else records or None

    try:
        return wait_for(quiet, timeout, f"account {account.pk}'s records to settle")
    except AssertionError as error:
        busy = list(SyncRecord.objects.filter(account=account).exclude(
            state__in=SETTLED).values_list("key", "state", "last_error"))
        raise AssertionError(f"{error}; still busy: {busy}") from None


def connected_account(client, country: str = "US", realm: str = US_REALM):
    """A new account whose owner is signed in and has connected it through the consent page."""
    from tests.factories import make_account, make_user

    account = make_account(country=country)
    client.force_login(make_user(account=account))
    connected_through_consent_page(client, realm)
    return account
