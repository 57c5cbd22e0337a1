"""The real threaded server: persistence across restarts, concurrency, the command line."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from intuitlib.client import AuthClient

from qbo_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app
from qbo_sandbox.testing import DISCOVERY_PATH, free_port, serve, start_subprocess

from .conftest import REDIRECT_URI, US, control


def connect_over_http(base: str, realm: str = US) -> AuthClient:
    client = AuthClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, REDIRECT_URI,
                        base + DISCOVERY_PATH)
    code = control("POST", "authorize", {"realm_id": realm, "redirect_uri": REDIRECT_URI,
                                         "state": "s"}, base=base)["code"]
    client.get_bearer_token(code, realm_id=realm)
    return client


def headers(client: AuthClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.access_token}", "Accept": "application/json"}


def test_restart_on_the_same_data_dir_keeps_companies_entities_and_tokens(tmp_path):
    port = free_port()
    with serve(tmp_path, port=port, sample_data=False) as base:
        client = connect_over_http(base)
        made = requests.post(f"{base}/v3/company/{US}/customer", json={"DisplayName": "Kept"},
                             headers=headers(client)).json()["Customer"]
        control("POST", "companies", {"name": "Extra Co", "country": "GB"}, base=base)
    with serve(tmp_path, port=port) as base:
        again = requests.get(f"{base}/v3/company/{US}/customer/{made['Id']}",
                             headers=headers(client))
        assert again.status_code == 200 and again.json()["Customer"]["DisplayName"] == "Kept"
        names = [c["name"] for c in control("GET", "companies", base=base)["companies"]]
        assert "Extra Co" in names and "Sandbox Studio US" in names
        client.refresh()  # the refresh token survived too


def test_sample_realm_ids_are_the_same_on_every_fresh_start(tmp_path):
    first = create_app(tmp_path / "a")
    second = create_app(tmp_path / "b")
    try:
        realms = [c["realm_id"] for c in first.store.companies()]
        assert realms == [c["realm_id"] for c in second.store.companies()]
        assert realms[0] == US
    finally:
        first.close()
        second.close()


def test_twenty_threads_creating_customers_get_distinct_ids_and_lose_nothing(tmp_path):
    with serve(tmp_path, sample_data=False) as base:  # counts only the new customers
        client = connect_over_http(base)
        control("POST", "config", {"concurrent_limit": 100, "rate_limit_per_second": 1000},
                base=base)

        def create(n: int) -> requests.Response:
            return requests.post(f"{base}/v3/company/{US}/customer",
                                 json={"DisplayName": f"Thread {n}"}, headers=headers(client))

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(create, range(40)))
        assert all(a.status_code == 200 for a in answers)
        ids = {a.json()["Customer"]["Id"] for a in answers}
        assert len(ids) == 40
        stored = control("GET", f"companies/{US}/entities/Customer", base=base)["Customer"]
        assert len(stored) == 40


def test_more_than_the_concurrent_limit_in_flight_gets_429(tmp_path):
    with serve(tmp_path, latency_ms=300) as base:
        client = connect_over_http(base)
        control("POST", "config", {"concurrent_limit": 3}, base=base)

        def call(_: int) -> int:
            return requests.get(f"{base}/v3/company/{US}/preferences",
                                headers=headers(client)).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(call, range(8)))
        assert statuses.count(200) >= 3
        assert statuses.count(429) >= 1
        assert control("GET", "requests/counts", base=base)["throttled"] >= 1


def test_python_m_qbo_sandbox_serves_after_printing_its_ready_line(tmp_path):
    process, base = start_subprocess(tmp_path)
    try:
        doc = requests.get(base + DISCOVERY_PATH, timeout=5).json()
        assert doc["token_endpoint"] == f"{base}/oauth2/v1/tokens/bearer"
        assert requests.get(base + "/", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "sandbox.sqlite3").exists()


def test_public_url_is_used_in_the_discovery_document(tmp_path):
    with serve(tmp_path, public_url="https://qbo.example.test") as base:
        doc = requests.get(base + DISCOVERY_PATH).json()
        assert doc["authorization_endpoint"] == "https://qbo.example.test/connect/oauth2"
