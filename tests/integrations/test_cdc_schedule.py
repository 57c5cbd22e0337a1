"""When change data capture (a metered call) is due for a company: webhooks bring changes in;
CDC catches up once a day, at once after a detected gap (a restart, a delivery hatsync could
not take, a webhook silence after hatsync wrote), every few minutes when no webhook is
configured, and never for a company with nothing synced."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from integrations import rules, tasks
from integrations.models import QuickBooksConnection
from integrations.services import inbound
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def due(**given) -> bool:
    inputs = {"now": NOW, "last_cdc_at": NOW - timedelta(hours=1), "webhooks_configured": True,
              "gap_at": None, "anything_synced": True, "last_write_at": None,
              "last_webhook_at": None}
    return rules.cdc_due(**(inputs | given))


# the rule -------------------------------------------------------------------------------
def test_with_webhooks_cdc_is_due_once_a_day():
    assert not due(last_cdc_at=NOW - DAY + timedelta(minutes=1))
    assert due(last_cdc_at=NOW - DAY)


def test_without_a_webhook_cdc_keeps_the_short_interval():
    assert not due(webhooks_configured=False, last_cdc_at=NOW - timedelta(seconds=299))
    assert due(webhooks_configured=False, last_cdc_at=NOW - timedelta(seconds=300))


def test_a_gap_after_the_last_cdc_makes_it_due_at_once():
    assert due(gap_at=NOW - timedelta(minutes=5))
    assert not due(gap_at=NOW - timedelta(hours=2))  # the last CDC came after it


def test_a_company_with_nothing_synced_never_gets_a_cdc():
    assert not due(anything_synced=False, last_cdc_at=NOW - 40 * DAY,
                   gap_at=NOW, webhooks_configured=False)


def test_a_webhook_silence_after_hatsync_wrote_makes_it_due_once():
    wrote = NOW - rules.WEBHOOK_SILENCE - timedelta(minutes=1)
    # hatsync wrote, QuickBooks sent nothing back for an hour: the webhooks are not arriving
    assert due(last_write_at=wrote, last_webhook_at=wrote - DAY,
               last_cdc_at=wrote - timedelta(hours=2))
    # a webhook came after the write: nothing is missing
    assert not due(last_write_at=wrote, last_webhook_at=wrote + timedelta(seconds=5),
                   last_cdc_at=wrote - timedelta(hours=2))
    # too early to tell
    assert not due(last_write_at=NOW - timedelta(minutes=5), last_webhook_at=None,
                   last_cdc_at=NOW - timedelta(hours=2))
    # the CDC for that silence ran: not again until the next write
    assert not due(last_write_at=wrote, last_webhook_at=None,
                   last_cdc_at=wrote + rules.WEBHOOK_SILENCE + timedelta(seconds=1))


def test_a_company_never_read_counts_from_when_it_connected():
    # the caller passes the connection time when there was no CDC yet
    assert not due(last_cdc_at=NOW - timedelta(hours=3))
    assert due(last_cdc_at=NOW - 2 * DAY)


# the beat tick ----------------------------------------------------------------------------
@pytest.fixture
def connected(sandbox, account_for, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = "test-verifier-token"
    account = account_for("US", US_REALM)
    return account, QuickBooksConnection.objects.get(account=account)


def synced_invoice(account):
    invoice = make_invoice(account=account, lines=None)
    send(invoice)
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    return invoice


def cdc_calls(sandbox) -> int:
    counts = sandbox.control("GET", "requests/counts")["metered_by_realm"]
    return counts.get(US_REALM, {}).get("cdc", 0)


def tick() -> list[int]:
    """The beat's tick: the ids of the companies it queued a CDC for."""
    with mock.patch.object(tasks.catch_up_company, "delay") as queued:
        tasks.catch_up_changes()
    return [call.args[0] for call in queued.call_args_list]


def read_now(connection) -> None:
    inbound.catch_up(connection_id=connection.pk)


def events_for(realm: str) -> list[dict]:
    return [{"id": "e-1", "type": "qbo.payment.created.v1", "intuitaccountid": realm,
             "intuitentityid": "77", "time": "2026-12-01T12:00:00Z"}]


@pytest.mark.django_db
def test_no_cdc_call_for_a_company_with_nothing_synced(connected, sandbox, settings):
    _, connection = connected
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = ""  # even at the short interval
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        connected_at=NOW - 40 * DAY, cdc_gap_at=None)
    assert tick() == []
    assert cdc_calls(sandbox) == 0


@pytest.mark.django_db
def test_a_synced_company_gets_its_daily_cdc_and_then_not_again_that_day(connected, sandbox):
    account, connection = connected
    synced_invoice(account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        connected_at=datetime.now(UTC) - 2 * DAY)
    assert tick() == [connection.pk]
    read_now(connection)
    assert cdc_calls(sandbox) == 1
    assert tick() == []


@pytest.mark.django_db
def test_a_dropped_delivery_triggers_a_cdc_at_the_next_tick(connected, sandbox):
    account, connection = connected
    synced_invoice(account)
    read_now(connection)
    assert tick() == []
    with mock.patch.object(tasks.process_webhook, "apply_async", side_effect=OSError("down")):
        assert tasks.queue_webhook(events_for(US_REALM)) is False
    assert tick() == [connection.pk]
    read_now(connection)
    assert tick() == []


@pytest.mark.django_db
def test_a_webhook_the_worker_gave_up_on_triggers_a_cdc_at_the_next_tick(connected, sandbox):
    account, connection = connected
    synced_invoice(account)
    read_now(connection)
    assert tick() == []
    from integrations.qbo.errors import QboFault

    with mock.patch.object(inbound, "process_events",
                           side_effect=QboFault("refused", status=400)):
        tasks.process_webhook.apply(args=(events_for(US_REALM),))
    assert tick() == [connection.pk]


@pytest.mark.django_db
def test_a_worker_restart_triggers_a_cdc_at_the_next_tick(connected, sandbox):
    account, connection = connected
    synced_invoice(account)
    read_now(connection)
    assert tick() == []
    from celery.signals import worker_ready

    worker_ready.send(sender=None)
    assert tick() == [connection.pk]


@pytest.mark.django_db
def test_without_a_webhook_token_cdc_keeps_the_short_interval(connected, sandbox, settings):
    account, connection = connected
    synced_invoice(account)
    read_now(connection)
    five_minutes_ago = datetime.now(UTC) - timedelta(seconds=settings.QBO_CDC_INTERVAL_SECONDS)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(cdc_read_at=five_minutes_ago)
    assert tick() == []  # webhooks configured: the daily catch-up is enough
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = ""
    assert tick() == [connection.pk]


@pytest.mark.django_db
def test_a_webhook_received_for_a_company_is_remembered(connected, sandbox):
    _, connection = connected
    inbound.process_events(events=[{"id": "e-2", "type": "qbo.customer.updated.v1",
                                    "intuitaccountid": US_REALM, "intuitentityid": "1",
                                    "time": "2026-12-01T12:00:00Z"}])
    connection.refresh_from_db()
    assert connection.last_webhook_at is not None


@pytest.mark.django_db
def test_a_cdc_queued_twice_reads_quickbooks_once(connected, sandbox):
    account, connection = connected
    synced_invoice(account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        connected_at=datetime.now(UTC) - 2 * DAY)
    queued_at = datetime.now(UTC).isoformat()
    # a busy queue: the next tick queued it again before the first one ran
    tasks.catch_up_company.apply(args=(connection.pk, queued_at))
    tasks.catch_up_company.apply(args=(connection.pk, queued_at))
    assert cdc_calls(sandbox) == 1
