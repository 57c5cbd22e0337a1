"""The QBO sandbox (in-process, or served over real HTTP) and the OAuth steps tests replay."""

import pytest
import requests

from integrations.qbo import client as qbo_client
from qbo_sandbox.testing import serve
from tests.integrations.conftest import account_for, sandbox  # noqa: F401 - fixtures


@pytest.fixture
def served_sandbox(tmp_path, settings):
    """The sandbox as a real threaded HTTP server on loopback: requests, urllib3 and the
    sockets do their real work (and their real logging)."""
    with serve(tmp_path / "qbo", sample_data=False) as base:
        settings.QBO_ENVIRONMENT = "local"
        settings.QBO_LOCAL_SANDBOX_URL = base
        settings.QBO_CLIENT_ID = "hatsync-local"
        settings.QBO_CLIENT_SECRET = "hatsync-local-secret"
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        settings.QBO_REQUESTS_PER_MINUTE = 7000
        settings.QBO_REQUESTS_PER_SECOND = 1000  # and the sandbox's, as the minute's
        requests.post(f"{base}/_sandbox/config", json={"rate_limit_per_second": 1000},
                      timeout=10).raise_for_status()
        settings.QBO_BUDGET_URL = f"file://{tmp_path / 'budget'}"
        qbo_client._discovery_document.cache_clear()
        yield base
    qbo_client._discovery_document.cache_clear()
