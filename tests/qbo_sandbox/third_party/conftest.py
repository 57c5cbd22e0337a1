"""Run python-quickbooks' own integration tests (ej2/python-quickbooks, tests/integration/)
unchanged against the sandbox.

Those files import `tests.integration.test_base.QuickbooksTestCase`, which in the library
builds a client for Intuit's sandbox from environment variables. This conftest puts a module
of that name in place whose `QuickbooksTestCase` does what the library's does, but against an
in-process sandbox with sample data (the US company, Intuit's "Craig's Design and
Landscaping Services"), set up as the library's maintainers' sandbox company was for these
tests: multicurrency on, Canadian dollars as CompanyCurrency 1.

The library's files are not kept in this repository (see README.md here for which files,
from which commit, and how to run them).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import types
import unittest

import requests
import responses
from quickbooks import QuickBooks

from qbo_sandbox import create_app
from qbo_sandbox.testing import mount

from ..conftest import BASE, US, connect, new_auth_client


class QuickbooksTestCase(unittest.TestCase):
    """The library's QuickbooksTestCase, pointed at the sandbox: `self.auth_client`,
    `self.qb_client` (minorversion and company as the library's, base URL the sandbox's)."""

    def setUp(self) -> None:
        super().setUp()
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http to the sandbox
        data_dir = tempfile.mkdtemp(prefix="qbo-sandbox-third-party-")
        self.addCleanup(shutil.rmtree, data_dir, True)
        app = create_app(data_dir)  # sample data, as Intuit's sandbox companies have
        app.config.rate_limit_per_second = 1000
        # Intuit-like latency on every API call, e.g. QBO_SANDBOX_LATENCY_MS=150 (default 0)
        app.config.latency_ms = float(os.environ.get("QBO_SANDBOX_LATENCY_MS", "0"))
        self.addCleanup(app.close)
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        mock.start()
        self.addCleanup(mock.stop)
        self.addCleanup(mock.reset)
        mount(mock, app)
        answer = requests.patch(f"{BASE}/_sandbox/companies/{US}/preferences",
                                json={"multicurrency": True})
        answer.raise_for_status()
        self.auth_client = connect(new_auth_client(), US)
        token = self.auth_client.access_token
        added = requests.post(f"{BASE}/v3/company/{US}/companycurrency", json={"Code": "CAD"},
                              headers={"Authorization": f"Bearer {token}",
                                       "Accept": "application/json"})
        added.raise_for_status()
        self.qb_client = QuickBooks(minorversion=75, auth_client=self.auth_client,
                                    refresh_token=self.auth_client.refresh_token,
                                    company_id=US)
        self.qb_client.api_url_v3 = BASE + "/v3"


def _install_test_base() -> None:
    package = sys.modules.setdefault("tests.integration", types.ModuleType("tests.integration"))
    package.__path__ = []  # type: ignore[attr-defined]
    module = types.ModuleType("tests.integration.test_base")
    module.QuickbooksTestCase = QuickbooksTestCase  # type: ignore[attr-defined]
    sys.modules["tests.integration.test_base"] = module
    package.test_base = module  # type: ignore[attr-defined]


_install_test_base()
