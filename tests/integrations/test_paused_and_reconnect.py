"""While QuickBooks cannot be reached every waiting record says why, and reconnecting to the
same company carries on where the connection left off."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncRecord
from tests.factories import make_invoice
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import (
    CLIENT_AUTH,
    IN_PROCESS_URL,
    US_REALM,
    connect_through_consent_page,
    record_for,
)

pytestmark = pytest.mark.django_db


def revoke_sign_in(account) -> None:
    """Someone revoked the app in QuickBooks, and our access token has run out."""
    connection = QuickBooksConnection.objects.get(account=account)
    requests.post(f"{IN_PROCESS_URL}/oauth2/v1/tokens/revoke", auth=CLIENT_AUTH,
                  json={"token": connection.refresh_token}).raise_for_status()
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1))


def test_every_waiting_record_keeps_saying_why_while_paused(sandbox, account_for):
    account = account_for("US", US_REALM)
    revoke_sign_in(account)
    first = send(make_invoice(account=account, number="P-1"))
    second = send(make_invoice(account=account, number="P-2"))
    for _ in range(3):  # later attempts (the sweep, a press of Sync) must not clear the reason
        run_outbox(account)
        SyncRecord.objects.filter(kind="invoice").update(state="needs_sync")
        run_outbox(account)
    for invoice in (first, second):
        record = record_for(invoice)
        assert record.state == "needs_sync"
        assert record.last_error.startswith(
            "Paused: QuickBooks no longer accepts this connection"), record.last_error

    third = send(make_invoice(account=account, number="P-3"))  # sent while paused
    assert record_for(third).last_error.startswith("Paused:")


def test_disconnecting_marks_what_waits_and_the_page_says_it_syncs_on_reconnect(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    invoice = send(make_invoice(account=account, number="D-1"))
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "needs_sync"
    assert record.last_error.startswith("Paused: disconnected from QuickBooks")
    page = client.get("/settings/integrations/").content.decode()
    assert "sync by themselves when you connect to" in page


def test_an_invoice_sent_while_disconnected_syncs_after_reconnecting_to_the_same_company(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    synced_before = send(make_invoice(account=account, number="RC-1"))
    run_outbox(account)
    client.post("/integrations/quickbooks/disconnect/")
    draft = make_invoice(account=account, number="RC-2")
    send(draft)  # marked as sent while disconnected
    pay(synced_before, "50.00")  # and a payment on an invoice already in QuickBooks

    assert connect_through_consent_page(client, US_REALM).status_code == 302
    run_outbox(account)
    assert record_for(draft).state == "synced", record_for(draft).last_error
    assert record_for(draft).last_error == ""
    assert SyncRecord.objects.get(kind="payment").state == "synced"
    numbers = sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert numbers == ["RC-1", "RC-2"]


def test_reconnect_catches_up_invoices_the_outbox_never_heard_of(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    invoice = send(make_invoice(account=account, number="RC-3"))
    SyncRecord.objects.filter(kind="invoice").delete()  # as if sent before this release
    assert connect_through_consent_page(client, US_REALM).status_code == 302
    run_outbox(account)
    assert record_for(invoice).state == "synced"
