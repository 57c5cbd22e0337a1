"""Helpers for the system tests: talk to the real sandbox server, wait for the real worker."""

import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import requests

from integrations.models import QuickBooksConnection, SyncRecord

US_REALM, CA_REALM, GB_REALM = "9341453108260001", "9341453108260002", "9341453108260003"
CLIENT_AUTH = ("hatsync-local", "hatsync-local-secret")
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
SETTLED = {"synced", "blocked", "failed"}


def wait_for(predicate, timeout: float = 30.0, what: str = "the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Sandbox:
    """The `python -m qbo_sandbox` server process, through HTTP only."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def control(self, method: str, path: str, **kwargs):
        response = requests.request(method, f"{self.base_url}/_sandbox/{path}", timeout=10,
                                    **kwargs)
        response.raise_for_status()
        return response.json()

    def entities(self, realm: str, entity: str) -> list[dict]:
        return self.control("GET", f"companies/{realm}/entities/{entity}")[entity]

    def invoices(self, realm: str, doc_number: str) -> list[dict]:
        return [i for i in self.entities(realm, "Invoice") if i.get("DocNumber") == doc_number]

    def log(self, realm: str | None = None) -> list[dict]:
        params = {"realm": realm} if realm else {}
        return self.control("GET", "requests", params=params)["requests"]

    def token_calls(self) -> list[dict]:
        return [r for r in self.log() if r["method"] == "POST" and r["path"] == TOKEN_PATH]

    def api(self, method: str, realm: str, path: str, token: str, **kwargs) -> dict:
        """Call the Accounting API as another app would (e.g. someone typing in QuickBooks)."""
        response = requests.request(
            method, f"{self.base_url}/v3/company/{realm}/{path}", timeout=10,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def assert_exactly_once(self, realm: str) -> None:
        """Every write carried a requestid, and no DocNumber exists twice in QuickBooks."""
        writes = [r for r in self.log(realm)
                  if r["method"] == "POST" and r["path"].startswith("/v3/")
                  and not r["path"].endswith("/query")]
        assert writes, "no writes reached the sandbox"
        assert all(r.get("requestid") for r in writes), [
            r for r in writes if not r.get("requestid")]
        numbers = Counter(i.get("DocNumber") for i in self.entities(realm, "Invoice"))
        assert [n for n, times in numbers.items() if times > 1] == []


def connect_through_consent_page(client, sandbox: Sandbox, realm: str) -> QuickBooksConnection:
    """Press Connect here, Connect on the sandbox's consent page, then follow the redirect back."""
    start = client.post("/integrations/quickbooks/connect/")
    assert start.status_code == 302, start
    assert start["Location"].startswith(sandbox.base_url), start["Location"]
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200 and realm in page.text
    consent = requests.post(start["Location"], data={"action": "connect", "realm_id": realm},
                            allow_redirects=False, timeout=10)
    assert consent.status_code in (302, 303), consent.text
    back = urlsplit(consent.headers["Location"])
    done = client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})
    assert done.status_code == 302, done
    connection = QuickBooksConnection.objects.get(account=client_account(client))
    assert connection.realm_id == realm
    assert connection.status == "connected", connection.status_reason
    return connection


def client_account(client):
    from django.contrib.auth import get_user_model

    user_id = client.session["_auth_user_id"]
    return get_user_model().objects.get(pk=user_id).account


def record_of(obj, kind: str = "invoice") -> SyncRecord | None:
    return SyncRecord.objects.filter(key=f"{kind}:{obj.pk}").first()


def settled(obj, kind: str = "invoice", timeout: float = 30.0) -> SyncRecord:
    """Wait until the worker has finished with this invoice/payment: synced, blocked or failed."""

    def done():
        record = record_of(obj, kind)
        return record if record is not None and record.state in SETTLED else None

    try:
        return wait_for(done, timeout, f"{kind} {obj.pk} to settle")
    except AssertionError as error:
        record = record_of(obj, kind)
        state = (record.state, record.last_error) if record else "no record"
        raise AssertionError(f"{error}; it is {state}") from None


def synced(obj, kind: str = "invoice", timeout: float = 30.0) -> SyncRecord:
    record = settled(obj, kind, timeout)
    assert record.state == "synced", (record.state, record.last_error)
    return record


def connected_account(client, sandbox: Sandbox, country: str = "US", realm: str = US_REALM):
    """A new account whose owner is signed in and has connected it through the consent page."""
    from tests.factories import make_account, make_user

    account = make_account(country=country)
    client.force_login(make_user(account=account))
    connect_through_consent_page(client, sandbox, realm)
    return account
