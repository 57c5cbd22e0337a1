"""System story: disconnect, keep working, reconnect to the same company; the worker carries on
where the connection left off, and while it waits every record says why."""

import pytest

from integrations.models import SyncRecord
from tests.factories import make_invoice
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import US_REALM, connected_through_consent_page
from tests.system.helpers import all_settled, connected_account, synced, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def test_what_was_sent_while_disconnected_syncs_by_itself_after_reconnecting(sandbox, client):
    account = connected_account(client)
    before = send(make_invoice(account=account, number="DC-1"))
    synced(before)
    client.post("/integrations/quickbooks/disconnect/")

    draft = make_invoice(account=account, number="DC-2")
    send(draft)  # marked as sent while disconnected
    pay(before, "40.00")
    waiting = wait_for(lambda: SyncRecord.objects.filter(
        key=f"invoice:{draft.pk}", last_error__startswith="Paused: disconnected").first(),
        what="the worker to say the invoice is paused")
    assert waiting.state == "needs_sync"
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Paused: disconnected from QuickBooks" in page

    connected_through_consent_page(client, US_REALM)
    record = synced(draft, timeout=20)
    assert record.last_error == ""
    synced(before.payments.get(), kind="payment", timeout=20)
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        "DC-1", "DC-2"]
    synced(before)  # the payment changed its invoice: wait for the invoice's own push too
    all_settled(account)
    sandbox.assert_exactly_once(US_REALM)
