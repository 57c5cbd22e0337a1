"""One writer per company through a lease: no database transaction is held while QuickBooks
answers, a busy company puts the record back without counting an attempt, and a lease whose
holder died runs out."""

from datetime import timedelta
from unittest import mock

import pytest
import requests
from django.db import connection as db
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import sync
from integrations.services.lease import CompanyBusy, connection_lease
from tests.factories import make_invoice
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_database_transaction_is_open_while_quickbooks_answers(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="L-1"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    seen = []
    real_send = requests.Session.send

    def send_to_quickbooks(session, request, **kwargs):
        if "/v3/company/" in request.url:
            seen.append(db.in_atomic_block)
        return real_send(session, request, **kwargs)

    with mock.patch.object(requests.Session, "send", send_to_quickbooks):
        assert sync.sync_record(record_id=record.pk).state == "synced"
    assert len(seen) >= 3 and not any(seen)  # look-ups and creates, none inside a transaction
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.lease_owner == "" and connection.lease_expires_at is None


def test_a_record_whose_company_is_busy_goes_back_on_the_queue_without_an_attempt(
    sandbox, account_for, settings
):
    settings.QBO_LEASE_WAIT_SECONDS = 0.1
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="L-2"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    connection = QuickBooksConnection.objects.get(account=account)
    with connection_lease(connection_id=connection.pk):  # another worker is pushing
        outcome = sync.sync_record(record_id=record.pk)
    assert outcome.budget_wait and outcome.retry_after > 0
    record.refresh_from_db()
    assert (record.state, record.attempts, record.last_error) == ("needs_sync", 0, "")
    assert not SyncLog.objects.filter(record=record).exists()
    assert sync.sync_record(record_id=record.pk).state == "synced"


def test_a_lease_whose_holder_died_runs_out_and_is_taken_over(sandbox, account_for, settings):
    settings.QBO_LEASE_WAIT_SECONDS = 0.1
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        lease_owner="a-killed-worker", lease_expires_at=timezone.now() + timedelta(minutes=1))
    with pytest.raises(CompanyBusy):
        with connection_lease(connection_id=connection.pk):
            pass
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1))
    with connection_lease(connection_id=connection.pk):
        holder = QuickBooksConnection.objects.get(pk=connection.pk).lease_owner
        assert holder not in {"", "a-killed-worker"}
