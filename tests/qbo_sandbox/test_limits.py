"""Throttling, scripted faults and latency, with the sandbox clock instead of real waiting."""

from __future__ import annotations

import time

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer

from .conftest import US, control


def test_the_501st_request_in_a_minute_is_a_429_with_retry_after(us):
    control("POST", "config", {"rate_limit_per_minute": 5})
    for _ in range(5):
        assert us.get("preferences").status_code == 200
    answer = us.get("preferences")
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    # Intuit's body is XML (tests/qbo_sandbox/test_intuit_throttling.py)
    assert '<Error code="3001">' in answer.text
    assert "message=ThrottleExceeded; errorCode=003001; statusCode=429" in answer.text


def test_the_rate_window_reopens_when_the_sandbox_clock_moves_a_minute(us):
    control("POST", "config", {"rate_limit_per_minute": 2})
    us.get("preferences")
    us.get("preferences")
    assert us.get("preferences").status_code == 429
    control("POST", "clock/advance", {"seconds": 61})
    assert us.get("preferences").status_code == 200


def test_time_scale_makes_a_minute_pass_in_a_real_second(us):
    control("POST", "config", {"rate_limit_per_minute": 1, "time_scale": 120})
    us.get("preferences")
    throttled = us.get("preferences")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    time.sleep(0.6)
    assert us.get("preferences").status_code == 200


def test_batch_requests_have_their_own_per_minute_limit(us):
    control("POST", "config", {"batch_limit_per_minute": 2})
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Customer"}]}
    assert us.post("batch", batch).status_code == 200
    assert us.post("batch", batch).status_code == 200
    assert us.post("batch", batch).status_code == 429
    assert us.get("preferences").status_code == 200  # ordinary calls are still fine


def test_throttled_call_surfaces_in_python_quickbooks_as_an_unreadable_answer(qb):
    # Intuit's XML 429 is not JSON: python-quickbooks raises its "Error reading json
    # response" (code 10000); hatsync's client reads the 429 before it (client.py).
    control("POST", "faults", {"responses": [{"status": 429, "retry_after": 7}]})
    with pytest.raises(QuickbooksException) as error:
        Customer.all(qb=qb)
    assert error.value.error_code == 10000 and "ThrottleExceeded" in error.value.message


def test_scripted_faults_answer_the_next_calls_in_order_then_stop(us):
    control("POST", "faults", {"realm": US, "responses": [
        {"status": 503, "retry_after": 3}, {"status": 500}, {"status": 401}]})
    first, second, third = (us.get("preferences") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 500, 401)
    assert first.headers["Retry-After"] == "3"
    assert first.json()["Fault"]["type"] == "SystemFault"
    assert us.get("preferences").status_code == 200


def test_scripted_faults_for_another_realm_do_not_touch_this_one(us):
    control("POST", "faults", {"realm": "1234", "responses": [{"status": 500}]})
    assert us.get("preferences").status_code == 200
    assert control("GET", "faults")["pending"] == 1


def test_a_faulted_write_is_not_applied(us):
    control("POST", "faults", {"responses": [{"status": 500}]})
    assert us.post("customer", {"DisplayName": "Lost"}).status_code == 500
    assert control("GET", f"companies/{US}/entities/Customer")["Customer"] == []


def test_fault_rate_one_fails_every_call(us):
    control("POST", "config", {"fault_rate": 1.0})
    assert us.get("preferences").status_code == 500
    control("POST", "config", {"fault_rate": 0.0})
    assert us.get("preferences").status_code == 200


def test_latency_is_added_in_real_time(us):
    control("POST", "config", {"latency_ms": 150})
    started = time.monotonic()
    us.get("preferences")
    assert time.monotonic() - started >= 0.15


def test_request_log_and_counts_record_calls_and_throttles(us):
    control("DELETE", "requests")
    control("POST", "config", {"rate_limit_per_minute": 1})
    us.get("preferences", requestid="r1")
    us.get("preferences")
    log = control("GET", f"requests?realm={US}")["requests"]
    assert [r["status"] for r in log] == [200, 429]
    assert log[0]["minorversion"] == "75" and log[0]["requestid"] == "r1"
    counts = control("GET", "requests/counts")
    assert counts["throttled"] == 1
    assert counts["by_status"] == {"200": 1, "429": 1}
    assert counts["by_realm"] == {US: 2}
    assert counts["by_operation"] == {"GET preferences": 2}


def test_config_rejects_unknown_settings(rsps):
    import requests

    from .conftest import BASE

    answer = requests.post(f"{BASE}/_sandbox/config", json={"nonsense": 1})
    assert answer.status_code == 400


def customers() -> list[str]:
    return [c["DisplayName"]
            for c in control("GET", f"companies/{US}/entities/Customer")["Customer"]]


def test_a_fault_after_apply_loses_the_answer_of_a_write_that_was_applied(us):
    control("POST", "faults", {"responses": [
        {"status": 504, "on": "write", "after_apply": True}]})
    assert us.get("preferences").status_code == 200  # "on": a read does not match
    assert us.post("customer", {"DisplayName": "Applied"}).status_code == 504
    assert customers() == ["Applied"]


def test_skip_lets_matching_calls_pass_first(us):
    control("POST", "faults", {"responses": [{"status": 500, "on": "write", "skip": 1}]})
    assert us.post("customer", {"DisplayName": "First"}).status_code == 200
    assert us.post("customer", {"DisplayName": "Second"}).status_code == 500
    assert customers() == ["First"]


def test_a_batch_can_stop_after_some_of_its_operations(us):
    control("POST", "faults", {"responses": [
        {"status": 504, "on": "batch", "after_apply": True, "apply_items": 2}]})
    items = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"B{n}"}}
             for n in range(4)]
    answer = us.post("batch", {"BatchItemRequest": items}, requestid="b-1")
    assert answer.status_code == 504
    assert sorted(customers()) == ["B0", "B1"]
    # It was never answered, so its requestid is not remembered: sent again, it applies.
    again = us.post("batch", {"BatchItemRequest": items}, requestid="b-1")
    assert again.status_code == 200
    faults = [i for i in again.json()["BatchItemResponse"] if "Fault" in i]
    assert [f["Fault"]["Error"][0]["code"] for f in faults] == ["6240", "6240"]


def test_lost_answer_rate_one_applies_every_write_and_loses_its_answer(us):
    control("POST", "config", {"lost_answer_rate": 1.0})
    assert us.get("preferences").status_code == 200  # reads are never lost
    assert us.post("customer", {"DisplayName": "Kept"}).status_code == 504
    control("POST", "config", {"lost_answer_rate": 0.0})
    assert customers() == ["Kept"]
    assert control("GET", "faults")["injected"] == 1


def test_a_held_call_is_counted_while_it_waits(us):
    import threading

    control("POST", "faults", {"responses": [{"status": 503, "hold_seconds": 0.5}]})
    seen = []
    waiter = threading.Thread(target=lambda: seen.append(us.get("preferences").status_code))
    waiter.start()
    deadline = time.monotonic() + 2
    while control("GET", "faults")["holding"] != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert control("GET", "faults")["holding"] == 1
    waiter.join()
    assert seen == [503] and control("GET", "faults")["holding"] == 0
