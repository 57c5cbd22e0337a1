"""Fixtures: the local QBO sandbox in-process (through `responses`) and a connected account."""

from datetime import date

import pytest
import responses

from integrations.qbo import client as qbo_client
from integrations.services import sync
from invoices import services
from qbo_sandbox.app import create_app
from qbo_sandbox.testing import mount
from tests.factories import make_account, make_user
from tests.sandbox_helpers import IN_PROCESS_URL, US_REALM, Sandbox, connect_through_consent_page


@pytest.fixture
def sandbox(tmp_path, settings):
    yield from sandbox_for(tmp_path, settings, sample_data=False)  # numbers 1001+ free


def sandbox_for(tmp_path, settings, *, sample_data: bool):
    """The in-process sandbox, bare or holding Intuit-like sample data, with settings
    pointing hatsync at it."""
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_URL = IN_PROCESS_URL
    settings.QBO_CLIENT_ID = "hatsync-local"
    settings.QBO_CLIENT_SECRET = "hatsync-local-secret"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.QBO_REQUESTS_PER_MINUTE = 7000  # the budget has tests of its own
    settings.QBO_REQUESTS_PER_SECOND = 1000  # the sandbox's, below
    settings.QBO_BUDGET_URL = f"file://{tmp_path / 'budget'}"
    qbo_client._discovery_document.cache_clear()
    app = create_app(tmp_path / "qbo", sample_data=sample_data)
    app.config.rate_limit_per_second = 1000  # as the budget's: test_throttling.py has its own
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(rsps, app, IN_PROCESS_URL)
        yield Sandbox(IN_PROCESS_URL, rsps=rsps, app=app)
    qbo_client._discovery_document.cache_clear()
    app.close()


@pytest.fixture
def account_for(db, client):
    def make(country: str = "US", realm: str = US_REALM, connect: bool = True):
        account = make_account(country=country)
        user = make_user(account=account)
        client.force_login(user)
        if connect:
            connect_through_consent_page(client, realm)
        return account

    return make


def send(invoice):
    return services.invoice_send(invoice=invoice)


def pay(invoice, amount, tip="0", reference=""):
    from decimal import Decimal

    return services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                   amount=Decimal(amount), tip_amount=Decimal(tip),
                                   reference=reference)


def run_outbox(account) -> list:
    """Do what the worker does: push every record waiting for this account, until none wait."""
    from integrations.models import SyncRecord

    outcomes = []
    for _ in range(5):
        waiting = list(SyncRecord.objects.filter(
            account=account, state=SyncRecord.State.NEEDS_SYNC,
            kind__in=[SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT],
        ).order_by("kind", "pk").values_list("pk", flat=True))
        if not waiting:
            break
        outcomes += [sync.sync_record(record_id=pk) for pk in waiting]
    return outcomes
