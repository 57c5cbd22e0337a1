"""The bulk path: an import is planned with a few look-ups and sent in batches of 30, each
operation's answer goes to its own record, and nothing is ever made twice."""

import json
from collections import Counter

import pytest
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboUnavailable
from integrations.services import bulk, imports
from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_product
from tests.integrations.conftest import pay, run_outbox
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def run_drain(account) -> list[bulk.DrainResult]:
    """Do what the bulk worker does: drain the company until nothing is left."""
    connection = QuickBooksConnection.objects.get(account=account)
    since = timezone.now()
    results = []
    for _ in range(20):
        results.append(bulk.drain_company(connection_id=connection.pk, since=since))
        if not results[-1].more:
            return results
    raise AssertionError("the drain never finished")


def import_all(account) -> None:
    ids = list(Invoice.objects.filter(account=account).values_list("pk", flat=True))
    imports.sync_many(account=account, user=None, invoice_ids=ids)


def batch_bodies(sandbox) -> list[dict]:
    return [json.loads(c.request.body) for c in sandbox.api_calls("/batch")]


def studio(account, invoices: int, *, contacts: int = 5, products: int = 3, paid: int = 0):
    people = [make_contact(account=account, first_name=f"P{i}", last_name="Lee")
              for i in range(contacts)]
    things = [make_product(account=account, display_name=f"Thing {i}") for i in range(products)]
    made = []
    for i in range(invoices):
        invoice = make_invoice(
            account=account, contact=people[i % contacts], number=f"B-{i:04d}", send=True,
            lines=[(things[i % products], "1", "100.00", None),
                   (things[(i + 1) % products], "2", "10.00", None)])
        if i < paid:
            pay(invoice, "50.00", tip="5.00" if i % 2 else "0", reference=f"REF-{i}")
        made.append(invoice)
    return made


def waiting_studio(account_for, invoices: int, **kwargs):
    """A connected account whose sent invoices wait for Import Invoices (sent before the
    connection, as a new customer's are)."""
    account = account_for("US", US_REALM)
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() + timezone.timedelta(days=1))
    made = studio(account, invoices, **kwargs)
    SyncRecord.objects.filter(account=account).delete()
    return account, made


def test_an_import_goes_in_batches_of_30_with_a_few_look_ups(sandbox, account_for):
    account = account_for("US", US_REALM, connect=False)
    studio(account, 70, contacts=12, products=4, paid=40)
    from django.test import Client

    from tests.sandbox_helpers import connect_through_consent_page
    client = Client()
    client.force_login(account.users.first())
    connect_through_consent_page(client, US_REALM)
    sandbox.rsps.calls.reset()

    import_all(account)
    run_drain(account)

    states = Counter(SyncRecord.objects.filter(account=account).values_list("kind", "state"))
    assert states == {("invoice", "synced"): 70, ("payment", "synced"): 40,
                      ("customer", "synced"): 12, ("item", "synced"): 4}
    batches = batch_bodies(sandbox)
    assert all(len(b["BatchItemRequest"]) <= 30 for b in batches)
    # 16 customers and items in one batch, 70 invoices in 3, 40 payments in 2
    assert len(batches) == 6
    calls = sandbox.api_calls()
    assert len(calls) <= 10  # the batches and a few IN (...) look-ups; no request per object
    assert len(sandbox.entities(US_REALM, "Invoice")) == 70
    assert len(sandbox.entities(US_REALM, "Payment")) == 40
    # Every record's log says it was synced
    assert SyncLog.objects.filter(record__account=account, outcome="synced").count() == 110


def test_a_refused_operation_fails_only_its_own_record(sandbox, account_for):
    account, invoices = waiting_studio(account_for, 5)
    sandbox.foreign_invoice(account, "B-0002")  # QuickBooks has this number already
    sandbox.rsps.calls.reset()

    import_all(account)
    run_drain(account)

    states = {r.invoice.number: r.state for r in SyncRecord.objects.filter(kind="invoice")}
    assert states == {"B-0000": "synced", "B-0001": "synced", "B-0002": "blocked",
                      "B-0003": "synced", "B-0004": "synced"}
    assert "made outside hatsync" in record_for(invoices[2]).last_error
    numbers = Counter(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert numbers["B-0002"] == 1


def test_a_fault_inside_a_batch_goes_to_that_record_alone(sandbox, account_for, monkeypatch):
    """QuickBooks' own duplicate check refuses one operation of a batch (6140): its
    neighbours land, and that one ends Blocked naming the number."""
    account, _ = waiting_studio(account_for, 6)
    real_query = QboClient.query

    def someone_makes_b_0003_just_after_the_look_up(self, statement):
        found = real_query(self, statement)
        if "from invoice" in statement.lower() and not sandbox.invoices(US_REALM, "B-0003"):
            sandbox.foreign_invoice(account, "B-0003")  # made a moment after we looked
        return found

    monkeypatch.setattr(QboClient, "query", someone_makes_b_0003_just_after_the_look_up)
    import_all(account)
    run_drain(account)

    sent = [item["Invoice"]["DocNumber"] for body in batch_bodies(sandbox)
            for item in body["BatchItemRequest"] if "Invoice" in item]
    assert sorted(sent) == [f"B-{n:04d}" for n in range(6)]  # B-0003 too: QuickBooks refused it
    states = {r.invoice.number: r.state for r in SyncRecord.objects.filter(kind="invoice")}
    assert Counter(states.values()) == {"synced": 5, "blocked": 1}
    assert states["B-0003"] == "blocked"
    numbers = Counter(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert numbers["B-0003"] == 1 and sum(numbers.values()) == 6


def test_a_batch_whose_answer_was_lost_is_looked_up_before_anything_is_sent_again(
    sandbox, account_for, monkeypatch
):
    account, _ = waiting_studio(account_for, 8, paid=4)
    real_batch = QboClient.batch
    lost = []

    def batch_then_lose_the_answer(self, items, *, request_id):
        answer = real_batch(self, items, request_id=request_id)  # QuickBooks applied it
        # The first invoice batch's answer never comes back, however often it is sent.
        if request_id in lost or (any("Invoice" in item for item in items) and not lost):
            lost.append(request_id)
            raise QboUnavailable("QuickBooks could not be reached (read timed out).")
        return answer

    monkeypatch.setattr(QboClient, "batch", batch_then_lose_the_answer)
    import_all(account)
    run_drain(account)
    run_outbox(account)  # the invoices pushed one by one queue their payments as tasks

    assert lost
    states = Counter(SyncRecord.objects.filter(account=account).values_list("kind", "state"))
    assert states[("invoice", "synced")] == 8 and states[("payment", "synced")] == 4
    numbers = Counter(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert set(numbers.values()) == {1} and len(numbers) == 8
    notes = Counter(p["PrivateNote"] for p in sandbox.entities(US_REALM, "Payment"))
    assert set(notes.values()) == {1} and len(notes) == 4


def test_a_token_that_runs_out_during_a_drain_is_refreshed_once_and_the_drain_goes_on(
    sandbox, account_for
):
    account, _ = waiting_studio(account_for, 35, paid=5)
    sandbox.control("POST", "tokens/expire", json={"realm": US_REALM})  # Intuit forgot it
    sandbox.rsps.calls.reset()

    import_all(account)
    run_drain(account)

    refreshes = [c for c in sandbox.rsps.calls if c.request.url.endswith("/tokens/bearer")]
    assert len(refreshes) == 1
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "connected"
    states = Counter(SyncRecord.objects.filter(account=account).values_list("kind", "state"))
    assert states[("invoice", "synced")] == 35 and states[("payment", "synced")] == 5


def test_memory_stays_bounded_a_chunk_at_a_time(sandbox, account_for, settings):
    """A drain never loads more than QBO_BULK_CHUNK invoices at once: they go to QuickBooks
    a chunk at a time."""
    settings.QBO_BULK_CHUNK = 10
    account, _ = waiting_studio(account_for, 25)
    sandbox.rsps.calls.reset()

    import_all(account)
    run_drain(account)

    invoices_per_batch = [sum("Invoice" in item for item in body["BatchItemRequest"])
                          for body in batch_bodies(sandbox)]
    assert [n for n in invoices_per_batch if n] == [10, 10, 5]
    assert SyncRecord.objects.filter(account=account, kind="invoice", state="synced").count() == 25


def test_records_a_dead_worker_left_syncing_go_again_with_their_look_ups(
    sandbox, account_for, monkeypatch
):
    """A worker killed after its batch landed but before it recorded the answer: the next
    drain finds the invoices by DocNumber and our marker and makes nothing twice."""
    account, _ = waiting_studio(account_for, 4)
    real_batch = QboClient.batch

    def die_as_the_answer_arrives(self, items, *, request_id):
        answer = real_batch(self, items, request_id=request_id)  # QuickBooks applied it
        if any("Invoice" in item for item in items):
            raise KeyboardInterrupt  # the worker is killed here
        return answer

    import_all(account)
    monkeypatch.setattr(QboClient, "batch", die_as_the_answer_arrives)
    with pytest.raises(KeyboardInterrupt):
        run_drain(account)
    monkeypatch.setattr(QboClient, "batch", real_batch)
    stuck = SyncRecord.objects.filter(account=account, kind="invoice")
    assert set(stuck.values_list("state", flat=True)) == {"syncing"}
    stuck.update(state_changed_at=timezone.now() - timezone.timedelta(minutes=5))
    QuickBooksConnection.objects.filter(account=account).update(lease_owner="",
                                                                lease_expires_at=None)

    run_drain(account)

    assert set(stuck.values_list("state", flat=True)) == {"synced"}
    numbers = Counter(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert len(numbers) == 4 and set(numbers.values()) == {1}


def test_a_500_while_a_chunk_is_planned_pauses_the_drain_instead_of_ending_it(
    sandbox, account_for
):
    account, made = waiting_studio(account_for, 6)
    import_all(account)
    sandbox.control("POST", "faults", json={"responses": [{"status": 500, "on": "query"}]})
    connection = QuickBooksConnection.objects.get(account=account)

    first = bulk.drain_company(connection_id=connection.pk, since=timezone.now())

    assert first.more and first.retry_after == 5.0  # goes again soon, not at the sweep
    assert not SyncRecord.objects.filter(account=account, state="syncing").exists()
    run_drain(account)
    assert {record_for(i).state for i in made} == {"synced"}


def _edit(invoice, price: str) -> None:
    from decimal import Decimal

    from invoices.services import LineInput, invoice_update

    line = invoice.lines.get()
    invoice_update(invoice=invoice, number=invoice.number, contact=invoice.contact,
                   issue_date=invoice.issue_date, due_date=invoice.due_date,
                   lines=[LineInput(line.product, Decimal("1"), Decimal(price), None)])


@pytest.mark.django_db(transaction=True)  # the edit is made from the batch's own thread
def test_an_invoice_edited_while_its_batch_is_in_flight_stays_in_the_outbox(
    sandbox, account_for, monkeypatch
):
    """The batch lands the old version; the edit made meanwhile must not be marked synced
    over (were its task lost, QuickBooks would keep the old version for good)."""
    from django.db import connection as db_connection

    from integrations.services import reconcile

    account, _ = waiting_studio(account_for, 0)
    product = make_product(account=account, display_name="Album")
    invoice = make_invoice(account=account, number="ED-1", send=True,
                           lines=[(product, "1", "100.00", None)])
    SyncRecord.objects.filter(account=account).delete()
    real_batch = QboClient.batch

    def edit_while_the_answer_comes_back(self, items, *, request_id):
        answer = real_batch(self, items, request_id=request_id)
        if any("Invoice" in item for item in items):
            try:
                _edit(invoice, "250.00")  # QuickBooks applied 100.00; the person typed 250.00
            finally:
                db_connection.close()  # this thread's own
        return answer

    monkeypatch.setattr(QboClient, "batch", edit_while_the_answer_comes_back)
    import_all(account)
    bulk.drain_company(connection_id=QuickBooksConnection.objects.get(account=account).pk,
                       since=timezone.now())

    record = record_for(invoice)
    assert record.state == "needs_sync" and record.qbo_id  # landed, and still waiting
    monkeypatch.setattr(QboClient, "batch", real_batch)
    run_outbox(account)
    [qbo] = sandbox.entities(US_REALM, "Invoice")
    assert float(qbo["TotalAmt"]) == 250.0
    assert reconcile.reconcile_account(account=account).differences == []


def test_an_invoice_edited_while_its_own_push_is_in_flight_stays_in_the_outbox(
    sandbox, account_for, monkeypatch
):
    account = account_for("US", US_REALM)
    product = make_product(account=account, display_name="Album")
    invoice = make_invoice(account=account, number="ED-2", lines=[(product, "1", "100.00", None)])
    real_create = QboClient.create

    def create_then_edit(self, entity, payload, *, request_id):
        answer = real_create(self, entity, payload, request_id=request_id)
        if entity == "Invoice" and float(answer["TotalAmt"]) == 100.0:
            _edit(invoice, "300.00")
        return answer

    monkeypatch.setattr(QboClient, "create", create_then_edit)
    from invoices.services import invoice_send
    invoice_send(invoice=invoice)
    record = record_for(invoice)
    from integrations.services import sync
    sync.sync_record(record_id=record.pk)  # the first push only, as its task would

    record.refresh_from_db()
    assert record.state == "needs_sync"
    run_outbox(account)
    [qbo] = sandbox.entities(US_REALM, "Invoice")
    assert float(qbo["TotalAmt"]) == 300.0 and record_for(invoice).state == "synced"


def test_an_invoice_edited_while_the_drain_plans_it_sends_the_edit_next(
    sandbox, account_for, monkeypatch
):
    """The drain reads a chunk, then sends customers and items before its invoices: an edit
    committed meanwhile must not be marked synced under the content read before it."""
    from decimal import Decimal

    from integrations.services import batches
    from invoices import services

    account, made = waiting_studio(account_for, 3)
    target = made[1]
    original, edited = batches.BatchSender.put_in_flight, []

    def edit_then_put_in_flight(sender, plans):
        if not edited and any(plan.entity == "Invoice" for plan in plans):
            edited.append(target.number)
            services.invoice_update(
                invoice=target, number=target.number, contact=target.contact,
                issue_date=target.issue_date, due_date=target.due_date,
                lines=[services.LineInput(make_product(account=account, display_name="Late"),
                                          Decimal(1), Decimal("42.00"))])
        return original(sender, plans)

    monkeypatch.setattr(batches.BatchSender, "put_in_flight", edit_then_put_in_flight)
    import_all(account)
    run_drain(account)
    assert edited == [target.number]
    assert record_for(target).state == "needs_sync"  # the edit waits for its own push
    run_outbox(account)

    [qbo] = sandbox.invoices(US_REALM, target.number)
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("42.00")
    assert record_for(target).state == "synced"
    assert len(sandbox.invoices(US_REALM, made[0].number)) == 1
