"""System test: the real sandbox server process, a real Celery worker, a real database.

Runs on PostgreSQL (as in CI); the worker process reads the same test database.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection as db_connection

from integrations.models import SyncRecord
from integrations.qbo import client as qbo_client
from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import US_REALM, pay, send

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox_server(tmp_path):
    from qbo_sandbox.testing import start_subprocess

    process, base_url = start_subprocess(tmp_path / "qbo")
    yield base_url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def worker(sandbox_server, settings, tmp_path):
    if db_connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL (CI sets it)")
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "QBO_LOCAL_SANDBOX_URL": sandbox_server,
        "QBO_ENVIRONMENT": "local",
        "HATSYNC_VAR_DIR": str(tmp_path / "var"),
    }
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        # The test process must write where the worker reads.
        env["HATSYNC_VAR_DIR"] = str(Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[
            "data_folder_in"]).parent.parent)
    settings.QBO_LOCAL_SANDBOX_URL = sandbox_server
    qbo_client._discovered_auth_client.cache_clear()
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hatsync", "worker", "--pool", "solo",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        if "ready." in log.read():
            break
        assert process.poll() is None, open(tmp_path / "worker.log").read()
        time.sleep(0.3)
    yield sandbox_server
    process.terminate()
    process.wait(timeout=20)
    qbo_client._discovered_auth_client.cache_clear()


def wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out waiting for the worker")


def test_a_sent_invoice_and_its_payment_reach_quickbooks_through_the_worker(worker, client):
    base_url = worker
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    start = client.post("/integrations/quickbooks/connect/")
    consent = requests.post(start["Location"], data={"action": "connect", "realm_id": US_REALM},
                            allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})

    invoice = send(make_invoice(account=account, number="INV-2024-WEDDING-SMITH-0001"))
    record = wait_for(lambda: SyncRecord.objects.filter(
        key=f"invoice:{invoice.pk}", state="synced").first())
    pay(invoice, "100.00", tip="10.00", reference="STRIPE-PAYMENT-REFERENCE-000123456789")
    wait_for(lambda: SyncRecord.objects.filter(kind="payment", state="synced").exists())

    entities = requests.get(f"{base_url}/_sandbox/companies/{US_REALM}/entities/Invoice",
                            timeout=10).json()["Invoice"]
    ours = [i for i in entities if i["Id"] == record.qbo_id]
    assert ours and ours[0]["DocNumber"] == "INV-2...NG-SMITH-0001"
    assert float(ours[0]["Balance"]) == 0
    log = requests.get(f"{base_url}/_sandbox/requests", params={"realm": US_REALM},
                       timeout=10).json()
    rows = log["requests"] if isinstance(log, dict) else log
    writes = [r for r in rows if r["method"] == "POST" and "/query" not in r["path"]]
    assert writes and all(r.get("requestid") for r in writes)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f"{settings.QBO_LOCAL_SANDBOX_URL}/app/invoice?txnId={record.qbo_id}" in page
