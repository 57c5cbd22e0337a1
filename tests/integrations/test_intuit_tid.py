"""Intuit's transaction id (`intuit_tid`) is kept for every attempt: its support asks for it."""

import re

import pytest
from django.urls import reverse

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import sync
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db
TID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")


def test_every_answer_of_the_local_quickbooks_carries_an_intuit_tid(sandbox, account_for):
    account = account_for("US", US_REALM)
    send(make_invoice(account=account, number="T-1"))
    run_outbox(account)
    calls = sandbox.api_calls()
    assert calls
    tids = [call.response.headers.get("intuit_tid", "") for call in calls]
    assert all(TID.match(tid) for tid in tids), tids
    assert len(set(tids)) == len(tids)  # one of its own for every answer


def test_a_synced_invoice_keeps_the_intuit_tid_of_its_answer(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-2"))
    run_outbox(account)
    [entry] = SyncLog.objects.filter(record=record_for(invoice), outcome="synced")
    assert TID.match(entry.intuit_tid)
    writes = [c for c in sandbox.api_calls("/invoice") if c.request.method == "POST"]
    assert entry.intuit_tid == writes[-1].response.headers["intuit_tid"]


def test_a_refusal_and_a_retry_keep_intuits_id_of_their_answer(sandbox, account_for):
    from integrations.qbo.errors import QboFault
    from integrations.services.tokens import client_for

    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-3"))
    sandbox.control("POST", "faults", json={"responses": [{"status": 500, "on": "query"}]})
    sync.sync_record(record_id=record_for(invoice).pk)  # a 500: retried later
    retry = SyncLog.objects.get(record=record_for(invoice), outcome="retry")
    assert TID.match(retry.intuit_tid)

    client = client_for(account.quickbooks_connection)
    with pytest.raises(QboFault) as refused:
        client.read("Invoice", "999999")  # QuickBooks: object not found (610)
    [call] = sandbox.api_calls("/invoice/999999")
    assert refused.value.intuit_tid == call.response.headers["intuit_tid"]


def test_the_sync_history_shows_the_reference(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-4"))
    run_outbox(account)
    entry = SyncLog.objects.get(record=record_for(invoice), outcome="synced")
    page = client.get(reverse("integrations:sync_history"))
    assert page.status_code == 200
    assert f"Reference for Intuit support: {entry.intuit_tid}" in page.content.decode()


def test_a_push_quickbooks_refuses_names_the_reference_for_intuit_support(
    sandbox, account_for
):
    import requests

    from integrations.models import QuickBooksConnection
    from tests.integrations.conftest import pay

    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-5"))
    run_outbox(account)
    record = record_for(invoice)
    connection = QuickBooksConnection.objects.get(account=account)
    [qbo] = [i for i in sandbox.entities(US_REALM, "Invoice") if i["Id"] == record.qbo_id]
    requests.post(  # someone deletes the invoice in QuickBooks
        f"{sandbox.base_url}/v3/company/{US_REALM}/invoice?operation=delete",
        json={"Id": qbo["Id"], "SyncToken": qbo["SyncToken"]},
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"}).raise_for_status()
    payment = pay(invoice, "10.00")
    outcome = sync.sync_record(record_id=SyncRecord.objects.get(payment=payment).pk)
    assert outcome.state == "failed", outcome
    entry = SyncLog.objects.get(record__payment=payment, outcome="failed")
    assert TID.match(entry.intuit_tid)
    assert outcome.message.endswith(f"Reference for Intuit support: {entry.intuit_tid}.")


def test_a_refused_token_call_keeps_intuits_id_in_the_error_and_the_log(sandbox, caplog):
    from integrations.qbo import client as qbo
    from integrations.qbo.errors import QboAuthError

    with pytest.raises(QboAuthError) as refused:
        qbo.refresh_tokens(env_name="local", refresh_token="not-a-token")
    assert TID.match(refused.value.intuit_tid)
    assert f"intuit_tid {refused.value.intuit_tid}" in caplog.text
    assert "not-a-token" not in caplog.text


def test_a_sign_in_quickbooks_refuses_shows_the_reference_on_the_page(sandbox, account_for,
                                                                        client):
    from tests.sandbox_helpers import press_connect_and_consent

    account = account_for("US", connect=False)
    path, params = press_connect_and_consent(client)
    params["code"] = "a-code-quickbooks-never-issued"  # refused at the token endpoint
    page = client.get(path, params, follow=True).content.decode()
    assert "QuickBooks did not accept the sign-in" in page
    reference = re.search(r"Reference for Intuit support: (\S+?)\.", page)
    assert reference and TID.match(reference.group(1)), page
    token_calls = [call for call in sandbox.rsps.calls if "/oauth2/" in call.request.url]
    assert reference.group(1) in {c.response.headers.get("intuit_tid") for c in token_calls}
    assert not QuickBooksConnection.objects.filter(account=account, realm_id=US_REALM).exists()
