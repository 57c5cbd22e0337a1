"""Changes made in QuickBooks come back: payments recorded there, invoices voided or deleted
there. The sandbox's own webhook deliveries (CloudEvents, signed) are caught here and fed to
the endpoint; its CDC endpoint is read by the catch-up."""

import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import inbound
from invoices.models import Invoice, Payment
from qbo_sandbox.webhooks import signature
from tests.factories import make_invoice
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db

TOKEN = "test-verifier-token"
RECEIVER = "http://hatsync.test/integrations/quickbooks/webhooks/"
URL = "/integrations/quickbooks/webhooks/"


class Webhooks:
    """The sandbox delivering to a receiver here; `deliver()` flushes and returns the
    bodies it sent (with their signatures), as Intuit would POST them."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.received: list[tuple[bytes, str]] = []

        def receive(request):
            body = request.body if isinstance(request.body, bytes) else request.body.encode()
            self.received.append((body, request.headers.get("intuit-signature", "")))
            return 200, {}, b""

        sandbox.rsps.add_callback("POST", RECEIVER, callback=receive)
        sandbox.control("POST", "config", json={"webhook_window": 0})
        sandbox.control("POST", "webhooks", json={"url": RECEIVER, "verifier_token": TOKEN})

    def deliver(self) -> list[tuple[bytes, str]]:
        start = len(self.received)
        self.sandbox.control("POST", "webhooks/flush")
        return self.received[start:]


@pytest.fixture
def webhooks(sandbox, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    return lambda: Webhooks(sandbox)


def post_to_endpoint(client, body: bytes, sig: str | None):
    headers = {"HTTP_INTUIT_SIGNATURE": sig} if sig is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def deliver_and_process(client, hooks: Webhooks) -> list[dict]:
    """The sandbox's deliveries through the real endpoint; the queued task run here."""
    events: list[dict] = []
    with mock.patch.object(tasks.process_webhook, "apply_async") as queued:
        for body, sig in hooks.deliver():
            assert post_to_endpoint(client, body, sig).status_code == 200
        for call in queued.call_args_list:
            events += call.args[0][0]
    inbound.process_events(events=events)
    return events


def synced_invoice(account, amount="100.00"):
    invoice = make_invoice(account=account, lines=None)
    send(invoice)
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    return Invoice.objects.get(pk=invoice.pk)


def payment_in_quickbooks(sandbox, account, invoice, amount, **extra) -> dict:
    record = record_for(invoice)
    qbo_invoice = sandbox.entities(US_REALM, "Invoice")
    customer = next(i for i in qbo_invoice if i["Id"] == record.qbo_id)["CustomerRef"]["value"]
    return sandbox.api_post(account, "Payment", {
        "CustomerRef": {"value": customer}, "TotalAmt": amount,
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": record.qbo_id,
                                                  "TxnType": "Invoice"}]}],
        **extra,
    })


def writes_to_quickbooks(sandbox) -> list:
    return [c for c in sandbox.api_calls() if c.request.method == "POST"
            and "/query" not in c.request.url]


# --- a payment recorded in QuickBooks ----------------------------------------------------------
def test_a_payment_recorded_in_quickbooks_appears_on_its_invoice_and_is_never_sent_back(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    qbo_payment = payment_in_quickbooks(sandbox, account, invoice, 40,
                                        TxnDate="2026-11-21", PaymentRefNum="CHK-881",
                                        PrivateNote="Payment method: Check")
    writes_before = len(writes_to_quickbooks(sandbox))

    events = deliver_and_process(client, hooks)

    assert {"qbo.payment.created.v1"} <= {e["type"] for e in events}
    [payment] = Payment.objects.filter(invoice=invoice)
    assert payment.recorded_in_quickbooks
    assert (payment.amount, str(payment.date), payment.method, payment.reference) == (
        Decimal("40.00"), "2026-11-21", Payment.Method.CHECK, "CHK-881")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID and invoice.balance == Decimal("60")
    record = record_for(payment, "payment")
    assert (record.state, record.qbo_id) == ("synced", qbo_payment["Id"])
    assert run_outbox(account) == []  # nothing waits to go to QuickBooks
    assert len(writes_to_quickbooks(sandbox)) == writes_before
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Recorded in QuickBooks" in page


def test_the_same_payment_delivered_twice_reordered_and_read_again_by_cdc_is_recorded_once(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    sandbox.control("POST", "webhooks/faults", json={"duplicate": 1, "reorder": True})
    payment_in_quickbooks(sandbox, account, invoice, 100)
    deliveries = hooks.deliver()
    assert len(deliveries) >= 2  # the same body twice

    with mock.patch.object(tasks.process_webhook, "apply_async") as queued:
        for body, sig in deliveries + deliveries[::-1]:
            assert post_to_endpoint(client, body, sig).status_code == 200
    for call in queued.call_args_list:
        inbound.process_events(events=call.args[0][0])
    QuickBooksConnection.objects.filter(account=account).update(cdc_cursor=None)
    inbound.catch_up(connection_id=QuickBooksConnection.objects.get(account=account).pk)

    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID


def test_a_lost_webhook_is_repaired_by_the_catch_up(sandbox, account_for, client, webhooks):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    sandbox.control("POST", "webhooks/faults", json={"drop": 1})
    payment_in_quickbooks(sandbox, account, invoice, 25, PaymentRefNum="CASH-1")
    assert deliver_and_process(client, hooks) == []  # dropped
    assert not Payment.objects.filter(invoice=invoice).exists()

    connection = QuickBooksConnection.objects.get(account=account)
    assert inbound.catch_up(connection_id=connection.pk) >= 1

    [payment] = Payment.objects.filter(invoice=invoice)
    assert payment.recorded_in_quickbooks and payment.amount == Decimal("25.00")
    connection.refresh_from_db()
    assert connection.cdc_cursor is not None


def test_an_edit_in_quickbooks_updates_the_payment_and_a_delete_removes_it(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    qbo_payment = payment_in_quickbooks(sandbox, account, invoice, 30)
    deliver_and_process(client, hooks)

    sandbox.api_post(account, "Payment", {
        **qbo_payment, "TotalAmt": 45, "TxnDate": "2026-11-25",
        "Line": [{"Amount": 45, "LinkedTxn": [{"TxnId": record_for(invoice).qbo_id,
                                               "TxnType": "Invoice"}]}],
    })
    deliver_and_process(client, hooks)
    [payment] = Payment.objects.filter(invoice=invoice)
    assert (payment.amount, str(payment.date)) == (Decimal("45.00"), "2026-11-25")

    current = sandbox.entities(US_REALM, "Payment")[0]
    sandbox.rsps.calls.reset()
    import requests

    connection = QuickBooksConnection.objects.get(account=account)
    response = requests.post(
        f"http://qbo-sandbox.test/v3/company/{US_REALM}/payment", params={"operation": "delete"},
        json={"Id": current["Id"], "SyncToken": current["SyncToken"]},
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"})
    response.raise_for_status()
    deliver_and_process(client, hooks)

    assert not Payment.objects.filter(invoice=invoice).exists()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT
    record = SyncRecord.objects.get(kind="payment", qbo_id=qbo_payment["Id"])
    assert record.qbo_status == "deleted" and record.payment is None
    # Read again later (a late delivery, CDC): it does not come back.
    inbound.apply_change(connection=connection, entity_name="Payment",
                         qbo_id=qbo_payment["Id"], entity=None)
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_hatsyncs_own_payment_coming_back_as_an_event_changes_nothing(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    pay(invoice, "50.00")
    run_outbox(account)
    events = deliver_and_process(client, hooks)

    assert "qbo.payment.created.v1" in {e["type"] for e in events}
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert not Payment.objects.filter(recorded_in_quickbooks=True).exists()


def test_hatsyncs_own_payment_voided_in_quickbooks_is_flagged_not_changed(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    payment = pay(invoice, "50.00")
    run_outbox(account)
    hooks = webhooks()
    record = record_for(payment, "payment")
    connection = QuickBooksConnection.objects.get(account=account)
    import requests

    response = requests.post(
        f"http://qbo-sandbox.test/v3/company/{US_REALM}/payment",
        params={"operation": "update", "include": "void"},
        json={"Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": True},
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"})
    response.raise_for_status()
    deliver_and_process(client, hooks)

    record.refresh_from_db()
    assert record.qbo_status == "voided" and record.qbo_status_at
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("50.00")


# --- invoices voided or deleted in QuickBooks ------------------------------------------------
def _bookkeeper(sandbox, account, invoice, action: str) -> None:
    """Void or delete the invoice on the sandbox's own QuickBooks pages."""
    import re

    import requests

    record = record_for(invoice)
    base = "http://qbo-sandbox.test"
    browser = requests.Session()
    form = browser.get(f"{base}/app/invoice/{action}",
                       params={"txnId": record.qbo_id, "realmId": US_REALM})
    assert form.status_code == 200, form.text
    fields = dict(re.findall(r"name='(\w+)' value='([^']*)'", form.text))
    answer = browser.post(f"{base}/app/invoice/{action}", allow_redirects=False, data={
        "csrf_token": fields["csrf_token"], "realmId": US_REALM, "txnId": record.qbo_id,
        "syncToken": fields.get("syncToken", record.sync_token)})
    assert answer.status_code == 303, answer.text


@pytest.mark.parametrize("action, flag", [("void", "Voided"), ("delete", "Deleted")])
def test_an_invoice_voided_or_deleted_in_quickbooks_is_flagged_and_unchanged_here(
    sandbox, account_for, client, webhooks, action, flag
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    _bookkeeper(sandbox, account, invoice, action)

    events = deliver_and_process(client, hooks)

    assert f"qbo.invoice.{flag.lower()}.v1" in {e["type"] for e in events}
    record = record_for(invoice)
    assert record.qbo_status == flag.lower() and record.qbo_status_at
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.SENT
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f"{flag} in QuickBooks on" in page
    assert "If this was intended, void it here too" in page
    rows = client.get("/import-invoices/").content.decode()
    assert f"{flag} in QuickBooks" in rows
    # A voided invoice is still there to look at; a deleted one is not: no link to it.
    link = f"/app/invoice?txnId={record.qbo_id}"
    assert (link in page, link in rows) == ((flag == "Voided"),) * 2
    assert ("View Invoice in QuickBooks" in page) == (flag == "Voided")


def test_pressing_sync_puts_an_invoice_deleted_in_quickbooks_back(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    old_id = record_for(invoice).qbo_id
    _bookkeeper(sandbox, account, invoice, "delete")
    deliver_and_process(client, hooks)

    with mock.patch.object(tasks, "queue_drain"), \
            mock.patch.object(tasks.sync_record, "delay"):
        client.post(f"/invoices/{invoice.pk}/sync/")
    run_outbox(account)

    record = record_for(invoice)
    assert record.state == "synced" and record.qbo_id and record.qbo_id != old_id
    assert record.qbo_status == ""
    assert [i["Id"] for i in sandbox.entities(US_REALM, "Invoice")] == [record.qbo_id]


# --- the endpoint ------------------------------------------------------------------------------
def test_a_signed_delivery_is_queued_and_answered_without_touching_the_database(
    client, settings, django_assert_max_num_queries
):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    body = json.dumps([{"specversion": "1.0", "id": "e1", "type": "qbo.payment.created.v1",
                        "intuitentityid": "7", "intuitaccountid": US_REALM, "data": {}}]).encode()
    with mock.patch.object(tasks.process_webhook, "apply_async") as queued, \
            django_assert_max_num_queries(0):
        response = post_to_endpoint(client, body, signature(TOKEN, body))
    assert response.status_code == 200
    queued.assert_called_once_with((json.loads(body),), retry=False)


@pytest.mark.parametrize("sig", [None, "", "bm90IHRoZSBzaWduYXR1cmU="])
def test_a_delivery_without_a_good_signature_is_refused(client, settings, sig, caplog):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    body = b'[{"type": "qbo.payment.created.v1", "secret": "do-not-log"}]'
    with mock.patch.object(tasks.process_webhook, "apply_async") as queued:
        response = post_to_endpoint(client, body, sig)
    assert response.status_code == 401 and not queued.called
    assert "intuit-signature" in caplog.text and "do-not-log" not in caplog.text


def test_without_a_verifier_token_every_delivery_is_refused(client, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = ""
    body = b"[]"
    assert post_to_endpoint(client, body, signature("", body)).status_code == 401


@pytest.mark.parametrize("body", [b'{"eventNotifications": []}', b"not json", b"[1, 2]"])
def test_a_body_that_is_not_an_array_of_cloudevents_is_refused(client, settings, body):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    assert post_to_endpoint(client, body, signature(TOKEN, body)).status_code == 400


def test_the_delivery_is_acknowledged_when_the_broker_is_down(client, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    body = b'[{"type": "qbo.invoice.updated.v1"}]'
    with mock.patch.object(tasks.process_webhook, "delay", side_effect=OSError("down")):
        assert post_to_endpoint(client, body, signature(TOKEN, body)).status_code == 200


def test_webhook_and_cdc_tasks_are_routed_to_the_sync_queue_and_scheduled(settings):
    assert settings.CELERY_BEAT_SCHEDULE["qbo-change-data-capture"]["task"] == (
        "integrations.tasks.catch_up_changes")
    assert tasks.process_webhook.name not in settings.CELERY_TASK_ROUTES  # default: "sync"
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "sync"


def test_voiding_here_an_invoice_voided_in_quickbooks_sends_nothing(
    sandbox, account_for, client, webhooks
):
    account = account_for("US", US_REALM)
    invoice = synced_invoice(account)
    hooks = webhooks()
    _bookkeeper(sandbox, account, invoice, "void")
    deliver_and_process(client, hooks)
    writes_before = len(writes_to_quickbooks(sandbox))

    from invoices import services

    services.invoice_void(invoice=invoice)
    [outcome] = run_outbox(account)

    assert outcome.state == "synced"
    assert record_for(invoice).void_in_quickbooks
    assert len(writes_to_quickbooks(sandbox)) == writes_before


def test_the_beat_task_catches_up_each_connected_company_it_is_due_for(sandbox, account_for):
    account = account_for("US", US_REALM)
    synced_invoice(account)
    connection = QuickBooksConnection.objects.get(account=account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        connected_at=connection.connected_at - timedelta(days=2))  # due: none in a day
    with mock.patch.object(tasks.catch_up_company, "delay") as queued:
        assert tasks.catch_up_changes() == 1
    [call] = queued.call_args_list
    assert call.args[0] == connection.pk
    assert tasks.catch_up_company(*call.args) == 1  # hatsync's own invoice
    connection.refresh_from_db()
    assert connection.cdc_cursor is not None and connection.cdc_read_at is not None
    with mock.patch.object(tasks.catch_up_company, "delay") as queued:
        assert tasks.catch_up_changes() == 0  # read: not again today
