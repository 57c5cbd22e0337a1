"""The QBO sandbox (in-process, or served over real HTTP) and the OAuth steps tests replay."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from integrations.qbo import client as qbo_client
from qbo_sandbox.testing import serve
from tests.integrations.conftest import US_REALM, account_for, sandbox  # noqa: F401


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


@pytest.fixture
def served_sandbox(tmp_path, settings):
    """The sandbox as a real threaded HTTP server on loopback: requests, urllib3 and the
    sockets do their real work (and their real logging)."""
    with serve(tmp_path / "qbo") as base:
        settings.QBO_ENVIRONMENT = "local"
        settings.QBO_LOCAL_SANDBOX_URL = base
        settings.QBO_CLIENT_ID = "hatsync-local"
        settings.QBO_CLIENT_SECRET = "hatsync-local-secret"
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        settings.QBO_REQUESTS_PER_MINUTE = 7000
        settings.QBO_BUDGET_URL = f"file://{tmp_path / 'budget'}"
        qbo_client._discovered_auth_client.cache_clear()
        yield base
    qbo_client._discovered_auth_client.cache_clear()
