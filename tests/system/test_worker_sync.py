"""System test: the real sandbox server process, a real Celery worker, a real database.

Runs on PostgreSQL (as in CI); the worker process reads the same test database. The server
and the worker are started once per session (tests/system/conftest.py).
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings

from integrations.models import SyncRecord
from tests.factories import make_account, make_invoice, make_user
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


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
