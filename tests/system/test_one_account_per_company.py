"""System story (PostgreSQL, the real worker): one QuickBooks company, two hatsync accounts.
The second may connect only once the first has disconnected, two connects at once leave one
holder, and the sweeper never drains the first account's invoices through the second's
connection (issue 21, item 1)."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import oauth
from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import send
from tests.sandbox_helpers import (
    US_REALM,
    connected_through_consent_page,
    press_connect_and_consent,
    record_for,
)
from tests.system.helpers import all_settled, connected_account, synced

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

REFUSED = "This QuickBooks company is already connected to another hatsync account."


def test_the_sweeper_never_drains_a_disconnected_accounts_invoices_through_the_new_holder(
    sandbox, client
):
    first = connected_account(client)
    synced(send(make_invoice(account=first, number="ONE-1")))
    client.post("/integrations/quickbooks/disconnect/")
    left = send(make_invoice(account=first, number="ONE-2"))  # paused: disconnected

    second = make_account(country="US")
    client.force_login(make_user(account=second))
    connected_through_consent_page(client, US_REALM)
    theirs = send(make_invoice(account=second, number="TWO-1"))
    synced(theirs)
    SyncRecord.objects.filter(pk=record_for(left).pk).update(
        state_changed_at=timezone.now() - timedelta(hours=1))  # long left waiting

    tasks.sweep_outbox()  # what beat runs: drains queued to the worker
    synced(send(make_invoice(account=second, number="TWO-2")))
    all_settled(second)
    time.sleep(1.0)  # a drain the sweep queued has had its turn

    numbers = sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert numbers == ["ONE-1", "TWO-1", "TWO-2"]
    record = record_for(left)
    assert (record.account, record.state, record.paused) == (first, "needs_sync", True)
    sandbox.assert_exactly_once(US_REALM)


def test_two_accounts_connecting_one_company_at_once_leave_one_holder(sandbox):
    clients, accounts = [], []
    for _ in range(2):
        account = make_account(country="US")
        client = Client()
        client.force_login(make_user(account=account))
        clients.append(client)
        accounts.append(account)
    backs = [press_connect_and_consent(client, US_REALM) for client in clients]
    answers: list = [None, None]
    start = threading.Barrier(2)

    def finish(i: int) -> None:
        try:
            start.wait()
            answers[i] = clients[i].get(*backs[i])
        finally:
            connections.close_all()

    # Both callbacks pass the first check before either is saved: only the database's
    # constraint (connection_one_account_per_company) stands between them.
    real, passed, lock = oauth.company_held_by_another_account, [False, False], threading.Lock()

    def raced(**kwargs):
        with lock:
            return passed.pop() if passed else real(**kwargs)

    with mock.patch.object(oauth, "company_held_by_another_account", side_effect=raced):
        threads = [threading.Thread(target=finish, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    holders = list(QuickBooksConnection.objects.filter(realm_id=US_REALM)
                   .exclude(status="disconnected"))
    assert len(holders) == 1
    loser = clients[accounts.index(holders[0].account) ^ 1]
    page = loser.get("/settings/integrations/").content.decode()
    assert REFUSED in page
    assert not QuickBooksConnection.objects.filter(
        account=accounts[accounts.index(holders[0].account) ^ 1]).exists()
