"""Fixtures for the sandbox tests: an in-process app reached through `responses`, real clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests
import responses
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.objects.base import Ref

from qbo_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app
from qbo_sandbox.testing import DEFAULT_BASE_URL, DISCOVERY_PATH, mount

BASE = DEFAULT_BASE_URL
REDIRECT_URI = "http://localhost:8000/integrations/quickbooks/callback"
US = "9341453108260001"
CA = "9341453108260002"
GB = "9341453108260003"
AU = "9341453108260004"


@pytest.fixture(autouse=True)
def _plain_http_oauth(monkeypatch):
    # python-quickbooks talks through requests_oauthlib, which refuses http:// unless told.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def app(tmp_path):
    """The sandbox with bare sample companies ("Sandbox Studio US", ...), as the rule tests
    want them (a `POST reset` without "sample_data" keeps them bare)."""
    sandbox = create_app(tmp_path, sample_data=False)
    sandbox.config.rate_limit_per_second = 1000  # rule tests run fast; throttling has its own
    yield sandbox
    sandbox.close()


@pytest.fixture
def sample_app(tmp_path):
    """The sandbox as it starts by default: the four companies hold Intuit-like sample data
    ("Craig's Design and Landscaping Services", ...). Mount it with `mount(rsps, sample_app)`."""
    sandbox = create_app(tmp_path / "sample")
    sandbox.config.rate_limit_per_second = 1000
    yield sandbox
    sandbox.close()


@pytest.fixture
def rsps(app):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount(mock, app)
        yield mock


def new_auth_client(**kwargs: Any) -> AuthClient:
    return AuthClient(
        DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, REDIRECT_URI, BASE + DISCOVERY_PATH, **kwargs
    )


@pytest.fixture
def auth_client(rsps) -> AuthClient:
    return new_auth_client()


def authorize(realm: str, redirect_uri: str = REDIRECT_URI, state: str = "st") -> str:
    answer = requests.post(f"{BASE}/_sandbox/authorize", json={
        "realm_id": realm, "redirect_uri": redirect_uri, "state": state,
    })
    assert answer.status_code == 200, answer.text
    return answer.json()["code"]


def connect(auth_client: AuthClient, realm: str) -> AuthClient:
    auth_client.get_bearer_token(authorize(realm), realm_id=realm)
    return auth_client


def quickbooks_for(auth_client: AuthClient, realm: str) -> QuickBooks:
    client = QuickBooks(
        auth_client=auth_client, refresh_token=auth_client.refresh_token, company_id=realm,
        minorversion=75, use_decimal=True,
    )
    client.api_url_v3 = BASE + "/v3"
    return client


@pytest.fixture
def qb(auth_client) -> QuickBooks:
    return quickbooks_for(connect(auth_client, US), US)


@dataclass
class Api:
    """Raw JSON calls for rule tests: status and body exactly as the sandbox sends them."""

    realm: str
    token: str

    def url(self, path: str) -> str:
        return f"{BASE}/v3/company/{self.realm}/{path}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def post(self, path: str, body: dict, **params: str) -> requests.Response:
        params.setdefault("minorversion", "75")
        return requests.post(self.url(path), json=body, params=params, headers=self.headers())

    def get(self, path: str, **params: str) -> requests.Response:
        params.setdefault("minorversion", "75")
        return requests.get(self.url(path), params=params, headers=self.headers())

    def query(self, text: str) -> requests.Response:
        return requests.post(self.url("query"), data=text, params={"minorversion": "75"},
                             headers={**self.headers(), "Content-Type": "application/text"})

    def create(self, entity: str, body: dict, **params: str) -> dict:
        answer = self.post(entity.lower(), body, **params)
        assert answer.status_code == 200, answer.text
        return answer.json()[entity]

    def customer(self, name: str) -> dict:
        return self.create("Customer", {"DisplayName": name})

    def item(self, name: str, income_account: str = "1") -> dict:
        return self.create("Item", {"Name": name, "Type": "Service",
                                    "IncomeAccountRef": {"value": income_account}})

    def invoice(self, customer_id: str, lines: list[dict], **fields: Any) -> requests.Response:
        body = {"CustomerRef": {"value": customer_id}, "Line": lines, **fields}
        return self.post("invoice", body)


def sales_line(amount: Any, item: str = "1", tax_code: str | None = None, **detail: Any) -> dict:
    line_detail: dict[str, Any] = {"ItemRef": {"value": item}, **detail}
    if tax_code is not None:
        line_detail["TaxCodeRef"] = {"value": tax_code}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": line_detail}


def fault_of(answer: requests.Response) -> dict:
    return answer.json()["Fault"]["Error"][0]


def api_for(realm: str) -> Api:
    client = new_auth_client()
    connect(client, realm)
    return Api(realm, client.access_token)


@pytest.fixture
def us(rsps) -> Api:
    return api_for(US)


@pytest.fixture
def ca(rsps) -> Api:
    return api_for(CA)


@pytest.fixture
def gb(rsps) -> Api:
    return api_for(GB)


def control(method: str, path: str, body: dict | None = None, base: str = BASE) -> Any:
    answer = requests.request(method, f"{base}/_sandbox/{path}", json=body)
    assert answer.status_code < 300, answer.text
    return answer.json()


def ref(value: str, type_: str | None = None) -> Ref:
    """A python-quickbooks reference to an entity by its Id (and type, for polymorphic refs)."""
    r = Ref()
    r.value = value
    if type_:
        r.type = type_
    return r


def code_of(exc: pytest.ExceptionInfo) -> int:
    """The Intuit error code of a raised python-quickbooks exception."""
    return int(exc.value.error_code)
