"""Fixtures: the local QBO sandbox in-process (through `responses`) and a connected account."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from integrations.qbo import client as qbo_client
from integrations.services import sync
from invoices import services
from qbo_sandbox.app import create_app
from qbo_sandbox.testing import mount
from tests.factories import make_account, make_user

BASE = "http://qbo-sandbox.test"
US_REALM, CA_REALM, GB_REALM, AU_REALM = (
    "9341453108260001", "9341453108260002", "9341453108260003", "9341453108260004",
)


class Sandbox:
    def __init__(self, app, rsps):
        self.app = app
        self.rsps = rsps

    def control(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{BASE}/_sandbox/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def entities(self, realm: str, entity: str) -> list[dict]:
        return self.control("GET", f"companies/{realm}/entities/{entity}")[entity]

    def api_post(self, account, entity: str, body: dict) -> dict:
        """Write to QuickBooks directly, as someone using QuickBooks itself would."""
        from integrations.models import QuickBooksConnection

        connection = QuickBooksConnection.objects.get(account=account)
        response = requests.post(
            f"{BASE}/v3/company/{connection.realm_id}/{entity.lower()}", json=body,
            headers={"Authorization": f"Bearer {connection.access_token}",
                     "Accept": "application/json"},
        )
        response.raise_for_status()
        return response.json()[entity]

    def foreign_invoice(self, account, doc_number: str) -> dict:
        """An invoice made in QuickBooks, not by hatsync, for a customer of its own."""
        customer = self.api_post(account, "Customer", {"DisplayName": f"Other {doc_number}"})
        return self.api_post(account, "Invoice", {
            "DocNumber": doc_number, "CustomerRef": {"value": customer["Id"]},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 5,
                      "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1,
                                              "UnitPrice": 5, "TaxCodeRef": {"value": "NON"}}}],
        })

    def api_calls(self, fragment: str = "") -> list:
        return [c for c in self.rsps.calls if "/v3/" in c.request.url and fragment in c.request.url]


@pytest.fixture
def sandbox(tmp_path, settings):
    yield from sandbox_for(tmp_path, settings, sample_data=False)  # numbers 1001+ free


def sandbox_for(tmp_path, settings, *, sample_data: bool):
    """The in-process sandbox, bare or holding Intuit-like sample data, with settings
    pointing hatsync at it."""
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_URL = BASE
    settings.QBO_CLIENT_ID = "hatsync-local"
    settings.QBO_CLIENT_SECRET = "hatsync-local-secret"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.QBO_REQUESTS_PER_MINUTE = 7000  # the budget has tests of its own
    settings.QBO_BUDGET_URL = f"file://{tmp_path / 'budget'}"
    qbo_client._discovered_auth_client.cache_clear()
    app = create_app(tmp_path / "qbo", sample_data=sample_data)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(rsps, app, BASE)
        yield Sandbox(app, rsps)
    qbo_client._discovered_auth_client.cache_clear()
    app.close()


def press_connect_and_consent(client, realm: str = US_REALM) -> tuple[str, dict]:
    """Press Connect here, then Connect on the sandbox's consent page. Returns where QuickBooks
    sends the browser back (the callback's path and its parameters), not yet followed."""
    start = client.post("/integrations/quickbooks/connect/")
    assert start.status_code == 302, start
    consent = requests.post(start["Location"], data={"action": "connect", "realm_id": realm},
                            allow_redirects=False)
    assert consent.status_code in (302, 303), consent.text
    back = urlsplit(consent.headers["Location"])
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


def connect_through_consent_page(client, realm: str):
    """Press Connect here, then Connect on the sandbox's consent page, then follow back."""
    return client.get(*press_connect_and_consent(client, realm))


@pytest.fixture
def account_for(db, client):
    def make(country: str = "US", realm: str = US_REALM, connect: bool = True):
        account = make_account(country=country)
        user = make_user(account=account)
        client.force_login(user)
        if connect:
            response = connect_through_consent_page(client, realm)
            assert response.status_code == 302
        return account

    return make


def send(invoice):
    return services.invoice_send(invoice=invoice)


def pay(invoice, amount, tip="0", reference=""):
    from decimal import Decimal

    return services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                   amount=Decimal(amount), tip_amount=Decimal(tip),
                                   reference=reference)


def run_outbox(account) -> list:
    """Do what the worker does: push every record waiting for this account, until none wait."""
    from integrations.models import SyncRecord

    outcomes = []
    for _ in range(5):
        waiting = list(SyncRecord.objects.filter(
            account=account, state=SyncRecord.State.NEEDS_SYNC,
            kind__in=[SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT],
        ).order_by("kind", "pk").values_list("pk", flat=True))
        if not waiting:
            break
        outcomes += [sync.sync_record(record_id=pk) for pk in waiting]
    return outcomes


def record_for(obj, kind: str = "invoice"):
    """The sync record of an invoice, payment or contact (kind "contact")."""
    from integrations.models import SyncRecord

    return SyncRecord.objects.get(key=f"{kind}:{obj.pk}")
