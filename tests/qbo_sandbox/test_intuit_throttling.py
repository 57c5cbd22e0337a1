"""Throttling as Intuit answers it: an XML 429 whatever was asked, and 10 requests a second."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer

from .conftest import control

NS = {"q": "http://schema.intuit.com/finance/v3"}


def test_a_throttled_call_is_answered_in_xml_even_when_json_was_asked(us):
    control("POST", "config", {"rate_limit_per_minute": 1})
    us.get("preferences")
    answer = us.get("preferences")
    assert answer.status_code == 429
    assert answer.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "{http://schema.intuit.com/finance/v3}IntuitResponse"
    assert root.get("time")
    fault = root.find("q:Fault", NS)
    assert fault.get("type") == "SERVICE"
    error = fault.find("q:Error", NS)
    assert error.get("code") == "3001"
    assert error.findtext("q:Message", namespaces=NS) == (
        "message=ThrottleExceeded; errorCode=003001; statusCode=429")
    assert error.findtext("q:Detail", namespaces=NS) == (
        "The request limit was reached.  Try again later")


def test_python_quickbooks_cannot_read_the_xml_429_and_says_so(qb):
    control("POST", "faults", {"responses": [{"status": 429}]})
    with pytest.raises(QuickbooksException) as error:
        Customer.all(qb=qb)
    assert error.value.error_code == 10000
    assert "Error reading json response" in error.value.message


def test_the_eleventh_request_in_one_second_is_throttled(us):
    # Intuit's 10 (the fixture raises it for the rule tests); a sandbox second lasts 100 s
    control("POST", "config", {"rate_limit_per_second": 10, "time_scale": 0.01})
    assert [us.get("preferences").status_code for _ in range(10)] == [200] * 10
    assert us.get("preferences").status_code == 429
    control("POST", "clock/advance", {"seconds": 1.01})
    assert us.get("preferences").status_code == 200


def test_a_scripted_429_without_retry_after_has_no_retry_after_header_like_intuits(us):
    control("POST", "faults", {"responses": [{"status": 429}]})
    answer = us.get("preferences")
    assert answer.status_code == 429 and "Retry-After" not in answer.headers


def test_a_request_running_past_the_cut_is_answered_504_in_xml_and_its_write_is_kept(us):
    # Intuit cuts a request after 120 s; here the cut is 0.2 s and the call takes 0.3 s.
    control("POST", "config", {"request_cut_seconds": 0.2, "latency_ms": 300})
    answer = us.post("customer", {"DisplayName": "Cut Short"}, requestid="cut-1")
    assert answer.status_code == 504
    assert answer.headers["Content-Type"].startswith("application/xml")
    error = ET.fromstring(answer.content).find("q:Fault/q:Error", NS)
    assert error.get("code") == "6002"
    assert error.findtext("q:Message", namespaces=NS) == (
        "message=GatewayTimeout; errorCode=006002; statusCode=504")
    control("POST", "config", {"latency_ms": 0})
    names = [c["DisplayName"] for c in control(
        "GET", f"companies/{us.realm}/entities/Customer")["Customer"]]
    assert names == ["Cut Short"]
    # The same requestid again: QuickBooks answers with the object it made, not a second one.
    again = us.post("customer", {"DisplayName": "Cut Short"}, requestid="cut-1")
    assert again.status_code == 200 and again.json()["Customer"]["DisplayName"] == "Cut Short"


def test_a_request_within_the_cut_is_answered_as_usual(us):
    control("POST", "config", {"request_cut_seconds": 5, "latency_ms": 50})
    assert us.post("customer", {"DisplayName": "In Time"}).status_code == 200
