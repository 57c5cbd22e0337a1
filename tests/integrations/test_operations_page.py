"""The operations page, for staff: records and attempts found by company, realm id, requestid
or intuit_tid across every account; a company's lease, budget and outbox; Re-queue of a
failed or blocked record, once however often it is pressed, and never twice in QuickBooks.
Anyone else is refused."""

from datetime import timedelta

import pytest
from celery.app.task import Task
from django.urls import reverse
from django.utils import timezone

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.qbo import budget
from integrations.services import operations, sync
from integrations.services.lease import connection_lease
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[tuple[str, tuple]]:
    """Tasks are written down here instead of going to the broker."""
    calls = []
    monkeypatch.setattr(Task, "apply_async",
                        lambda task, args=(), kwargs=None, **options: calls.append(
                            (task.name, tuple(args or ()))))
    return calls


@pytest.fixture
def studio(sandbox, account_for):
    """A connected account with a synced invoice, and one whose create landed in QuickBooks
    but whose answer was lost, then given up on (failed, its requestid kept)."""
    account = account_for("US", US_REALM)
    QuickBooksConnection.objects.filter(account=account).update(company_name="Tea Party Co")
    contact, product = make_contact(account=account), make_product(account=account)
    lines = [(product, "1", "100.00", None)]
    synced = send(make_invoice(account=account, contact=contact, lines=lines, number="OK-1"))
    run_outbox(account)
    lost = send(make_invoice(account=account, contact=contact, lines=lines, number="LOST-1"))
    sandbox.control("POST", "faults", json={"responses": [
        {"status": 504, "on": "write", "after_apply": True}]})
    sync.sync_record(record_id=record_for(lost).pk)  # made in QuickBooks, its answer lost
    record = record_for(lost)
    assert record.pending_request_id and record.state == "needs_sync"
    SyncRecord.objects.filter(pk=record.pk).update(
        state=SyncRecord.State.FAILED, last_error="QuickBooks answered 504 five times.")
    return account, record_for(synced), record_for(lost)


@pytest.fixture
def staff(client, studio):
    """Signed in as an operator (staff), once the studio exists."""
    operator = make_user(account=make_account(name="Hatsync Ops"), username="operator")
    type(operator).objects.filter(pk=operator.pk).update(is_staff=True)
    client.force_login(operator)
    return client


def page(client, name: str, *args, **params) -> str:
    response = client.get(reverse(f"integrations:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


# --- who may open it ------------------------------------------------------------------------
def test_a_visitor_is_sent_to_sign_in(client, studio):
    client.logout()
    connection = QuickBooksConnection.objects.get(account=studio[0])
    for method, url in [("get", reverse("integrations:operations")),
                        ("get", reverse("integrations:operations_company",
                                        args=[connection.pk])),
                        ("post", reverse("integrations:operations_requeue"))]:
        response = getattr(client, method)(url, {"record": studio[2].pk})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert record_for(studio[2].invoice).state == "failed"


def test_a_signed_in_owner_who_is_not_staff_is_refused(client, studio, queued):
    account, _, lost = studio
    client.force_login(account.users.get())
    connection = QuickBooksConnection.objects.get(account=account)
    assert client.get(reverse("integrations:operations"), {"q": US_REALM}).status_code == 403
    assert client.get(reverse("integrations:operations_company",
                              args=[connection.pk])).status_code == 403
    response = client.post(reverse("integrations:operations_requeue"), {"record": lost.pk})
    assert response.status_code == 403
    assert b"LOST-1" not in response.content
    assert record_for(lost.invoice).state == "failed" and queued == []


# --- search ---------------------------------------------------------------------------------
def test_staff_find_a_company_by_name_realm_or_account(staff, studio):
    account, synced, lost = studio
    for term in ("tea party", US_REALM, account.name):
        shown = page(staff, "operations", q=term)
        assert "Tea Party Co" in shown, term
        assert synced.key in shown and lost.key in shown, term


def test_staff_find_an_attempt_by_its_requestid_or_its_intuit_tid(staff, studio):
    _, synced, lost = studio
    landed = SyncLog.objects.get(record=synced, outcome="synced")
    shown = page(staff, "operations", q=landed.intuit_tid)
    assert landed.intuit_tid in shown and synced.key in shown
    assert lost.key not in shown  # only what the id names
    lost_answer = SyncLog.objects.get(record=lost, outcome="retry")  # the 504
    assert lost_answer.request_id == lost.pending_request_id and lost_answer.intuit_tid
    for term in (lost_answer.request_id, lost_answer.intuit_tid):
        shown = page(staff, "operations", q=term)
        assert lost.key in shown and lost_answer.intuit_tid in shown, term
        assert synced.key not in shown, term


def test_a_search_that_names_nothing_says_so(staff, studio):
    shown = page(staff, "operations", q="no-such-thing")
    assert "No company matches." in shown and "No sync record matches." in shown
    assert "No attempt matches." in shown


# --- a company ------------------------------------------------------------------------------
def test_a_company_shows_its_lease_budget_and_outbox(staff, studio, settings):
    account, _, lost = studio
    connection = QuickBooksConnection.objects.get(account=account)
    shown = page(staff, "operations_company", connection.pk)
    assert "Free: no worker is writing to this company." in shown
    assert "Room now for single requests and batches." in shown
    assert "Failed 1" in shown and "Synced" in shown and lost.key in shown
    assert ">Re-queue</button>" in shown

    settings.QBO_REQUESTS_PER_SECOND = 1
    budget.take(US_REALM)  # this second's only request is spent
    with connection_lease(connection_id=connection.pk):
        shown = page(staff, "operations_company", connection.pk)
    assert "Held by worker" in shown
    assert "Single requests wait" in shown


def test_the_lease_in_words():
    now = timezone.now()
    assert operations.lease_words(owner="", expires_at=None, now=now).startswith("Free")
    assert operations.lease_words(owner="abcdef123456", expires_at=now + timedelta(
        seconds=90), now=now) == "Held by worker abcdef12 for 90 s more (renewed while it pushes)."
    assert "ran out 5 s ago" in operations.lease_words(
        owner="abcdef123456", expires_at=now - timedelta(seconds=5), now=now)


# --- re-queue -------------------------------------------------------------------------------
def test_requeue_twice_queues_once_and_quickbooks_gets_the_invoice_once(
    staff, studio, sandbox, queued, django_capture_on_commit_callbacks
):
    _, _, lost = studio
    url = reverse("integrations:operations_requeue")
    with django_capture_on_commit_callbacks(execute=True):
        first = staff.post(url, {"record": lost.pk}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = staff.post(url, {"record": lost.pk}, follow=True)
    assert f"{lost.key} is back in the outbox" in first.content.decode()
    assert f"{lost.key} was not re-queued" in second.content.decode()
    assert queued == [("integrations.tasks.sync_record", (lost.pk,))]
    assert record_for(lost.invoice).state == "needs_sync"

    sync.sync_record(record_id=lost.pk)  # what the queued task does
    assert record_for(lost.invoice).state == "synced"
    assert len(sandbox.invoices(US_REALM, "LOST-1")) == 1  # the lost create was adopted
    sandbox.assert_exactly_once(US_REALM)


def test_a_record_that_is_not_failed_or_blocked_is_not_requeued(staff, studio, queued):
    _, synced, _ = studio
    response = staff.post(reverse("integrations:operations_requeue"), {"record": synced.pk})
    assert response.status_code == 302
    assert record_for(synced.invoice).state == "synced" and queued == []
    assert operations.record_requeue(record_id=synced.pk) is None


def test_a_blocked_record_is_requeued(studio, queued, django_capture_on_commit_callbacks):
    _, _, lost = studio
    SyncRecord.objects.filter(pk=lost.pk).update(state=SyncRecord.State.BLOCKED)
    with django_capture_on_commit_callbacks(execute=True):
        assert operations.record_requeue(record_id=lost.pk) is not None
    assert queued == [("integrations.tasks.sync_record", (lost.pk,))]


def test_requeue_of_a_record_that_does_not_exist_is_not_found(staff):
    assert staff.post(reverse("integrations:operations_requeue"),
                      {"record": 987654}).status_code == 404


def test_staff_without_an_account_of_their_own_open_it_too(client, studio):
    operator = type(studio[0].users.get()).objects.create_user(
        username="root", password="pw-for-tests-1", is_staff=True)
    client.force_login(operator)
    assert "Tea Party Co" in page(client, "operations", q="tea party")


def test_the_menu_offers_operations_to_staff_only(client, studio):
    client.force_login(studio[0].users.get())
    link = f'href="{reverse("integrations:operations")}"'
    assert link not in page(client, "settings")
    type(studio[0].users.get()).objects.filter(account=studio[0]).update(is_staff=True)
    assert link in page(client, "settings")
