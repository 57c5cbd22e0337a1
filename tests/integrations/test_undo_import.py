"""Undo sync on Import Invoices: the chosen invoices hatsync made, with hatsync's payments on
them, are deleted from QuickBooks after a confirmation naming the counts; they stay here as
Needs Sync and sync again when asked. Nothing hatsync did not make is deleted."""

import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncLog, SyncRecord, UndoneInvoice
from integrations.services import undo
from integrations.signals import receiving_from_quickbooks
from invoices.models import Payment, User
from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import IN_PROCESS_URL, US_REALM, record_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(monkeypatch, django_capture_on_commit_callbacks):
    """Run the undo task in this process when the view queues it (as the bulk worker would)."""
    monkeypatch.setattr(tasks.undo_sync, "apply_async",
                        lambda args, **kwargs: tasks.undo_sync.apply(args))

    def post(client, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/import-invoices/undo/", data)

    return post


@pytest.fixture
def imported(sandbox, account_for):
    """Three invoices synced to QuickBooks, each with a payment."""
    account = account_for("US", US_REALM)
    invoices = [send(make_invoice(account=account, number=f"UN-{n}")) for n in range(3)]
    payments = [pay(invoice, "40.00") for invoice in invoices]
    run_outbox(account)
    assert all(record_for(p, "payment").state == "synced" for p in payments)
    return account, invoices, payments


def run_undo(account, invoice_ids: list[int]) -> dict:
    """What the bulk worker does with a confirmed undo: its turns, one after the other (here
    without the pause between them)."""
    job, left, carry = uuid.uuid4().hex, invoice_ids, None
    while True:
        turn = undo.undo_turn(connection_id=account.quickbooks_connection.pk, job=job,
                              invoice_ids=left, carry=carry)
        if turn.again_in is None:
            return turn.progress
        left, carry = turn.left, turn.carry


def qbo_ids(realm: str, entity: str, sandbox) -> set[str]:
    return {str(e["Id"]) for e in sandbox.entities(realm, entity)}


def cdc(account, since) -> dict[str, dict[str, str]]:
    """What change data capture says about invoices and payments: {entity: {Id: status}}."""
    connection = QuickBooksConnection.objects.get(account=account)
    answer = requests.get(
        f"{IN_PROCESS_URL}/v3/company/{connection.realm_id}/cdc",
        params={"entities": "Invoice,Payment", "changedSince": since.isoformat()},
        headers={"Authorization": f"Bearer {connection.access_token}",
                 "Accept": "application/json"},
    )
    answer.raise_for_status()
    seen: dict[str, dict[str, str]] = {"Invoice": {}, "Payment": {}}
    for block in answer.json()["CDCResponse"][0]["QueryResponse"]:
        for entity, rows in block.items():
            if entity in seen:
                for row in rows:
                    seen[entity][str(row["Id"])] = row.get("status", "")
    return seen


def test_the_confirmation_names_the_counts_and_changes_nothing(imported, client, sandbox):
    _account, invoices, _payments = imported
    before = qbo_ids(US_REALM, "Invoice", sandbox)
    page = client.post("/import-invoices/undo/",
                       {"invoice": [invoices[0].pk, invoices[1].pk]}).content.decode()
    assert ("Delete 2 invoices and their 2 payments from QuickBooks? They stay in hatsync "
            "and show as Needs Sync.") in page
    assert "Customers and products stay in QuickBooks" in page
    assert "Delete from QuickBooks" in page and "Cancel" in page
    assert qbo_ids(US_REALM, "Invoice", sandbox) == before
    assert record_for(invoices[0]).state == "synced"


def test_the_confirmation_says_which_selected_invoices_are_skipped_and_why(
        imported, client):
    account, invoices, _payments = imported
    never = send(make_invoice(account=account, number="UN-NEW"))
    SyncRecord.objects.filter(invoice=never).delete()  # never synced
    Payment.objects.filter(pk=pay(invoices[2], "10.00").pk).update(recorded_in_quickbooks=True)
    page = client.post("/import-invoices/undo/", {
        "invoice": [invoices[0].pk, invoices[2].pk, never.pk]}).content.decode()
    assert "Delete 1 invoice and its 1 payment from QuickBooks?" in page
    assert "2 selected invoices are skipped" in page
    assert "1 selected invoice is not in QuickBooks" in page and "UN-NEW" in page
    assert ("Invoice UN-2 has a payment recorded in QuickBooks; remove it there first"
            in page)


def test_undo_deletes_the_chosen_invoices_and_their_payments_and_they_sync_again(
        imported, client, sandbox, worker):
    account, invoices, payments = imported
    since = timezone.now() - timedelta(minutes=5)
    gone_invoices = {record_for(i).qbo_id for i in invoices[:2]}
    gone_payments = {record_for(p, "payment").qbo_id for p in payments[:2]}
    kept_invoice = record_for(invoices[2]).qbo_id

    confirm = worker(client, {"invoice": [invoices[0].pk, invoices[1].pk], "confirm": "1"})
    assert confirm.status_code == 302 and "?undo=" in confirm["Location"]

    assert qbo_ids(US_REALM, "Invoice", sandbox) == {kept_invoice}
    assert qbo_ids(US_REALM, "Payment", sandbox) == {record_for(payments[2], "payment").qbo_id}
    changes = cdc(account, since)
    assert all(changes["Invoice"][i] == "Deleted" for i in gone_invoices)
    assert all(changes["Payment"][p] == "Deleted" for p in gone_payments)
    assert changes["Invoice"].get(kept_invoice, "") != "Deleted"
    for invoice, payment in zip(invoices[:2], payments[:2], strict=True):
        assert not SyncRecord.objects.filter(invoice=invoice).exists()
        assert not SyncRecord.objects.filter(payment=payment).exists()
    assert record_for(invoices[2]).state == "synced"
    assert record_for(invoices[0].contact, "contact").qbo_id  # customers stay

    page = client.get(confirm["Location"]).content.decode()
    assert "Removed 2 invoices and 2 payments from QuickBooks." in page
    rows = {inv.number: page.split(f'data-invoice="{inv.pk}"')[1].split("</tr>")[0]
            for inv in invoices}
    assert "Needs Sync" in rows["UN-0"] and "Needs Sync" in rows["UN-1"]
    assert "badge-synced" in rows["UN-2"]
    history = client.get("/settings/integrations/history/", {"q": "UN-0"}).content.decode()
    assert "Undo sync: invoice UN-0 and its 1 payment deleted from QuickBooks" in history

    run_outbox(account)  # the outbox has nothing of theirs: they are not pushed back
    assert qbo_ids(US_REALM, "Invoice", sandbox) == {kept_invoice}
    client.post("/import-invoices/sync/", {"invoice": [invoices[0].pk]})
    run_outbox(account)
    again = record_for(invoices[0])
    assert again.state == "synced" and again.qbo_id not in gone_invoices
    assert record_for(payments[0], "payment").state == "synced"
    assert len(sandbox.entities(US_REALM, "Invoice")) == 2


def test_a_payment_recorded_in_quickbooks_blocks_its_invoices_undo(
        imported, client, sandbox, worker):
    account, invoices, _payments = imported
    with receiving_from_quickbooks():  # brought back from QuickBooks, not pushed
        theirs = pay(invoices[0], "5.00")
    Payment.objects.filter(pk=theirs.pk).update(recorded_in_quickbooks=True)
    first, second = record_for(invoices[0]).qbo_id, record_for(invoices[1]).qbo_id

    page = worker(client, {"invoice": [invoices[0].pk], "confirm": "1"}).content.decode()
    assert "Nothing to delete from QuickBooks." in page  # asked again, nothing started
    assert "Invoice UN-0 has a payment recorded in QuickBooks; remove it there first" in page

    # Recorded between the confirmation and the worker: the run checks again.
    progress = run_undo(account, [invoices[0].pk, invoices[1].pk])
    assert progress["removed"] == 1
    assert progress["skipped"] == [
        "Invoice UN-0 has a payment recorded in QuickBooks; remove it there first, then "
        "Undo sync again."]
    assert first in qbo_ids(US_REALM, "Invoice", sandbox)
    assert second not in qbo_ids(US_REALM, "Invoice", sandbox)
    assert record_for(invoices[0]).state == "synced"


def test_a_payment_someone_applied_in_quickbooks_blocks_the_undo_too(imported, sandbox):
    account, invoices, _payments = imported
    record = record_for(invoices[0])
    customer = record_for(invoices[0].contact, "contact").qbo_id
    sandbox.api_post(account, "Payment", {  # a bookkeeper, not yet brought back to hatsync
        "CustomerRef": {"value": customer}, "TotalAmt": 5,
        "Line": [{"Amount": 5, "LinkedTxn": [{"TxnId": record.qbo_id, "TxnType": "Invoice"}]}],
    })
    progress = run_undo(account, [invoices[0].pk])
    assert progress["removed"] == 0 and "remove it there first" in progress["skipped"][0]
    assert record.qbo_id in qbo_ids(US_REALM, "Invoice", sandbox)
    assert len(sandbox.entities(US_REALM, "Payment")) == 4  # ours stays too


def test_an_invoice_whose_quickbooks_copy_lacks_our_note_is_left_there(imported, sandbox):
    account, invoices, payments = imported
    record = record_for(invoices[1])
    token = next(i["SyncToken"] for i in sandbox.entities(US_REALM, "Invoice")
                 if str(i["Id"]) == record.qbo_id)
    current = sandbox.api_post(account, "Invoice", {
        "Id": record.qbo_id, "SyncToken": token, "sparse": True,
        "PrivateNote": "entered by the bookkeeper"})
    assert current["PrivateNote"] == "entered by the bookkeeper"
    progress = run_undo(account, [invoices[0].pk, invoices[1].pk])
    assert progress["removed"] == 1 and progress["payments_removed"] == 1
    assert len(progress["skipped"]) == 1
    assert progress["skipped"][0].startswith(
        "Invoice UN-1 in QuickBooks does not carry hatsync's note")
    assert record.qbo_id in qbo_ids(US_REALM, "Invoice", sandbox)
    assert record_for(payments[1], "payment").qbo_id in qbo_ids(US_REALM, "Payment", sandbox)
    assert record_for(invoices[1]).state == "synced"
    assert SyncLog.objects.filter(record=record, operation="undo", outcome="blocked").exists()
    assert progress["summary"].startswith(
        "Removed 1 invoice and 1 payment from QuickBooks; 1 not removed: Invoice UN-1")


def test_a_lost_answer_on_a_delete_is_retried_without_error(imported, sandbox, monkeypatch):
    account, invoices, payments = imported
    invoice_id, payment_id = record_for(invoices[0]).qbo_id, record_for(payments[0],
                                                                        "payment").qbo_id
    # The payment's delete lands, its answer is lost; then the invoice's delete, the same.
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"status": 504, "on": "write", "after_apply": True},
        {"status": 504, "on": "write", "after_apply": True},
    ]})
    progress = run_undo(account, [invoices[0].pk])
    assert progress["failed"] == [] and progress["skipped"] == []
    assert progress["removed"] == 1 and progress["payments_removed"] == 1
    assert invoice_id not in qbo_ids(US_REALM, "Invoice", sandbox)
    assert payment_id not in qbo_ids(US_REALM, "Payment", sandbox)
    assert sandbox.control("GET", "faults")["pending"] == 0  # both were used
    assert not SyncRecord.objects.filter(invoice=invoices[0]).exists()


def test_an_invoice_deleted_in_quickbooks_already_counts_as_removed(imported, sandbox):
    account, invoices, payments = imported
    engine_record = record_for(invoices[0])
    for entity, record in (("Payment", record_for(payments[0], "payment")),
                           ("Invoice", engine_record)):
        current = next(e for e in sandbox.entities(US_REALM, entity)
                       if str(e["Id"]) == record.qbo_id)
        requests.post(f"{IN_PROCESS_URL}/v3/company/{US_REALM}/{entity.lower()}",
                      params={"operation": "delete"},
                      json={"Id": current["Id"], "SyncToken": current["SyncToken"]},
                      headers={"Authorization": "Bearer " + QuickBooksConnection.objects.get(
                          account=account).access_token, "Accept": "application/json"},
                      ).raise_for_status()
    progress = run_undo(account, [invoices[0].pk])
    assert progress["removed"] == 1 and progress["failed"] == []
    assert not SyncRecord.objects.filter(invoice=invoices[0]).exists()


def test_another_accounts_invoices_are_ignored_and_its_progress_is_not_found(
        imported, client, sandbox, worker):
    _account, invoices, _payments = imported
    other = make_account(country="US", name="Other")
    other_user = make_user(account=other)
    theirs = make_invoice(account=other, number="OTHER-1", send=True)
    page = client.post("/import-invoices/undo/", {"invoice": [theirs.pk]})
    assert page.status_code == 302  # nothing of this account selected
    confirm = worker(client, {"invoice": [invoices[0].pk, theirs.pk], "confirm": "1"})
    job = confirm["Location"].split("?undo=")[1]
    assert client.get(f"/import-invoices/undo/{job}/").status_code == 200
    client.force_login(other_user)
    assert client.get(f"/import-invoices/undo/{job}/").status_code == 404
    assert client.get("/import-invoices/undo/not-a-job/").status_code == 404
    assert "Undo sync finished" not in client.get(f"/import-invoices/?undo={job}").content.decode()


def test_undo_is_post_only_and_needs_the_csrf_token(imported, sandbox):
    from django.test import Client

    account, invoices, _payments = imported
    user = User.objects.filter(account=account).first()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get("/import-invoices/undo/").status_code == 405
    refused = strict.post("/import-invoices/undo/", {"invoice": [invoices[0].pk],
                                                     "confirm": "1"})
    assert refused.status_code == 403
    assert record_for(invoices[0]).qbo_id in qbo_ids(US_REALM, "Invoice", sandbox)


def test_the_import_screen_offers_undo_and_synced_rows_can_be_ticked(imported, client):
    _account, invoices, _payments = imported
    page = client.get("/import-invoices/").content.decode()
    assert "Undo sync…" in page
    assert f'id="pick-{invoices[0].pk}"' in page
    synced_only = client.get("/import-invoices/", {"state": "synced"}).content.decode()
    assert 'name="all_synced"' in synced_only


def test_undo_of_all_synced_asks_about_every_synced_invoice(imported, client):
    page = client.post("/import-invoices/undo/", {"all_synced": "1"}).content.decode()
    assert "Delete 3 invoices and their 3 payments from QuickBooks?" in page


def test_sync_selected_leaves_synced_invoices_alone(imported, client):
    _account, invoices, _payments = imported
    response = client.post("/import-invoices/sync/", {"invoice": [invoices[0].pk]})
    assert response.status_code == 302
    assert record_for(invoices[0]).state == "synced"


def test_undone_invoices_imported_again_in_batches_are_made_anew(sandbox, account_for, client):
    """QuickBooks answers a repeated requestid with its first answer: the same batch sent
    again after Undo sync must not be answered with the deleted invoices."""
    from integrations.services import bulk
    from tests.sandbox_helpers import connect_through_consent_page

    account = account_for("US", US_REALM, connect=False)
    invoices = [make_invoice(account=account, number=f"UB-{n}", send=True) for n in range(3)]
    connect_through_consent_page(client, US_REALM)

    def import_all() -> set[str]:
        client.post("/import-invoices/sync/", {"all": "1"})
        connection = QuickBooksConnection.objects.get(account=account)
        bulk.drain_company(connection_id=connection.pk, since=timezone.now())
        assert all(record_for(i).state == "synced" for i in invoices)
        return {record_for(i).qbo_id for i in invoices}

    old = import_all()
    progress = run_undo(account, [i.pk for i in invoices])
    assert progress["removed"] == 3 and sandbox.entities(US_REALM, "Invoice") == []
    again = import_all()
    assert again == qbo_ids(US_REALM, "Invoice", sandbox) and not again & old


def test_an_undone_invoice_stays_out_until_the_owner_presses_sync(imported, sandbox, client):
    from integrations.services.outbox import resume_paused

    account, invoices, _ = imported
    undone = invoices[0]
    run_undo(account, [undone.pk])
    undone.memo = "Edited after the undo"
    undone.save()  # an edit does not send it back ...
    pay(undone, "10.00")  # ... nor does a payment on it
    connection = QuickBooksConnection.objects.get(account=account)
    resume_paused(connection=connection)  # ... nor a reconnect
    assert not SyncRecord.objects.filter(invoice=undone).exists()
    assert not SyncRecord.objects.filter(payment__invoice=undone).exists()
    client.post(f"/invoices/{undone.pk}/sync/")  # the owner presses Sync: it goes
    assert record_for(undone).state == SyncRecord.State.NEEDS_SYNC
    assert not UndoneInvoice.objects.filter(invoice=undone).exists()
    undone.memo = "And edited again"
    undone.save()
    assert record_for(undone).state == SyncRecord.State.NEEDS_SYNC
