import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services.tokens import connection_access_token
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db


def token_calls(sandbox) -> int:
    return len([c for c in sandbox.rsps.calls if c.request.url.endswith("/tokens/bearer")])


def test_an_expired_token_is_refreshed_once_and_the_rotated_token_is_stored(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1))
    before = token_calls(sandbox)
    token = connection_access_token(connection_id=connection.pk)
    again = connection_access_token(connection_id=connection.pk)
    assert token == again
    assert token_calls(sandbox) == before + 1
    connection.refresh_from_db()
    assert connection.access_token_expires_at > timezone.now() + timedelta(minutes=50)


def test_a_401_is_retried_after_one_refresh(sandbox, account_for):
    account = account_for("US", US_REALM)
    sandbox.control("POST", "tokens/expire", json={})
    invoice = send(make_invoice(account=account))
    run_outbox(account)
    assert SyncRecord.objects.get(key=f"invoice:{invoice.pk}").state == "synced"


def test_invalid_grant_pauses_syncing_and_reconnecting_resumes(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    connection.refresh_token = "revoked-or-unknown"
    connection.access_token_expires_at = timezone.now() - timedelta(seconds=1)
    connection.save()
    invoice = send(make_invoice(account=account))
    run_outbox(account)
    connection.refresh_from_db()
    assert connection.status == "needs_reconnect"
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    assert record.state == "needs_sync"
    assert "Reconnect" in client.get("/settings/integrations/").content.decode()
    from tests.sandbox_helpers import connect_through_consent_page

    connect_through_consent_page(client, US_REALM)
    run_outbox(account)
    assert SyncRecord.objects.get(key=f"invoice:{invoice.pk}").state == "synced"


@pytest.mark.django_db(transaction=True)
def test_many_workers_finding_the_token_expired_refresh_it_once(sandbox, account_for):
    if db_connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL (CI runs this on PostgreSQL)")
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1))
    before = token_calls(sandbox)
    tokens, errors = [], []

    def worker():
        try:
            tokens.append(connection_access_token(connection_id=connection.pk))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(tokens)) == 1
    assert token_calls(sandbox) == before + 1
    assert QuickBooksConnection.objects.get(pk=connection.pk).is_connected
