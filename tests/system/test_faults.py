"""Breaking things on purpose, with real processes: a worker killed with SIGKILL in the middle
of an import, the broker down or restarted, database connections dropped, QuickBooks failing.
Each ends with every record synced once and reconcile finding no difference: nothing lost,
nothing made twice. How long recovery took is printed in the run's "reliability figures".

Each test has a QuickBooks sandbox process of its own (`rig`): an answer an earlier test's
sandbox still holds, its latency or fault rates, its requests never reach this one. Tests
wait for the state they check, never for a fixed time.
"""

import time
from collections import Counter
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
import requests
from django.db import connection as db_connection
from django.db.models import Count

from harness import start_sandbox, stop_process
from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.qbo import client as qbo_client
from integrations.services import imports, reconcile
from integrations.tasks import MAX_RETRIES
from invoices import services
from invoices.models import Invoice
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.sandbox_helpers import CLIENT_AUTH, US_REALM, Sandbox, connected_through_consent_page
from tests.system.faults import KillableWorker, PrivateRedis, publishing_to, worker_env
from tests.system.helpers import wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

INVOICES, CONTACTS, PRODUCTS, PAYMENTS = 75, 10, 4, 30
MAX_LOG_ROWS_PER_RECORD = 4  # attempts stay bounded: no record spins


@pytest.fixture
def rig(worker, postgres_test_database, tmp_path, settings):
    """This test's own QuickBooks sandbox process, a private Redis broker and a killable
    worker (with beat) on both; this process publishes there and talks to that sandbox. The
    worker is started by the test."""
    process, base_url = start_sandbox(tmp_path / "qbo")
    settings.QBO_LOCAL_SANDBOX_URL = base_url
    qbo_client._discovery_document.cache_clear()
    broker = PrivateRedis(tmp_path)
    broker.start()
    env = worker_env(postgres_test_database, base_url, tmp_path, broker.url)
    killable = KillableWorker(env, tmp_path)
    try:
        with publishing_to(broker.url):
            yield SimpleNamespace(broker=broker, worker=killable, sandbox=Sandbox(base_url))
    finally:
        killable.stop()
        broker.stop()
        stop_process(process, grace=10)
        qbo_client._discovery_document.cache_clear()


@pytest.fixture
def sandbox(rig) -> Sandbox:
    return rig.sandbox


def holding_a_request(sandbox) -> bool:
    """QuickBooks holds a request of this test's company unanswered (its own sandbox)."""
    return sandbox.control("GET", "faults")["holding"] >= 1


def calls(sandbox) -> list[dict]:
    """The requests this test's company made: its API calls and its token calls."""
    return sandbox.log(US_REALM) + sandbox.token_calls()


def no_new_calls_for(sandbox, seconds: float) -> bool:
    before = len(calls(sandbox))
    time.sleep(seconds)
    return len(calls(sandbox)) == before


def studio_waiting_for_import(client, sandbox, *, invoices: int = INVOICES,
                              payments: int = PAYMENTS, spread: bool = False):
    """Sent invoices (some paid, some with a tip) made before connecting: Import's work.
    The first `payments` invoices are paid, or with `spread`, as many spread over all of
    them (every batch of 30 then carries some)."""
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    people = [make_contact(account=account, first_name=f"Kim{i}", last_name="Park")
              for i in range(CONTACTS)]
    things = [make_product(account=account, display_name=f"Session {i}")
              for i in range(PRODUCTS)]
    paid = ({n * invoices // payments for n in range(payments)} if spread
            else set(range(payments)))
    made = []
    for i in range(invoices):
        invoice = make_invoice(
            account=account, contact=people[i % CONTACTS], number=f"K-{i:04d}", send=True,
            lines=[(things[i % PRODUCTS], "1", "120.00", None),
                   (things[(i + 1) % PRODUCTS], "2", "15.00", None)])
        if i in paid:
            services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                    amount=Decimal("50.00"),
                                    tip_amount=Decimal("5.00") if i % 3 == 0 else Decimal("0"),
                                    reference=f"CARD-{i}")
        made.append(invoice)
    connected_through_consent_page(client, US_REALM)
    return account, made


def import_all(account) -> None:
    ids = list(Invoice.objects.filter(account=account).values_list("pk", flat=True))
    imports.sync_many(account=account, user=None, invoice_ids=ids)


def slow_import_under_way(rig, sandbox, client):
    """An import in small chunks and slices (the drain goes back through the broker between
    chunks) against a slow QuickBooks, once its first invoice has synced."""
    rig.worker.env.update(QBO_BULK_CHUNK="15", QBO_DRAIN_SLICE_SECONDS="1")
    account, invoices = studio_waiting_for_import(client, sandbox)
    sandbox.control("POST", "config", json={"latency_ms": 300})
    rig.worker.start()
    import_all(account)
    wait_for(lambda: SyncRecord.objects.filter(account=account, kind="invoice",
                                               state="synced").exists(), 60, "a first sync")
    return account, invoices


def unsettled(account) -> int:
    return SyncRecord.objects.filter(
        account=account, kind__in=["invoice", "payment"]).exclude(state="synced").count()


def wait_all_synced(account, expected: int, timeout: float) -> float:
    started = time.monotonic()

    def done():
        records = SyncRecord.objects.filter(account=account, kind__in=["invoice", "payment"])
        return records.filter(state="synced").count() == expected and not unsettled(account)

    try:
        wait_for(done, timeout, "every invoice and payment to sync")
    except AssertionError:
        states = Counter(SyncRecord.objects.filter(account=account).values_list(
            "state", flat=True))
        problems = list(SyncRecord.objects.filter(account=account).exclude(
            state="synced").values_list("key", "state", "last_error")[:5])
        raise AssertionError(f"not all synced after {timeout:.0f}s: {dict(states)} "
                             f"{problems}") from None
    return time.monotonic() - started


def assert_books_exact(sandbox, account, invoices, *, payments: int = PAYMENTS,
                       max_log_rows: int = MAX_LOG_ROWS_PER_RECORD) -> None:
    """QuickBooks holds each invoice, payment, customer and item once, and reconcile agrees."""
    numbers = Counter(i.get("DocNumber") for i in sandbox.entities(US_REALM, "Invoice"))
    assert {n: c for n, c in numbers.items() if c > 1} == {}
    assert set(numbers) == {i.number for i in invoices}
    markers = Counter(p.get("PrivateNote") for p in sandbox.entities(US_REALM, "Payment"))
    assert len(markers) == payments and set(markers.values()) == {1}, markers
    customers = Counter(c["DisplayName"] for c in sandbox.entities(US_REALM, "Customer"))
    assert [name for name, times in customers.items() if times > 1] == []
    assert sum(name.startswith("Kim") for name in customers) == CONTACTS
    items = Counter(i["Name"] for i in sandbox.entities(US_REALM, "Item"))
    assert [name for name, times in items.items() if times > 1] == []
    report = reconcile.reconcile_account(account=account)
    assert report.state == "done" and report.differences == [], report.differences
    assert (report.invoices_checked, report.payments_checked) == (len(invoices), payments)
    busiest = SyncLog.objects.filter(record__account=account).values("record").annotate(
        rows=Count("id")).order_by("-rows").first()
    assert busiest is None or busiest["rows"] <= max_log_rows, busiest


# --- a worker killed with SIGKILL ----------------------------------------------------------
# The sandbox holds the connection of the second batch request (the first invoice batch to
# arrive; the first request carries the customers and items) without answering, and the test
# kills the worker while it waits: before QuickBooks applied anything, after it applied the
# whole batch, or after it applied 12 of its 30 operations. The three invoice batches go at
# once, so which one is held is chance; the others may have landed before the kill. The
# payments are spread over every batch, so some are always on invoices that landed before
# the kill: their records must still be made (once every batch of paid invoices was the
# first, held, one, and a run where another was held lost them).
KILL_POINTS = {
    "before-quickbooks-applied-the-request": {"status": 503},
    "after-quickbooks-accepted-the-creates": {"status": 504, "after_apply": True},
    "in-the-middle-of-a-batch": {"status": 504, "after_apply": True, "apply_items": 12},
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_worker_killed_during_an_import_loses_nothing_and_makes_nothing_twice(
    point, rig, sandbox, client, figures
):
    account, invoices = studio_waiting_for_import(client, sandbox, spread=True)
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"on": "batch", "skip": 1, "hold_seconds": 8, **KILL_POINTS[point]}]})
    rig.worker.start()

    import_all(account)
    wait_for(lambda: holding_a_request(sandbox), 60, "the held batch")
    rig.worker.kill()
    at_kill = Counter(SyncRecord.objects.filter(
        account=account, kind__in=["invoice", "payment"]).values_list("state", flat=True))
    in_quickbooks = len(sandbox.entities(US_REALM, "Invoice"))
    # The held request was an invoice batch (30, 30 and 15 invoices go at once): what
    # QuickBooks holds at the kill is whole batches, plus 12 when the held one stopped midway.
    assert at_kill["syncing"] > 0, at_kill
    assert in_quickbooks % 15 == KILL_POINTS[point].get("apply_items", 0), in_quickbooks
    rig.worker.start()
    recovery = wait_all_synced(account, INVOICES + PAYMENTS, timeout=120)

    assert_books_exact(sandbox, account, invoices)
    figures(f"{in_quickbooks} invoices in QuickBooks and {dict(at_kill)} records at the "
            f"kill; all {INVOICES + PAYMENTS} synced {recovery:.1f} s after the restart; "
            "reconcile: 0 differences")


def test_a_worker_killed_after_quickbooks_accepted_a_persons_invoice_adopts_it(
    rig, sandbox, client, figures
):
    account, _ = studio_waiting_for_import(client, sandbox, invoices=0, payments=0)
    rig.worker.start()
    draft = make_invoice(account=account, number="P-1",
                         contact=make_contact(account=account, first_name="Kim9"))
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        # the third write: the customer and the item go first
        {"on": "write", "skip": 2, "status": 504, "after_apply": True, "hold_seconds": 8}]})

    services.invoice_send(invoice=draft)
    wait_for(lambda: holding_a_request(sandbox), 30, "the held create")
    rig.worker.kill()
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["P-1"]
    rig.worker.start()
    recovery = wait_all_synced(account, 1, timeout=60)

    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["P-1"]
    record = SyncRecord.objects.get(key=f"invoice:{draft.pk}")
    assert record.qbo_id == sandbox.entities(US_REALM, "Invoice")[0]["Id"]
    assert reconcile.reconcile_account(account=account).differences == []
    figures(f"synced (adopted, not made twice) {recovery:.1f} s after the restart")


# --- the broker ----------------------------------------------------------------------------
def test_an_invoice_sent_while_the_broker_is_down_syncs_once_it_is_back(
    rig, sandbox, client, figures
):
    account, _ = studio_waiting_for_import(client, sandbox, invoices=0, payments=0)
    rig.worker.start()
    draft = make_invoice(account=account, number="B-1",
                         contact=make_contact(account=account, first_name="Kim8"))
    rig.broker.stop()

    response = client.post(f"/invoices/{draft.pk}/send/")

    assert response.status_code == 302  # sending works for the person
    draft.refresh_from_db()
    assert draft.status == "sent"
    assert SyncRecord.objects.get(key=f"invoice:{draft.pk}").state == "needs_sync"
    rig.broker.start()
    recovery = wait_all_synced(account, 1, timeout=60)
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["B-1"]
    figures(f"synced by the sweeper {recovery:.1f} s after the broker came back")


def test_redis_restarted_in_the_middle_of_an_import(rig, sandbox, client, figures):
    account, invoices = slow_import_under_way(rig, sandbox, client)
    # QuickBooks holds the import's next batch (then answers 503, nothing applied) while
    # Redis is down: the import cannot finish before Redis is back, however fast it runs.
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"on": "batch", "status": 503, "hold_seconds": 3}]})
    wait_for(lambda: holding_a_request(sandbox), 60, "QuickBooks to hold a batch of the import")
    rig.broker.stop()
    left = unsettled(account)
    wait_for(lambda: not holding_a_request(sandbox), 30, "QuickBooks to answer the held batch")
    rig.broker.start()  # empty: every queued message is gone
    restarted = time.monotonic()
    # Celery's worker may exit when Redis vanishes under an ack (kombu: "Unrecoverable error:
    # 'NoneType' object has no attribute 'hostname'"); a supervisor starts it again.
    supervised = rig.worker.restart_if_exited(within=5)
    wait_all_synced(account, INVOICES + PAYMENTS, timeout=120)

    assert left > 0
    assert_books_exact(sandbox, account, invoices)
    figures(f"{left} records not synced yet when Redis came back empty; all synced "
            f"{time.monotonic() - restarted:.1f} s later"
            + (" (the worker exited on the lost connection and was restarted, as a "
               "supervisor does)" if supervised else " (the worker reconnected by itself)"))


# --- the database --------------------------------------------------------------------------
def test_database_connections_dropped_under_the_worker(rig, sandbox, client, figures):
    account, invoices = studio_waiting_for_import(client, sandbox)
    sandbox.control("POST", "config", json={"latency_ms": 400})
    rig.worker.start()

    import_all(account)
    dropped = 0
    deadline = time.monotonic() + 120
    while unsettled(account) and time.monotonic() < deadline and dropped < 4:
        time.sleep(1.0)
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            dropped += 1 if cursor.fetchone()[0] else 0
    wait_all_synced(account, INVOICES + PAYMENTS, timeout=120)

    assert dropped >= 1
    assert_books_exact(sandbox, account, invoices)
    figures(f"connections dropped {dropped} times during the import; all synced")


# --- QuickBooks failing --------------------------------------------------------------------
def test_random_500s_and_lost_answers_during_an_import(rig, sandbox, client, figures):
    """Three calls in ten are a 500 before anything is applied, one write in five is applied
    and then answered 504 (the answer is lost): each is retried or looked up, never doubled."""
    account, invoices = studio_waiting_for_import(client, sandbox)
    # An import is a dozen calls or so (batches of 30), so chance alone may inject nothing:
    # one 500 and one lost answer are certain, on top of the random ones.
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"status": 500, "on": "batch"},
        {"status": 504, "on": "batch", "after_apply": True, "skip": 1},
    ]})
    sandbox.control("POST", "config", json={"fault_rate": 0.3, "lost_answer_rate": 0.2})
    rig.worker.start()

    import_all(account)
    took = wait_all_synced(account, INVOICES + PAYMENTS, timeout=180)
    injected = sandbox.control("GET", "faults")["injected"]
    sandbox.control("POST", "config", json={"fault_rate": 0, "lost_answer_rate": 0})

    answered = Counter(r["status"] for r in sandbox.log(US_REALM))
    assert answered[500] >= 1 and answered[504] >= 1, answered
    # One call in two may fail: a record may take a few attempts, never more than two tasks'
    # worth of retries.
    assert_books_exact(sandbox, account, invoices, max_log_rows=2 * MAX_RETRIES)
    retries = SyncLog.objects.filter(record__account=account, outcome="retry").count()
    figures(f"{injected} random faults and 2 scripted ones injected, {retries} attempts "
            f"retried; all synced in "
            f"{took:.1f} s, once each")


def test_a_429_storm_with_retry_after_pauses_the_import_and_it_resumes(
    rig, sandbox, client, figures
):
    account, invoices = studio_waiting_for_import(client, sandbox)
    storm = [{"status": 429, "retry_after": 2}] * 6
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": storm})
    rig.worker.start()

    import_all(account)
    took = wait_all_synced(account, INVOICES + PAYMENTS, timeout=180)

    made = calls(sandbox)
    assert Counter(r["status"] for r in made)[429] == 6
    assert_books_exact(sandbox, account, invoices)
    # Bounded: the storm cost about one call per 429, not a spin.
    assert len(made) < 6 + 60, Counter((r["method"], r["entity"], r["status"]) for r in made)
    figures(f"6 answers of 429 (Retry-After 2 s); all synced in {took:.1f} s with "
            f"{len(made)} calls in all")


def test_quickbooks_slower_than_the_client_timeout(rig, sandbox, client, figures):
    """Every call takes 2.5 s and the worker gives up after 1 s, for a while: QuickBooks
    applies the writes nobody heard back about. The job waits, then finishes once each."""
    rig.worker.env["QBO_HTTP_TIMEOUT"] = "1"
    account, invoices = studio_waiting_for_import(client, sandbox, invoices=30, payments=10)
    sandbox.control("POST", "config", json={"latency_ms": 2500})
    rig.worker.start()

    import_all(account)
    # Every answer takes longer than the worker waits, so nothing can sync while it lasts:
    # wait until QuickBooks has answered calls of the import the worker had given up on.
    wait_for(lambda: len([r for r in sandbox.log(US_REALM) if r["duration_ms"] >= 2500]) >= 3,
             60, "calls the worker timed out on")
    left = unsettled(account)
    sandbox.control("POST", "config", json={"latency_ms": 0})
    took = wait_all_synced(account, 40, timeout=180)

    assert left > 0
    assert_books_exact(sandbox, account, invoices, payments=10)
    figures(f"{left} of 40 records waiting after three timed-out calls; all synced "
            f"{took:.1f} s after QuickBooks was fast again")


def test_a_token_revoked_in_the_middle_of_an_import_pauses_it_until_reconnected(
    rig, sandbox, client, figures
):
    account, invoices = slow_import_under_way(rig, sandbox, client)

    connection = QuickBooksConnection.objects.get(account=account)
    requests.post(f"{sandbox.base_url}/oauth2/v1/tokens/revoke", auth=CLIENT_AUTH,
                  json={"token": connection.refresh_token}, timeout=10).raise_for_status()
    wait_for(lambda: QuickBooksConnection.objects.get(account=account).status
             == "needs_reconnect", 60, "the connection to need reconnecting")
    paused = SyncRecord.objects.filter(account=account, last_error__startswith="Paused")
    wait_for(paused.exists, 30, "records to be paused")
    # What was in flight (an answer takes 300 ms) comes back; after that the sweeper, every
    # second, must not call QuickBooks for this company while it is paused.
    wait_for(lambda: no_new_calls_for(sandbox, 1.5), 30, "the calls in flight to end")
    calls_paused = len(calls(sandbox))
    time.sleep(4)  # four sweeps
    assert len(calls(sandbox)) == calls_paused
    assert paused.exists(), Counter(SyncRecord.objects.filter(account=account).values_list(
        "state", "last_error"))
    paused_count = paused.count()
    page = client.get("/import-invoices/").content.decode()
    assert "Reconnect" in page

    sandbox.control("POST", "config", json={"latency_ms": 0})
    connected_through_consent_page(client, US_REALM)
    took = wait_all_synced(account, INVOICES + PAYMENTS, timeout=120)

    assert_books_exact(sandbox, account, invoices)
    figures(f"{paused_count} records paused, no calls while paused; all synced {took:.1f} "
            "s after reconnecting")


# --- concurrent edits ----------------------------------------------------------------------
def test_an_invoice_edited_while_its_sync_is_in_flight_ends_as_the_latest_version(
    rig, sandbox, client
):
    from invoices.services import LineInput

    account, _ = studio_waiting_for_import(client, sandbox, invoices=0, payments=0)
    product = make_product(account=account, display_name="Album")
    invoice = make_invoice(account=account, number="E-1", lines=[(product, "1", "100.00", None)],
                           contact=make_contact(account=account, first_name="Kim7"))
    sandbox.control("POST", "config", json={"latency_ms": 1500})
    rig.worker.start()

    services.invoice_send(invoice=invoice)
    wait_for(lambda: SyncRecord.objects.filter(key=f"invoice:{invoice.pk}",
                                               state="syncing").exists(), 30, "the push")
    for price in ("200.00", "300.00"):  # two edits while the first push is in flight
        services.invoice_update(
            invoice=invoice, number="E-1", contact=invoice.contact,
            issue_date=invoice.issue_date, due_date=invoice.due_date,
            lines=[LineInput(product, Decimal("1"), Decimal(price), None)])
    sandbox.control("POST", "config", json={"latency_ms": 0})

    def latest_in_quickbooks():
        found = sandbox.invoices(US_REALM, "E-1")
        record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
        return (record.state == "synced" and found
                and Decimal(str(found[0]["TotalAmt"])) == Decimal("300.00"))

    wait_for(latest_in_quickbooks, 60, "QuickBooks to hold the latest version")
    assert len(sandbox.invoices(US_REALM, "E-1")) == 1
    assert reconcile.reconcile_account(account=account).differences == []


def test_custom_numbers_turned_off_in_quickbooks_after_the_check(rig, sandbox, client, figures):
    """QuickBooks renumbers what it takes: those invoices are blocked (read settings again),
    and once the setting is back on the same QuickBooks invoices get their numbers."""
    account, invoices = studio_waiting_for_import(client, sandbox, invoices=30, payments=10)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": False})
    rig.worker.start()

    import_all(account)
    wait_for(lambda: SyncRecord.objects.filter(account=account, kind="invoice",
                                               state="blocked").count() == 30, 60,
             "the invoices to be blocked")
    made = len(sandbox.entities(US_REALM, "Invoice"))
    blocked = SyncRecord.objects.filter(account=account, kind="invoice").first()
    assert "Custom transaction numbers are off in QuickBooks" in blocked.last_error

    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": True})
    client.post("/integrations/quickbooks/recheck/")
    client.post("/integrations/quickbooks/retry/")
    took = wait_all_synced(account, 40, timeout=90)

    assert_books_exact(sandbox, account, invoices, payments=10)
    figures(f"{made} invoices renumbered by QuickBooks and blocked; after the setting was "
            f"back on, all 40 records synced in {took:.1f} s with each number set once")


def test_the_lease_is_kept_while_quickbooks_holds_a_batch_longer_than_the_lease(
    rig, sandbox, client, figures
):
    """A batch unanswered for 8 s (the lease is 5 s here; in production a batch retried after
    timeouts can outlast the 120 s lease): the drain keeps renewing it while it waits, so no
    second writer can take the company meanwhile."""
    from django.utils import timezone

    account, invoices = studio_waiting_for_import(client, sandbox)
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"on": "batch", "skip": 1, "status": 503, "hold_seconds": 8}]})
    rig.worker.start()

    import_all(account)
    wait_for(lambda: holding_a_request(sandbox), 60, "the held batch")
    lapses = []
    while holding_a_request(sandbox):
        held = QuickBooksConnection.objects.get(account=account)
        if not held.lease_owner or held.lease_expires_at <= timezone.now():
            lapses.append(held.lease_expires_at)
        time.sleep(0.25)
    took = wait_all_synced(account, INVOICES + PAYMENTS, timeout=120)

    assert lapses == [], f"the lease ran out under a batch in flight: {lapses[:3]}"
    assert "Lost the lease" not in rig.worker.log()
    assert_books_exact(sandbox, account, invoices)
    figures(f"the lease never ran out while a batch was held 8 s; all synced {took:.1f} s "
            "after")
