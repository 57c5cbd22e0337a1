"""Webhooks as Intuit sends them: signed JSON arrays of CloudEvents, aggregated per window,
retried on failure, with drop/delay/duplicate/reorder faults for testing consumers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from qbo_sandbox import create_app
from qbo_sandbox.entities import Books
from qbo_sandbox.testing import serve

from .conftest import CA, US, control, sales_line
from .test_contract_quickbooks import make_customer, make_invoice
from .test_server import connect_over_http, headers

TOKEN = "verifier-token-123"


class Receiver:
    """A tiny HTTP endpoint on a free port recording every POST; `answers` are the statuses
    (and `delays` the seconds before answering) for the next POSTs, then 200 at once."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.delays: list[float] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                delay = receiver.delays.pop(0) if receiver.delays else 0
                status = receiver.answers.pop(0) if receiver.answers else 200
                time.sleep(delay)
                receiver.posts.append({"body": body, "headers": dict(self.headers),
                                       "at": time.monotonic(), "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/qbo"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def events(self, *, ok_only: bool = True) -> list[dict[str, Any]]:
        return [event for post in self.posts if post["status"] == 200 or not ok_only
                for event in json.loads(post["body"])]

    def types(self) -> list[tuple[str, str]]:
        return [(e["type"], e["intuitentityid"]) for e in self.events()]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(rsps) -> Iterator[Receiver]:
    endpoint = Receiver()
    rsps.add_passthru(endpoint.url)  # the sandbox's own POSTs leave the responses mock
    yield endpoint
    endpoint.close()


def register(url: str, **extra: Any) -> dict:
    """Flush-only delivery and immediate retries unless a test says otherwise."""
    control("POST", "config", {"webhook_window": 0, "webhook_retry_seconds": 0})
    return control("POST", "webhooks", {"url": url, "verifier_token": TOKEN, **extra})


def flush() -> list[dict]:
    return control("POST", "webhooks/flush")["deliveries"]


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("timed out")


def signed_with(token: str, post: dict) -> bool:
    expected = base64.b64encode(hmac.new(token.encode(), post["body"], hashlib.sha256).digest())
    return hmac.compare_digest(expected.decode(), post["headers"]["intuit-signature"])


def test_invoice_made_with_python_quickbooks_arrives_as_a_signed_cloudevents_array(
        qb, receiver):
    register(receiver.url)
    customer = make_customer(qb, "Hook Customer")
    invoice = make_invoice(qb, customer.Id, "120.00")

    [delivery] = flush()

    assert delivery["status"] == 200 and delivery["event_count"] == 2
    [post] = receiver.posts
    assert post["headers"]["Content-Type"] == "application/json"
    assert signed_with(TOKEN, post) and not signed_with("another-token", post)
    events = json.loads(post["body"])
    assert [(e["type"], e["intuitentityid"]) for e in events] == [  # by latest change
        ("qbo.invoice.created.v1", invoice.Id),
        ("qbo.customer.created.v1", customer.Id),  # created, then its Balance updated: merged
    ]
    for event in events:
        assert set(event) == {"specversion", "id", "source", "type", "datacontenttype", "time",
                              "intuitentityid", "intuitaccountid", "data"}
        assert event["specversion"] == "1.0" and event["datacontenttype"] == "application/json"
        assert event["source"].startswith("intuit.") and event["data"] == {}
        assert event["intuitaccountid"] == US
        assert uuid.UUID(event["id"]).version == 4
        assert event["time"].endswith("Z") and datetime.fromisoformat(event["time"])
    assert delivery["ids"] == [e["id"] for e in events]
    assert flush() == []  # nothing left


def test_payment_void_and_delete_have_their_own_types_and_the_entity_filter_holds(us, receiver):
    register(receiver.url, entities=["Invoice", "Payment"])
    ana = us.customer("Ana Hooks")
    invoice = us.invoice(ana["Id"], [sales_line(80)]).json()["Invoice"]
    flush()
    assert receiver.types() == [("qbo.invoice.created.v1", invoice["Id"])]  # no Customer

    payment = us.create("Payment", {"CustomerRef": {"value": ana["Id"]}, "TotalAmt": 30, "Line": [
        {"Amount": 30, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    flush()
    assert set(receiver.types()[1:]) == {("qbo.invoice.updated.v1", invoice["Id"]),
                                         ("qbo.payment.created.v1", payment["Id"])}

    current = us.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    us.post("invoice", {"Id": invoice["Id"], "SyncToken": current["SyncToken"]},
            operation="void")
    flush()
    assert set(receiver.types()[3:]) == {("qbo.payment.updated.v1", payment["Id"]),
                                         ("qbo.invoice.voided.v1", invoice["Id"])}

    other = us.invoice(ana["Id"], [sales_line(10)]).json()["Invoice"]
    flush()
    deleted = us.post("invoice", {"Id": other["Id"], "SyncToken": other["SyncToken"]},
                      operation="delete")
    assert deleted.status_code == 200
    flush()
    assert receiver.types()[5:] == [("qbo.invoice.created.v1", other["Id"]),
                                    ("qbo.invoice.deleted.v1", other["Id"])]


def test_a_realm_filter_and_unconnected_or_control_api_changes_send_nothing(us, receiver):
    register(receiver.url, realm=CA)
    us.customer("Only In US")
    assert flush() == []
    control("POST", "webhooks", {"url": receiver.url, "verifier_token": TOKEN})  # all realms
    control("POST", "companies", {"name": "New Co", "country": "GB"})  # its defaults: no events
    control("POST", "reset")  # wiping and re-creating the samples: no events either
    status = control("GET", "webhooks")
    assert status["pending_changes"] == 0 and len(status["webhooks"]) == 1
    assert flush() == [] and receiver.posts == []


def test_a_receiver_answering_500_gets_the_same_events_again(us, receiver):
    register(receiver.url)
    receiver.answers = [500]
    made = us.customer("Retry Me")

    [first] = flush()
    assert (first["status"], first["outcome"], first["attempt"]) == (500, "retrying", 1)
    [second] = flush()
    assert (second["status"], second["outcome"], second["attempt"]) == (200, "delivered", 2)
    assert receiver.posts[0]["body"] == receiver.posts[1]["body"]  # same event ids
    assert receiver.types() == [("qbo.customer.created.v1", made["Id"])]
    stats = control("GET", "webhooks")["webhooks"][0]["stats"]
    assert (stats["delivered"], stats["failed_attempts"], stats["events"]) == (1, 1, 1)


def test_retries_back_off_and_give_up_after_the_maximum_attempts(us, receiver):
    register(receiver.url)
    control("POST", "config", {"webhook_max_attempts": 2, "webhook_retry_seconds": 0.3})
    receiver.answers = [503, 503]
    us.customer("Never Lands")
    assert [d["outcome"] for d in flush()] == ["retrying"]
    assert flush() == []  # the retry waits 0.3 s
    time.sleep(0.35)
    assert [d["outcome"] for d in flush()] == ["failed"]
    time.sleep(0.3)
    assert flush() == [] and len(receiver.posts) == 2
    assert control("GET", "webhooks")["webhooks"][0]["stats"]["failed"] == 1


def test_a_slow_receiver_times_out_and_is_retried(us, receiver):
    register(receiver.url)
    control("POST", "config", {"webhook_timeout": 0.2})
    receiver.delays = [0.6]
    us.customer("Slow Hook")
    [first] = flush()
    assert first["status"] == "error: ReadTimeout" and first["outcome"] == "retrying"
    assert flush()[0]["outcome"] == "delivered"


def test_the_delivery_thread_sends_each_window_and_retries_with_backoff(us, receiver):
    register(receiver.url)
    receiver.answers = [500]
    control("POST", "config", {"webhook_window": 0.05, "webhook_retry_seconds": 0.1})
    made = us.customer("Background")
    wait_until(lambda: len(receiver.posts) == 2)
    assert receiver.posts[1]["at"] - receiver.posts[0]["at"] >= 0.1
    assert receiver.types() == [("qbo.customer.created.v1", made["Id"])]


def test_drop_fault_loses_the_next_delivery(us, receiver):
    register(receiver.url)
    assert control("POST", "webhooks/faults", {"drop": 1})["pending"]["drop"] == 1
    us.customer("Lost")
    assert flush() == []
    kept = us.customer("Kept")
    flush()
    assert receiver.types() == [("qbo.customer.created.v1", kept["Id"])]
    status = control("GET", "webhooks")
    assert status["faults"]["injected"]["dropped"] == 1
    assert [e["outcome"] for e in status["log"]] == ["dropped", "delivered"]
    assert control("POST", "webhooks/faults", {"drop": 0.25})["pending"]["drop_rate"] == 0.25
    assert control("DELETE", "webhooks/faults")["pending"]["drop_rate"] == 0


def test_delay_fault_lets_a_later_delivery_overtake(us, receiver):
    register(receiver.url)
    control("POST", "webhooks/faults", {"delay_seconds": 0.3})
    first = us.customer("Late")
    started = time.monotonic()
    assert flush() == []
    second = us.customer("Early")
    flush()
    wait_until(lambda: flush() or len(receiver.posts) == 2)
    assert time.monotonic() - started >= 0.3
    assert [e["intuitentityid"] for e in receiver.events()] == [second["Id"], first["Id"]]


def test_duplicate_fault_sends_the_same_body_twice(us, receiver):
    register(receiver.url)
    control("POST", "webhooks/faults", {"duplicate": 1})
    us.customer("Twice")
    assert len(flush()) == 2
    assert receiver.posts[0]["body"] == receiver.posts[1]["body"]
    us.customer("Once")
    assert len(flush()) == 1
    assert control("GET", "webhooks/faults")["injected"]["duplicated"] == 1


def test_reorder_fault_sends_the_later_events_first_in_two_posts(us, receiver):
    register(receiver.url)
    control("POST", "webhooks/faults", {"reorder": True})
    a, b = us.customer("First A"), us.customer("Second B")
    assert len(flush()) == 2
    assert [json.loads(p["body"])[0]["intuitentityid"] for p in receiver.posts] == [
        b["Id"], a["Id"]]


def test_writes_rolled_back_by_faults_produce_no_event(app, us, receiver):
    register(receiver.url)
    control("POST", "faults", {"responses": [{"status": 500, "on": "write"}]})
    assert us.post("customer", {"DisplayName": "Refused"}).status_code == 500
    answer = us.post("batch", {"BatchItemRequest": [
        {"bId": "ok", "operation": "create", "Customer": {"DisplayName": "Batch Ok"}},
        {"bId": "bad", "operation": "create", "Invoice": {"CustomerRef": {"value": "999"},
                                                         "Line": [sales_line(5)]}},
    ]}).json()
    assert "Fault" in answer["BatchItemResponse"][1]
    with pytest.raises(RuntimeError), app.store.transaction():
        app.store.put_entity(US, "Customer", {"Id": "9999", "DisplayName": "Rolled Back"})
        raise RuntimeError("abort")
    control("POST", "faults", {"responses": [{"status": 504, "after_apply": True}]})
    assert us.post("customer", {"DisplayName": "Applied Lost"}).status_code == 504

    flush()
    ids = [e["intuitentityid"] for e in receiver.events()]
    made = {c["DisplayName"]: c["Id"] for c in us.query(
        "select * from Customer").json()["QueryResponse"]["Customer"]}
    assert ids == [made["Batch Ok"], made["Applied Lost"]]
    assert "Refused" not in made and "9999" not in ids


def test_writes_outside_the_api_like_the_bookkeeper_pages_are_captured_too(app, us, receiver):
    register(receiver.url, entities=["Customer"])
    with app.store.transaction():  # what the pages do: Books in one store transaction
        made = Books(app.store, app.store.company(US), app.clock.now()).create(
            "Customer", {"DisplayName": "Made On A Page"}, {})
    flush()
    assert receiver.types() == [("qbo.customer.created.v1", made["Id"])]


def test_event_time_is_the_sandbox_clock(us, receiver):
    register(receiver.url)
    control("POST", "clock/advance", {"seconds": 1800})  # tokens live 3600 s
    now = control("GET", "clock")["now"]
    us.customer("Future")
    flush()
    [event] = receiver.events()
    assert abs(datetime.fromisoformat(event["time"]).timestamp() - now) < 5


def test_registration_survives_a_restart_and_delete_clears_it(tmp_path):
    first = create_app(tmp_path)
    first.webhooks.register("http://127.0.0.1:9/hook", TOKEN, entities=["Invoice"])
    first.close()
    second = create_app(tmp_path)
    try:
        [kept] = second.webhooks.registrations()
        assert (kept["url"], kept["entities"]) == ("http://127.0.0.1:9/hook", ["Invoice"])
        assert second.webhooks._thread is not None and second.webhooks._thread.is_alive()
        second.webhooks.clear()
        assert second.webhooks.registrations() == []
    finally:
        second.close()
    assert not second.webhooks._thread.is_alive()


def test_over_a_real_server_the_thread_delivers_without_flush(tmp_path):
    endpoint = Receiver()
    try:
        with serve(tmp_path) as base:
            client = connect_over_http(base)
            control("POST", "config", {"webhook_window": 0.05}, base=base)
            control("POST", "webhooks", {"url": endpoint.url, "verifier_token": TOKEN,
                                         "entities": ["Customer"]}, base=base)
            made = requests.post(f"{base}/v3/company/{US}/customer",
                                 json={"DisplayName": "Over HTTP"},
                                 headers=headers(client)).json()["Customer"]
            wait_until(lambda: endpoint.posts)
            assert endpoint.types() == [("qbo.customer.created.v1", made["Id"])]
            assert signed_with(TOKEN, endpoint.posts[0])
            log = control("GET", "webhooks", base=base)["log"]
            assert log[0]["url"] == endpoint.url and log[0]["status"] == 200
    finally:
        endpoint.close()
