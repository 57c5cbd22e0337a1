"""One QuickBooks company is connected to at most one hatsync account at a time, and one
account's work never goes through another account's connection (issue 21, item 1)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import bulk, inbound, oauth, outbox_sweep
from invoices.models import Payment
from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import (
    US_REALM,
    connect_through_consent_page,
    connected_through_consent_page,
    record_for,
)

pytestmark = pytest.mark.django_db

REFUSED = ("This QuickBooks company is already connected to another hatsync account. "
           "Disconnect it there first, or choose another company.")


def sign_in_as(client, account):
    client.force_login(account.users.first())


def second_account(client):
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    return account


def page_after(client, response) -> str:
    return client.get(response["Location"]).content.decode()


def old_enough(records) -> None:
    """As the sweeper sees records left waiting for a while."""
    SyncRecord.objects.filter(pk__in=[r.pk for r in records]).update(
        state_changed_at=timezone.now() - timedelta(hours=1))


def payment_created(qbo_id) -> dict:
    """The CloudEvent Intuit sends for a payment made in QuickBooks."""
    return {"specversion": "1.0", "id": f"evt-{qbo_id}", "source": "intuit.test",
            "type": "qbo.payment.created.v1", "time": timezone.now().isoformat(),
            "intuitentityid": str(qbo_id), "intuitaccountid": US_REALM, "data": {}}


# --- the constraint ------------------------------------------------------------------------
def test_the_database_refuses_two_accounts_holding_one_company():
    first, second = make_account(country="US"), make_account(country="US")
    QuickBooksConnection.objects.create(account=first, environment="local", realm_id="R1")
    with pytest.raises(IntegrityError), transaction.atomic():
        QuickBooksConnection.objects.create(account=second, environment="local", realm_id="R1",
                                            status="needs_reconnect")


def test_a_disconnected_connection_holds_nothing_and_other_companies_are_free():
    first, second, third = (make_account(country="US") for _ in range(3))
    QuickBooksConnection.objects.create(account=first, environment="local", realm_id="R1",
                                        status="disconnected")
    QuickBooksConnection.objects.create(account=second, environment="local", realm_id="R1")
    QuickBooksConnection.objects.create(account=third, environment="sandbox", realm_id="R1")
    assert QuickBooksConnection.objects.filter(realm_id="R1").count() == 3


# --- connecting ----------------------------------------------------------------------------
def test_connecting_a_company_another_account_holds_is_refused_and_stores_no_tokens(
    sandbox, account_for, client
):
    holder = account_for("US", US_REALM)
    exchanges = len(sandbox.token_calls())
    newcomer = second_account(client)

    done = connect_through_consent_page(client, US_REALM)

    page = page_after(client, done)
    assert REFUSED in page
    assert holder.name not in page
    assert not QuickBooksConnection.objects.filter(account=newcomer).exists()
    assert len(sandbox.token_calls()) == exchanges  # the code was never exchanged
    held = QuickBooksConnection.objects.get(account=holder)
    assert held.is_connected and held.refresh_token


def test_two_connects_at_once_the_second_gets_the_same_sentence(sandbox, account_for, client):
    holder = account_for("US", US_REALM)
    newcomer = second_account(client)
    real = oauth.company_held_by_another_account
    answers = [False]  # the first check ran before the holder's callback saved

    def raced(**kwargs):
        return answers.pop() if answers else real(**kwargs)

    with mock.patch.object(oauth, "company_held_by_another_account", side_effect=raced):
        done = connect_through_consent_page(client, US_REALM)

    assert REFUSED in page_after(client, done)
    assert not QuickBooksConnection.objects.filter(account=newcomer).exists()
    assert QuickBooksConnection.objects.get(account=holder).is_connected


def test_an_account_reconnects_to_its_own_company(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    waiting = send(make_invoice(account=account, number="OWN-1"))
    connection = connected_through_consent_page(client, US_REALM)
    assert connection.account == account
    run_outbox(account)
    assert record_for(waiting).state == "synced"


def test_another_account_may_connect_once_the_holder_has_disconnected(
    sandbox, account_for, client
):
    account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    second = second_account(client)
    connection = connected_through_consent_page(client, US_REALM)
    assert connection.account == second


# --- the work stays with its account ---------------------------------------------------------
def test_a_disconnected_accounts_invoice_is_never_written_through_the_new_holder(
    sandbox, account_for, client
):
    first = account_for("US", US_REALM)
    before = send(make_invoice(account=first, number="A-1"))
    run_outbox(first)
    client.post("/integrations/quickbooks/disconnect/")
    waiting_before = send(make_invoice(account=first, number="A-2"))  # paused: disconnected
    second = second_account(client)
    holder = connected_through_consent_page(client, US_REALM)  # must not resume A's records
    sign_in_as(client, first)
    waiting_after = send(make_invoice(account=first, number="A-3"))
    old_enough([record_for(waiting_before), record_for(waiting_after)])

    swept = outbox_sweep.sweep_invoices_and_payments()
    assert holder.pk not in swept.drain_ids
    bulk.drain_company(connection_id=holder.pk, since=timezone.now())
    second_invoice = send(make_invoice(account=second, number="B-1"))
    run_outbox(second)

    numbers = sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert numbers == ["A-1", "B-1"]
    for invoice in (waiting_before, waiting_after):
        record = record_for(invoice)
        assert (record.account, record.state, record.paused) == (first, "needs_sync", True)
    assert record_for(second_invoice).account == second
    assert record_for(before).account == first
    # The waiting counts are the account's own.
    sign_in_as(client, second)
    page = client.get("/settings/integrations/")
    assert page.context["waiting_count"] == 0


def test_the_first_holders_records_resume_when_it_connects_again(sandbox, account_for, client):
    first = account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    waiting = send(make_invoice(account=first, number="BACK-1"))
    second = second_account(client)
    connected_through_consent_page(client, US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    sign_in_as(client, first)
    connected_through_consent_page(client, US_REALM)
    run_outbox(first)
    assert record_for(waiting).state == "synced"
    assert record_for(waiting).account == first
    assert not SyncRecord.objects.filter(account=second).exists()


def test_a_payment_entered_in_quickbooks_on_a_former_holders_invoice_is_not_taken_by_the_new(
    sandbox, account_for, client
):
    first = account_for("US", US_REALM)
    invoice = send(make_invoice(account=first, number="PAY-1"))
    run_outbox(first)
    qbo_invoice_id = record_for(invoice).qbo_id
    client.post("/integrations/quickbooks/disconnect/")
    second = second_account(client)
    connected_through_consent_page(client, US_REALM)
    customer = next(i for i in sandbox.entities(US_REALM, "Invoice")
                    if i["Id"] == qbo_invoice_id)["CustomerRef"]["value"]
    entered = sandbox.api_post(second, "Payment", {
        "CustomerRef": {"value": customer}, "TotalAmt": 10,
        "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": qbo_invoice_id, "TxnType": "Invoice"}]}],
    })

    inbound.process_events(events=[payment_created(entered["Id"])])

    assert not Payment.objects.filter(invoice=invoice).exists()
    assert not SyncRecord.objects.filter(account=second, kind="payment").exists()


def test_a_webhook_event_goes_to_the_one_account_holding_the_company(
    sandbox, account_for, client
):
    first = account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    second = second_account(client)
    connected_through_consent_page(client, US_REALM)
    assert inbound.connection_holding(US_REALM).account == second
    assert inbound.connection_holding("no-such-company") is None
    own = send(make_invoice(account=second, number="HOOK-1"))
    run_outbox(second)
    record = record_for(own)
    customer = next(i for i in sandbox.entities(US_REALM, "Invoice")
                    if i["Id"] == record.qbo_id)["CustomerRef"]["value"]
    entered = sandbox.api_post(second, "Payment", {
        "CustomerRef": {"value": customer}, "TotalAmt": 5,
        "Line": [{"Amount": 5, "LinkedTxn": [{"TxnId": record.qbo_id, "TxnType": "Invoice"}]}],
    })
    inbound.process_events(events=[payment_created(entered["Id"])])
    [brought_back] = SyncRecord.objects.filter(kind="payment", origin="quickbooks")
    assert brought_back.account == second and brought_back.invoice == own
    assert not SyncRecord.objects.filter(account=first).exists()


# --- the migration -------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_a_company_held_by_the_first_account_to_connect():
    from django.db import connection as db
    from django.db.migrations.executor import MigrationExecutor

    before = [("integrations", "0020_reconcile_report_unchecked")]
    after = [("integrations", "0021_onecompany_one_account_per_company")]
    executor = MigrationExecutor(db)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    Account = apps.get_model("invoices", "Account")
    Connection = apps.get_model("integrations", "QuickBooksConnection")
    now = timezone.now()
    first, second = (Account.objects.create(name=n, country="US") for n in ("A", "B"))
    Connection.objects.create(account=first, environment="local", realm_id="R1",
                              connected_at=now - timedelta(days=2))
    Connection.objects.create(account=second, environment="local", realm_id="R1",
                              connected_at=now - timedelta(days=1))
    executor = MigrationExecutor(db)
    executor.loader.build_graph()
    try:
        executor.migrate(after)
        # The model as that migration left it: later migrations add fields.
        Migrated = executor.loader.project_state(after).apps.get_model(
            "integrations", "QuickBooksConnection")
        kept = Migrated.objects.get(account_id=first.pk)
        dropped = Migrated.objects.get(account_id=second.pk)
        assert kept.status == "connected"
        assert (dropped.status, dropped.refresh_token) == ("disconnected", "")
        assert "already connected to another hatsync account" in dropped.status_reason
    finally:  # the tests after this one need the whole schema back
        executor = MigrationExecutor(db)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
