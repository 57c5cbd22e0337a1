"""System test: a payment received in QuickBooks comes back to hatsync through the real
sandbox server's webhooks, the live app's endpoint and the real worker; when the webhook is
lost, the change data capture task brings it in."""

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection
from invoices.models import Invoice, Payment
from tests.factories import make_invoice
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import all_settled, connected_account, synced, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]
TOKEN = "system-test-verifier"


@pytest.fixture
def webhooks_to_live_app(sandbox, live_server, settings):
    """The sandbox delivers to this test's live server (the view runs in this process)."""
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    url = f"{live_server.url}/integrations/quickbooks/webhooks/"
    sandbox.control("POST", "config", json={"webhook_window": 0.5})
    sandbox.control("POST", "webhooks", json={"url": url, "verifier_token": TOKEN})
    yield url
    sandbox.control("DELETE", "webhooks/faults")
    sandbox.control("DELETE", "webhooks")


def receive_payment_on_sandbox_page(base_url: str, qbo_invoice_id: str, amount: str,
                                    ref: str) -> None:
    """The bookkeeper's "Receive payment" form in the local QuickBooks."""
    browser = requests.Session()
    form = browser.get(f"{base_url}/app/recvpayment",
                       params={"txnId": qbo_invoice_id, "realmId": US_REALM}, timeout=10)
    assert form.status_code == 200, form.text
    token = re.search(r"name='csrf_token' value='([^']+)'", form.text).group(1)
    answer = browser.post(f"{base_url}/app/recvpayment", allow_redirects=False, timeout=10,
                          data={"csrf_token": token, "realmId": US_REALM,
                                "txnId": qbo_invoice_id, "amount": amount, "txnDate": "",
                                "paymentMethod": "Check", "refNum": ref, "depositTo": ""})
    assert answer.status_code == 303, answer.text


def test_a_payment_received_in_quickbooks_appears_in_hatsync_through_the_webhook(
    worker, sandbox, client, webhooks_to_live_app
):
    account = connected_account(client)
    invoice = send(make_invoice(account=account))
    record = synced(invoice)

    receive_payment_on_sandbox_page(worker, record.qbo_id, "40.00", "CHK-1001")

    payment = wait_for(lambda: Payment.objects.filter(invoice=invoice).first(),
                       what="the payment from QuickBooks")
    assert payment.recorded_in_quickbooks and payment.method == Payment.Method.CHECK
    assert payment.reference == "CHK-1001"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PARTIALLY_PAID
    delivered = [row for row in sandbox.control("GET", "webhooks")["log"]
                 if row["outcome"] == "delivered"]
    assert any("qbo.payment." in " ".join(row["events"]) for row in delivered)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Recorded in QuickBooks" in page
    # Nothing went back: the only payment in QuickBooks is the one received there (counted
    # once the worker has finished with everything, not while it may still push one).
    all_settled(account)
    assert len(sandbox.entities(US_REALM, "Payment")) == 1


def test_a_lost_webhook_is_brought_in_by_the_change_data_capture_task(
    worker, sandbox, client, webhooks_to_live_app
):
    account = connected_account(client)
    invoice = send(make_invoice(account=account))
    record = synced(invoice)
    sandbox.control("POST", "webhooks/flush")
    sandbox.control("POST", "webhooks/faults", json={"drop": 50})

    receive_payment_on_sandbox_page(worker, record.qbo_id, "100.00", "LOST-1")
    wait_for(lambda: any(row["outcome"] == "dropped" and "qbo.payment." in " ".join(row["events"])
                         for row in sandbox.control("GET", "webhooks")["log"]),
             what="the sandbox to drop the delivery")
    assert not Payment.objects.filter(invoice=invoice).exists()

    # A day later (nothing told hatsync the delivery was lost): the daily catch-up is due.
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() - timedelta(days=2), cdc_read_at=None)
    tasks.catch_up_changes.delay()

    payment = wait_for(lambda: Payment.objects.filter(invoice=invoice).first(),
                       what="the catch-up")
    assert payment.recorded_in_quickbooks and payment.reference == "LOST-1"
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
