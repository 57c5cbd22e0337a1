"""hatsync's own writes come back as webhook events (QuickBooks sends one for every change):
an event no newer than hatsync's last write of that object is not read (reads are metered);
a change made in QuickBooks after it still is."""

import pytest
import requests

from integrations.models import QuickBooksConnection
from integrations.services import inbound
from tests.integrations.conftest import pay, run_outbox
from tests.integrations.test_changes_from_quickbooks import (  # noqa: F401 (the fixture)
    deliver_and_process,
    synced_invoice,
    webhooks,
)
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def metered_reads(sandbox) -> int:
    counts = sandbox.control("GET", "requests/counts")["metered_by_realm"]
    return counts.get(US_REALM, {}).get("read", 0)


def test_hatsyncs_own_writes_coming_back_as_events_are_not_read(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    hooks = webhooks()
    invoice = synced_invoice(account)
    pay(invoice, "50.00")
    run_outbox(account)
    reads = metered_reads(sandbox)

    events = deliver_and_process(client, hooks)

    assert {"qbo.invoice.created.v1", "qbo.payment.created.v1"} <= {e["type"] for e in events}
    assert metered_reads(sandbox) == reads


def test_a_change_made_in_quickbooks_after_hatsyncs_write_is_still_read(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    payment = pay(invoice, "50.00")
    run_outbox(account)
    hooks = webhooks()
    record = record_for(payment, "payment")
    connection = QuickBooksConnection.objects.get(account=account)
    requests.post(
        f"http://qbo-sandbox.test/v3/company/{US_REALM}/payment",
        params={"operation": "update", "include": "void"},
        json={"Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": True},
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"}).raise_for_status()
    reads = metered_reads(sandbox)

    deliver_and_process(client, hooks)

    # the payment, and the invoice its void changed (the balance): both newer than hatsync's
    # writes, both read; hatsync's own creations before them are not
    assert metered_reads(sandbox) == reads + 2
    record.refresh_from_db()
    assert record.qbo_status == "voided"


def test_an_event_is_an_echo_only_when_no_newer_than_every_write_of_the_object():
    from datetime import UTC, datetime, timedelta

    wrote = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert inbound.echo_of_own_write(event_at=wrote, written_at=[wrote])
    assert not inbound.echo_of_own_write(event_at=wrote + timedelta(seconds=1),
                                         written_at=[wrote])
    assert not inbound.echo_of_own_write(event_at=wrote, written_at=[])  # not ours: read
    assert not inbound.echo_of_own_write(event_at=wrote, written_at=[wrote, None])
    assert not inbound.echo_of_own_write(event_at=None, written_at=[wrote])
