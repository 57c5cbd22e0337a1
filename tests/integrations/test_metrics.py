"""/metrics: Prometheus' scrape, for a scraper holding HATSYNC_METRICS_TOKEN. Counters kept
by the code that does the work in a store every process shares (another process's counts
show in this one's scrape), gauges read from the database at scrape; the metered calls are
the sandbox's (and the bench's) figure exactly."""

import json
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations import counters, tasks
from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.qbo import metered
from integrations.services import inbound, sync
from integrations.services.tokens import connection_access_token
from qbo_sandbox import metering
from qbo_sandbox.webhooks import signature
from tests.factories import make_account, make_invoice
from tests.integrations.conftest import pay, run_outbox, send
from tests.integrations.test_bulk import import_all, run_drain, studio
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-for-tests"
WEBHOOK_TOKEN = "test-verifier-token"


@pytest.fixture
def scrape(client, settings):
    """The endpoint as Prometheus calls it: {(name, labels): value} of every sample."""
    settings.HATSYNC_METRICS_TOKEN = TOKEN

    def read() -> dict[tuple[str, tuple], float]:
        response = client.get(reverse("integrations:metrics"),
                              HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=")
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples

    return read


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str, **labels) -> float:
    """Summed over every label not given."""
    return sum(v for (n, have), v in samples.items()
               if n == name and set(labels.items()) <= set(have))


# --- who may scrape ----------------------------------------------------------------------
def test_without_a_token_set_the_endpoint_is_not_found(client, settings):
    settings.HATSYNC_METRICS_TOKEN = ""
    url = reverse("integrations:metrics")
    assert client.get(url).status_code == 404
    assert client.get(url, HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN,
                                    f"Bearer {TOKEN}x"])
def test_a_scrape_without_the_right_bearer_token_is_refused(client, settings, header):
    settings.HATSYNC_METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(reverse("integrations:metrics"), **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"hatsync_" not in response.content


def test_a_signed_in_staff_user_without_the_token_is_refused_too(client, settings, user):
    settings.HATSYNC_METRICS_TOKEN = TOKEN
    type(user).objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(user)
    assert client.get(reverse("integrations:metrics")).status_code == 401


# --- counters from a real sync -----------------------------------------------------------
def sandbox_metered(sandbox, realm: str) -> dict[str, int]:
    row = sandbox.control("GET", "requests/counts")["metered_by_realm"].get(realm, {})
    return {kind: row.get(kind, 0) for kind in ("read", "query", "cdc", "batch_query")}


def test_a_sync_is_counted_by_kind_and_outcome_and_its_metered_calls_are_the_sandboxs(
    sandbox, account_for, scrape
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="M-1"))
    run_outbox(account)
    pay(record_for(invoice).invoice, "10.00")
    run_outbox(account)
    studio(account, 40)  # an import: drained in batches, with the look-ups' query items
    import_all(account)
    drained = run_drain(account)
    inbound.catch_up(connection_id=QuickBooksConnection.objects.get(account=account).pk)

    samples = scrape()
    logged = Counter(SyncLog.objects.values_list("record__kind", "outcome"))
    assert {(kind, outcome): int(value(samples, "hatsync_sync_attempts_total", kind=kind,
                                       outcome=outcome))
            for kind in SyncRecord.Kind.values for outcome in SyncLog.Outcome.values
            } == {key: logged.get(key, 0) for key in
                  [(k, o) for k in SyncRecord.Kind.values for o in SyncLog.Outcome.values]}
    assert logged[("invoice", "synced")] >= 41 and logged[("payment", "synced")] == 1
    theirs = sandbox_metered(sandbox, US_REALM)
    ours = {kind: int(value(samples, "hatsync_qbo_metered_calls_total", kind=kind))
            for kind in theirs}
    assert ours == theirs
    assert theirs["cdc"] == 1 and theirs["query"] > 0 and theirs["read"] > 0
    requests = sandbox.control("GET", "requests/counts")["by_realm_kind"][US_REALM]
    assert {kind: int(total(samples, "hatsync_qbo_requests_total", kind=kind))
            for kind in requests} == requests
    assert value(samples, "hatsync_cdc_runs_total", result="read") == 1
    assert value(samples, "hatsync_drain_seconds_count") == 1
    assert value(samples, "hatsync_drain_slice_seconds_count") >= 1
    assert value(samples, "hatsync_drain_synced_total") == sum(r.synced for r in drained) >= 40


@pytest.mark.parametrize("method, path, body", [
    ("GET", "invoice/12", b""),
    ("POST", "invoice?requestid=x", b"{}"),
    ("GET", "query?query=select", b""),
    ("POST", "query", b"select * from Invoice"),
    ("GET", "cdc?entities=Invoice", b""),
    ("POST", "batch", json.dumps({"BatchItemRequest": [
        {"bId": "1", "Query": "select"}, {"bId": "2", "Invoice": {}},
        {"bId": "3", "Query": "select"}]})),
    ("POST", "batch", json.dumps({"BatchItemRequest": [{"bId": "1", "Invoice": {}}]})),
    ("POST", "batch", b"not json"),
    ("GET", "companyinfo/123", b""),
])
def test_each_request_costs_what_the_sandbox_says_it_costs(method, path, body):
    ours = metered.metered_calls(method, path, body)
    parts = path.split("?")[0].split("/")
    theirs = metering.cost(method, parts, body)
    assert ours[1] == theirs.metered
    assert metered.request_kind(method, path) == theirs.kind


def test_a_429_and_a_budget_wait_are_counted(sandbox, account_for, scrape, settings):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-1"))
    record = record_for(invoice)
    sandbox.control("POST", "faults", json={"responses": [{"status": 429}]})
    assert sync.sync_record(record_id=record.pk).retryable
    settings.QBO_REQUESTS_PER_SECOND = 1  # the second push in this second waits for room
    sync.sync_record(record_id=record.pk)
    outcome = sync.sync_record(record_id=record.pk)
    samples = scrape()
    assert total(samples, "hatsync_qbo_requests_total", status="429") == 1
    assert value(samples, "hatsync_sync_attempts_total", kind="invoice", outcome="retry") == 1
    assert outcome.budget_wait
    assert value(samples, "hatsync_qbo_budget_waits_total", stage="before_push") >= 1


def test_webhook_deliveries_accepted_and_refused_are_counted(client, settings, scrape):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = WEBHOOK_TOKEN
    url = reverse("integrations:webhooks")
    body = json.dumps([{"specversion": "1.0", "id": "e1", "type": "qbo.payment.created.v1",
                        "intuitentityid": "7", "intuitaccountid": US_REALM,
                        "data": {}}]).encode()
    with mock.patch.object(tasks.process_webhook, "apply_async"):
        for sig in (signature(WEBHOOK_TOKEN, body), "bad", signature(WEBHOOK_TOKEN, body)):
            client.post(url, data=body, content_type="application/json",
                        HTTP_INTUIT_SIGNATURE=sig)
        client.post(url, data=b"[1]", content_type="application/json",
                    HTTP_INTUIT_SIGNATURE=signature(WEBHOOK_TOKEN, b"[1]"))
    samples = scrape()
    assert value(samples, "hatsync_webhook_deliveries_total", result="accepted") == 2
    assert value(samples, "hatsync_webhook_deliveries_total", result="refused_signature") == 1
    assert value(samples, "hatsync_webhook_deliveries_total", result="refused_body") == 1
    assert value(samples, "hatsync_webhook_events_total") == 2


def test_token_refreshes_and_a_reconnect_needed_are_counted(sandbox, account_for, scrape):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1))
    assert connection_access_token(connection_id=connection.pk)
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1))
    connection.refresh_from_db()
    connection.refresh_token = "revoked-or-unknown"
    connection.save()
    assert connection_access_token(connection_id=connection.pk) == ""
    samples = scrape()
    assert value(samples, "hatsync_token_refreshes_total", result="refreshed") == 1
    assert value(samples, "hatsync_token_refreshes_total", result="refused") == 1
    assert value(samples, "hatsync_reconnects_needed_total") == 1
    assert value(samples, "hatsync_connections", status="needs_reconnect") == 1
    assert value(samples, "hatsync_connections", status="connected") == 0


# --- gauges from the database --------------------------------------------------------------
def waiting_record(account, realm: str, key: str, *, age: float, state="needs_sync",
                   paused=False) -> SyncRecord:
    return SyncRecord.objects.create(
        account=account, realm_id=realm, kind="item", key=key, state=state, paused=paused,
        state_changed_at=timezone.now() - timedelta(seconds=age))


def test_records_by_state_and_the_oldest_waiting_per_company_are_read_at_scrape(
    scrape, settings
):
    settings.HATSYNC_METRICS_COMPANIES = 2
    accounts = [make_account() for _ in range(3)]
    waiting_record(accounts[0], "111", "item:a", age=600)
    waiting_record(accounts[0], "111", "item:b", age=30)
    waiting_record(accounts[1], "222", "item:a", age=300)
    waiting_record(accounts[2], "333", "item:a", age=60)
    waiting_record(accounts[2], "333", "item:p", age=9000, paused=True)  # waits for reconnect
    waiting_record(accounts[2], "333", "item:f", age=5, state="failed")
    waiting_record(accounts[2], "333", "item:g", age=5, state="blocked")
    waiting_record(accounts[2], "333", "item:s", age=5, state="synced")

    samples = scrape()
    assert {state: value(samples, "hatsync_sync_records", state=state)
            for state in ("waiting", "syncing", "blocked", "failed", "paused")} == {
        "waiting": 4, "syncing": 0, "blocked": 1, "failed": 1, "paused": 1}
    assert 600 <= value(samples, "hatsync_outbox_oldest_waiting_seconds_max") < 610
    per_company = {dict(labels)["realm_id"]: v for (name, labels), v in samples.items()
                   if name == "hatsync_outbox_oldest_waiting_seconds"}
    assert set(per_company) == {"111", "222"}  # the two waiting longest: a bounded label
    assert 600 <= per_company["111"] < 610 and 300 <= per_company["222"] < 310
    assert value(samples, "hatsync_outbox_waiting_records", realm_id="111") == 2


def test_nothing_waiting_reads_as_zero(scrape):
    samples = scrape()
    assert value(samples, "hatsync_outbox_oldest_waiting_seconds_max") == 0
    assert value(samples, "hatsync_sync_records", state="waiting") == 0
    assert value(samples, "hatsync_metrics_counters_up") == 1
    assert ("hatsync_reconnects_needed_total", ()) in samples  # reported before any count


# --- every process, one figure -------------------------------------------------------------
def test_counts_made_in_another_process_show_in_this_ones_scrape(scrape, settings):
    """A Celery worker is another process (often another machine): what it counts is in
    the store every process shares, not in its memory."""
    code = ("import django; django.setup(); from integrations import counters; "
            "[counters.count('hatsync_cdc_runs_total', result='read') for _ in range(3)]")
    env = {"DJANGO_SETTINGS_MODULE": "hatsync.settings",
           "HATSYNC_METRICS_URL": settings.HATSYNC_METRICS_URL, "PATH": "/usr/bin:/bin"}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
    counters.count("hatsync_cdc_runs_total", result="read")
    assert value(scrape(), "hatsync_cdc_runs_total", result="read") == 7


def test_a_counter_store_that_cannot_be_reached_loses_counts_never_a_sync(
    sandbox, account_for, scrape, settings, caplog
):
    settings.HATSYNC_METRICS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="L-1"))
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    assert "A metrics count was lost" in caplog.text
    samples = scrape()
    assert value(samples, "hatsync_metrics_counters_up") == 0
    assert value(samples, "hatsync_sync_records", state="waiting") == 0  # gauges still read
