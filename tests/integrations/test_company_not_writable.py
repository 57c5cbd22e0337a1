"""A QuickBooks company that cannot be written to (a lapsed subscription, 6190): the
connection pauses with a sentence, one refusal is all QuickBooks hears (no retry per record),
and it resumes by itself (the sweep's probe) or on Re-check once writes are accepted again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import bulk, company_status
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def lapse(sandbox, status: str = "lapsed", **extra: str) -> None:
    sandbox.control("POST", f"companies/{US_REALM}/status", json={"status": status, **extra})


def writes_to_quickbooks(sandbox) -> list[dict]:
    return [r for r in sandbox.log(US_REALM) if r["method"] == "POST"
            and "/query" not in r["path"]]


def test_a_lapsed_company_pauses_the_connection_after_one_refusal(sandbox, account_for):
    account = account_for("US", US_REALM)
    lapse(sandbox)
    sandbox.control("DELETE", "requests")
    invoices = [send(make_invoice(account=account, number=f"L-{n}")) for n in range(4)]
    run_outbox(account)
    refused = [r for r in writes_to_quickbooks(sandbox) if r["status"] == 400]
    assert len(refused) == 1  # one refusal pauses the company: the others never went
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "connected" and connection.writes_refused_at is not None
    assert connection.status_reason.startswith(
        "QuickBooks is not accepting changes to Sandbox Studio US: its subscription or trial")
    for invoice in invoices:
        record = record_for(invoice)
        assert (record.state, record.paused) == ("needs_sync", True)
        assert record.last_error.startswith("Paused: QuickBooks is not accepting changes")
    assert sandbox.invoices(US_REALM, "L-0") == []


def test_the_integrations_page_says_syncing_is_paused(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    lapse(sandbox)
    send(make_invoice(account=account, number="L-P"))
    run_outbox(account)
    page = client.get("/settings/integrations/").content.decode()
    assert "Syncing is paused." in page
    assert "Renew it in QuickBooks" in page
    invoice = SyncRecord.objects.get(kind="invoice").invoice
    panel = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Paused: QuickBooks is not accepting changes to Sandbox Studio US" in panel


def test_the_sweep_leaves_a_paused_company_alone_until_its_probe_is_due(
    sandbox, account_for, settings
):
    settings.QBO_WRITE_PROBE_SECONDS = 300
    account = account_for("US", US_REALM)
    lapse(sandbox)
    send(make_invoice(account=account, number="L-S"))
    run_outbox(account)
    assert company_status.connections_to_probe() == []  # refused a moment ago
    SyncRecord.objects.update(state_changed_at=timezone.now() - timedelta(minutes=10))
    connection = QuickBooksConnection.objects.get(account=account)
    assert company_status.connections_to_probe() == [connection.pk]
    assert bulk.drain_company(connection_id=connection.pk, since=timezone.now()).synced == 0


def test_the_probe_resumes_syncing_once_quickbooks_accepts_writes_again(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    lapse(sandbox)
    invoices = [send(make_invoice(account=account, number=f"R-{n}")) for n in range(3)]
    run_outbox(account)
    connection = QuickBooksConnection.objects.get(account=account)
    sandbox.control("DELETE", "requests")
    assert tasks.probe_company_writes(connection.pk) is False  # still lapsed: one request
    assert len([r for r in writes_to_quickbooks(sandbox) if r["status"] == 400]) == 1
    assert QuickBooksConnection.objects.get(pk=connection.pk).status_reason != ""

    lapse(sandbox, "active")
    assert tasks.probe_company_writes(connection.pk) is True
    connection.refresh_from_db()
    assert connection.status_reason == "" and connection.writes_refused_at is None
    run_outbox(account)  # what the drain the probe queued does
    for invoice in invoices:
        record = record_for(invoice)
        assert (record.state, record.paused, record.last_error) == ("synced", False, "")
    sandbox.assert_exactly_once(US_REALM)


def test_re_check_settings_resumes_a_paused_company(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    lapse(sandbox)
    invoice = send(make_invoice(account=account, number="R-C"))
    run_outbox(account)
    lapse(sandbox, "active")
    assert client.post("/integrations/quickbooks/recheck/").status_code == 302
    assert QuickBooksConnection.objects.get(account=account).status_reason == ""
    assert record_for(invoice).state == "synced", record_for(invoice).last_error


def test_features_the_plan_lacks_are_shown_on_the_checklist_not_failed(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    lapse(sandbox, "active", plan="simple_start")
    assert client.post("/integrations/quickbooks/recheck/").status_code == 302
    page = client.get("/settings/integrations/").content.decode()
    for name in ("Multi-currency", "Classes", "Locations"):
        assert f"{name}: not on in this QuickBooks company" in page
    invoice = send(make_invoice(account=account, number="SS-1"))
    run_outbox(account)
    assert record_for(invoice).state == "synced"


def test_a_bulk_drain_into_a_lapsed_company_pauses_it_after_one_refusal(sandbox, account_for):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    with pytest.MonkeyPatch.context() as patch:  # keep them in the outbox: the drain takes them
        patch.setattr("integrations.services.outbox.enqueue", lambda ids: None)
        invoices = [send(make_invoice(account=account, number=f"B-{n}")) for n in range(6)]
    lapse(sandbox)
    sandbox.control("DELETE", "requests")
    result = bulk.drain_company(connection_id=connection.pk, since=timezone.now())
    assert result.synced == 0
    assert len([r for r in writes_to_quickbooks(sandbox) if r["status"] == 400]) == 1
    assert QuickBooksConnection.objects.get(pk=connection.pk).status_reason != ""
    assert {record_for(i).paused for i in invoices} == {True}
