"""System stories about the connection and the worker's resilience: token refresh under
concurrency, a revoked sign-in, reconnecting, QuickBooks outages, exactly-once writes."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncRecord
from tests.factories import make_contact, make_invoice
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import CLIENT_AUTH, US_REALM, connected_through_consent_page, record_for
from tests.system.helpers import all_settled, connected_account, synced, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def _expire_our_access_token(account) -> None:
    QuickBooksConnection.objects.filter(account=account).update(
        access_token_expires_at=timezone.now() - timedelta(hours=1))


def _connection(account) -> QuickBooksConnection:
    return QuickBooksConnection.objects.get(account=account)


def test_many_invoices_syncing_at_once_with_an_expired_token_refresh_it_exactly_once(
    sandbox, client, celery_worker_process
):
    account = connected_account(client)
    before = _connection(account)
    drafts = [make_invoice(account=account, number=f"R-{n}",
                           contact=make_contact(account=account, first_name=f"Person{n}"))
              for n in range(8)]
    sandbox.control("POST", "tokens/expire", json={"realm": US_REALM})
    _expire_our_access_token(account)
    sandbox.control("DELETE", "requests")
    log_offset = celery_worker_process.log_size()

    with transaction.atomic():  # all eight are enqueued together, on commit
        for draft in drafts:
            send(draft)
    for invoice in drafts:
        synced(invoice, timeout=60)

    token_calls = sandbox.token_calls()
    assert len(token_calls) == 1, token_calls
    assert token_calls[0]["status"] == 200
    after = _connection(account)
    assert after.status == "connected"
    assert after.access_token != before.access_token
    assert after.access_token_expires_at > timezone.now() + timedelta(minutes=50)
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        f"R-{n}" for n in range(8)]
    # They really were taken by several worker processes at once.
    pool = set(re.findall(r"ForkPoolWorker-\d+", celery_worker_process.log_since(log_offset)))
    assert len(pool) >= 2, pool
    sandbox.assert_exactly_once(US_REALM)


def test_quickbooks_expiring_tokens_early_makes_concurrent_syncs_refresh_once_after_a_401(
    sandbox, client
):
    """Our copy still looks fresh; QuickBooks answers 401. One worker refreshes, the rest reuse."""
    account = connected_account(client)
    drafts = [make_invoice(account=account, number=f"E401-{n}") for n in range(6)]
    sandbox.control("POST", "tokens/expire", json={"realm": US_REALM})
    sandbox.control("DELETE", "requests")

    with transaction.atomic():
        for draft in drafts:
            send(draft)
    for invoice in drafts:
        synced(invoice, timeout=60)

    assert len(sandbox.token_calls()) == 1, sandbox.token_calls()
    # A worker that picked up the old token before the refresh may see one 401 too; it then
    # uses the token the first worker stored, without refreshing again.
    assert 1 <= [r["status"] for r in sandbox.log(US_REALM)].count(401) <= 4
    assert _connection(account).status == "connected"
    sandbox.assert_exactly_once(US_REALM)


def test_a_revoked_sign_in_pauses_syncing_until_reconnected_through_the_consent_page(
    sandbox, client
):
    account = connected_account(client)
    revoked = requests.post(f"{sandbox.base_url}/oauth2/v1/tokens/revoke", auth=CLIENT_AUTH,
                            json={"token": _connection(account).refresh_token}, timeout=10)
    assert revoked.status_code == 200
    _expire_our_access_token(account)
    invoice = send(make_invoice(account=account, number="NR-1"))

    wait_for(lambda: _connection(account).status == "needs_reconnect",
             what="the connection to need reconnecting")
    record = wait_for(lambda: SyncRecord.objects.filter(
        key=f"invoice:{invoice.pk}", last_error__startswith="Paused").first(),
        what="the invoice to be paused")
    assert record.state == "needs_sync"
    assert "QuickBooks no longer accepts this connection" in _connection(account).status_reason
    assert sandbox.entities(US_REALM, "Invoice") == []
    page = client.get("/settings/integrations/").content.decode()
    assert "Reconnect to QuickBooks" in page

    connected_through_consent_page(client, US_REALM)
    synced(invoice)
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["NR-1"]
    assert _connection(account).status == "connected"


def test_an_invoice_sent_while_the_connection_needs_reconnecting_syncs_after_reconnecting(
    sandbox, client
):
    account = connected_account(client)
    requests.post(f"{sandbox.base_url}/oauth2/v1/tokens/revoke", auth=CLIENT_AUTH,
                  json={"token": _connection(account).refresh_token}, timeout=10)
    _expire_our_access_token(account)
    first = send(make_invoice(account=account, number="NR-2"))
    wait_for(lambda: _connection(account).status == "needs_reconnect",
             what="the connection to need reconnecting")

    later = send(make_invoice(account=account, number="NR-3"))  # sent while paused
    connected_through_consent_page(client, US_REALM)

    synced(first)
    synced(later, timeout=10)  # its neighbour already went: give it a little longer
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        "NR-2", "NR-3"]


def test_a_503_from_quickbooks_is_retried_with_backoff_and_the_invoice_lands_once(
    sandbox, client
):
    account = connected_account(client)
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [{"status": 503}]})
    invoice = send(make_invoice(account=account, number="RT-1"))

    wait_for(lambda: (r := record_for(invoice)) and "had a problem (503)" in r.last_error,
             what="the 503 to be recorded as a retry")
    assert record_for(invoice).state == "needs_sync"
    record = synced(invoice, timeout=45)  # the first retry comes 5 s later
    assert record.last_error == ""
    statuses = [r["status"] for r in sandbox.log(US_REALM)]
    assert statuses.count(503) == 1
    assert len(sandbox.invoices(US_REALM, "RT-1")) == 1
    assert list(record.log.order_by("pk").values_list("outcome", flat=True)) == [
        "retry", "synced"]
    sandbox.assert_exactly_once(US_REALM)


def test_invoices_and_payments_through_throttling_and_outages_are_each_written_once(
    sandbox, client
):
    account = connected_account(client)
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"status": 429, "retry_after": 1}, {"status": 503}, {"status": 502}]})
    invoices = [send(make_invoice(account=account, number=f"EO-{n}")) for n in range(4)]
    for invoice in invoices:
        synced(invoice, timeout=60)
    payments = [pay(invoice, "100.00", reference=f"PAY-{n}") for n, invoice in
                enumerate(invoices)]
    for payment in payments:
        synced(payment, "payment", timeout=60)
    all_settled(account, timeout=60)  # the invoices' own pushes after their payments too

    assert sandbox.control("GET", "faults")["pending"] == 0
    statuses = [r["status"] for r in sandbox.log(US_REALM)]
    assert {429, 503, 502} <= set(statuses)
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        "EO-0", "EO-1", "EO-2", "EO-3"]
    qbo_payments = sandbox.entities(US_REALM, "Payment")
    assert sorted(p["PaymentRefNum"] for p in qbo_payments) == [f"PAY-{n}" for n in range(4)]
    assert all(Decimal(str(i["Balance"])) == 0 for i in sandbox.entities(US_REALM, "Invoice"))
    sandbox.assert_exactly_once(US_REALM)


def test_a_token_refreshed_a_day_later_survives_a_quickbooks_outage_on_the_same_sync(
    sandbox, client
):
    """A day after connecting, the refresh returns a new refresh token and the old one stops
    working (QBO-FACTS). If QuickBooks then answers 503, the retry must use the new one."""
    account = connected_account(client)
    sandbox.control("POST", "clock/advance", json={"seconds": 25 * 3600})
    _expire_our_access_token(account)
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [{"status": 503}]})
    invoice = send(make_invoice(account=account, number="DAY-1"))

    wait_for(lambda: record_for(invoice) and (
        record_for(invoice).state == "synced" or _connection(account).status != "connected"),
        timeout=45, what="the retried invoice to sync or the connection to drop")
    connection, record = _connection(account), record_for(invoice)
    refreshes = [r["status"] for r in sandbox.token_calls()][1:]  # after the sign-in
    story = (f"connection {connection.status}, invoice {record.state} "
             f"({record.last_error!r}), refresh answers {refreshes}")
    assert connection.status == "connected", story
    assert record.state == "synced", story
    assert refreshes == [200], story
