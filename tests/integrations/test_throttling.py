"""QuickBooks' own 429, as Intuit sends it (XML, no Retry-After): hatsync reads it, waits the
60 seconds Intuit asks for, says so in the sync log, and goes on; the budget keeps 10 a second."""

import pytest

from integrations.models import SyncLog, SyncRecord
from integrations.qbo import budget
from integrations.qbo.client import intuit_fault_from_xml
from integrations.services import sync
from tests.factories import make_invoice
from tests.integrations.conftest import send
from tests.integrations.test_rate_limit import FakeClock
from tests.sandbox_helpers import US_REALM

INTUIT_429 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2017-07-30T22:45:22.933-07:00" xmlns="http://schema.intuit.com/finance/v3">
    <Fault type="SERVICE">
        <Error code="3001">
            <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
            <Detail>The request limit was reached.  Try again later</Detail>
        </Error>
    </Fault>
</IntuitResponse>"""


def test_intuits_xml_fault_is_read_into_code_message_and_detail():
    assert intuit_fault_from_xml(INTUIT_429) == (
        "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later")


def test_a_body_that_is_not_intuits_xml_reads_as_nothing():
    assert intuit_fault_from_xml('{"Fault": {}}') is None
    assert intuit_fault_from_xml("<html>Bad gateway</html>") is None


@pytest.mark.django_db
def test_an_xml_429_waits_60_seconds_and_the_sync_log_says_so(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-1"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    sandbox.control("POST", "faults", json={"responses": [{"status": 429}]})
    outcome = sync.sync_record(record_id=record.pk)
    assert outcome.retryable and outcome.retry_after == 60
    entry = SyncLog.objects.filter(record=record).latest("pk")
    assert entry.outcome == "retry" and entry.qbo_error_code == "3001"
    assert entry.message == (
        "QuickBooks is getting too many requests for this company right now, so hatsync "
        "waits the 60 seconds QuickBooks asks for and then tries again by itself. "
        "Nothing to do.")
    assert "<" not in entry.message
    assert sync.sync_record(record_id=record.pk).state == "synced"  # after the wait


@pytest.mark.django_db
def test_the_60_second_wait_runs_as_fast_as_the_local_sandbox_clock(
    sandbox, account_for, settings
):
    settings.QBO_LIMITS_TIME_SCALE = 4
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-2"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    sandbox.control("POST", "faults", json={"responses": [{"status": 429}]})
    assert sync.sync_record(record_id=record.pk).retry_after == 15


def test_the_budget_keeps_to_its_requests_a_second(settings, tmp_path, monkeypatch):
    clock = FakeClock()
    store = budget.FileStore(tmp_path / "budget", clock=clock.time)
    monkeypatch.setattr(budget, "store", lambda: store)
    settings.QBO_REQUESTS_PER_MINUTE = 480  # a burst window of 80 in 10 s: 10/s binds first
    settings.QBO_REQUESTS_PER_SECOND = 10  # Intuit's limit (hatsync keeps to 9 by default)
    taken = [budget.take("fast") == 0 for _ in range(15)]
    assert taken == [True] * 10 + [False] * 5
    assert 0 < budget.wait_seconds("fast") <= 1
    clock.now += 1.01
    assert budget.take("fast") == 0


@pytest.mark.django_db
def test_a_write_cut_at_intuits_request_limit_lands_exactly_once(sandbox, account_for):
    """Intuit cuts a request at 120 s (504 GatewayTimeout, in XML) and keeps what it did:
    the record keeps its requestid and the next attempt is answered with that object."""
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="T-3"))
    record = SyncRecord.objects.get(key=f"invoice:{invoice.pk}")
    sandbox.control("POST", "config", json={"request_cut_seconds": 0.15, "latency_ms": 200})
    outcome = sync.sync_record(record_id=record.pk)
    assert outcome.retryable and outcome.state == "needs_sync"
    entry = SyncLog.objects.filter(record=record).latest("pk")
    assert entry.qbo_error_code == "6002" and "(504)" in entry.message
    sandbox.control("POST", "config", json={"request_cut_seconds": 120, "latency_ms": 0})
    assert sync.sync_record(record_id=record.pk).state == "synced"
    assert len(sandbox.invoices(US_REALM, "T-3")) == 1
    sandbox.assert_exactly_once(US_REALM)
