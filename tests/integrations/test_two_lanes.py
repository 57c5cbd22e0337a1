"""Both of QuickBooks' lanes at once: a drain sends batches of 30 while the batch budget has
room and, beside them, single requests of one object each from the rest of the company's
request budget, always leaving people's share free. Nothing is ever made twice."""

from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest

from integrations.models import SyncRecord
from integrations.qbo import budget
from invoices.models import Invoice, Payment
from tests.integrations.test_bulk import import_all, run_drain, waiting_studio
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db


@pytest.fixture
def few_batches(settings):
    """One batch request in any 10 seconds (6 a minute): the rest of a chunk has to go
    through the single lane."""
    settings.QBO_BATCHES_PER_MINUTE = 6
    settings.QBO_SINGLE_LANE_IN_FLIGHT = 4


def single_writes(sandbox, entity: str) -> list:
    return [c for c in sandbox.api_calls(f"/{entity.lower()}?")
            if c.request.method == "POST" and "operation=void" not in c.request.url]


def request_id(call) -> str:
    return parse_qs(urlparse(call.request.url).query).get("requestid", [""])[0]


def assert_each_once(sandbox, account) -> None:
    invoices = Counter(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice"))
    assert sorted(invoices) == sorted(Invoice.objects.filter(account=account)
                                      .values_list("number", flat=True))
    assert set(invoices.values()) == {1}
    payments = sandbox.entities(US_REALM, "Payment")
    assert len(payments) == Payment.objects.filter(invoice__account=account).count()
    assert not SyncRecord.objects.filter(account=account).exclude(state="synced").exists()
    sandbox.assert_exactly_once(US_REALM)


def test_a_chunk_beyond_the_batch_budget_goes_on_in_single_requests(
    sandbox, account_for, few_batches
):
    account, _ = waiting_studio(account_for, 70, contacts=12, products=4, paid=20)
    sandbox.rsps.calls.reset()
    import_all(account)
    run_drain(account)

    assert_each_once(sandbox, account)
    batches = sandbox.api_calls("/batch")
    singles = single_writes(sandbox, "Invoice")
    assert batches, "the batch lane sent nothing"
    assert len(singles) >= 30, len(singles)  # one batch in 10 s: the rest went one by one
    ids = [request_id(call) for call in singles]
    assert all(ids) and len(set(ids)) == len(ids)  # each under a requestid of its own
    assert single_writes(sandbox, "Payment")  # payments use the lane too


def test_with_the_single_lane_off_a_drain_sends_only_batches(
    sandbox, account_for, few_batches, settings
):
    settings.QBO_SINGLE_LANE_IN_FLIGHT = 0
    account, _ = waiting_studio(account_for, 40, contacts=4, products=2)
    sandbox.rsps.calls.reset()
    import_all(account)
    run_drain(account)

    assert single_writes(sandbox, "Invoice") == []
    assert_each_once(sandbox, account)


def test_a_lost_answer_in_the_single_lane_is_asked_again_under_its_requestid(
    sandbox, account_for, few_batches
):
    account, _ = waiting_studio(account_for, 40, contacts=4, products=2)
    import_all(account)
    # The first batch (customers and items) goes; then the first single writes are applied
    # by QuickBooks and their answers lost.
    sandbox.control("POST", "faults", json={"responses": [
        {"status": 504, "on": "write", "after_apply": True},
        {"status": 504, "on": "write", "after_apply": True},
        {"status": 502, "on": "write", "after_apply": True}]})
    sandbox.rsps.calls.reset()
    run_drain(account)

    assert sandbox.control("GET", "faults")["pending"] == 0
    ids = Counter(request_id(call) for call in single_writes(sandbox, "Invoice"))
    assert max(ids.values()) >= 2  # the same request went again, under the same requestid
    assert_each_once(sandbox, account)


def test_a_single_request_whose_answers_are_all_lost_is_found_before_it_goes_again(
    sandbox, account_for, few_batches, settings, monkeypatch
):
    from integrations.services import batches

    monkeypatch.setattr(batches.time, "sleep", lambda seconds: None)  # its retries' pauses
    settings.QBO_SINGLE_LANE_IN_FLIGHT = 1  # one request at a time: the faults hit one
    account, _ = waiting_studio(account_for, 40, contacts=4, products=2)
    import_all(account)
    sandbox.control("POST", "faults", json={"responses": [
        {"status": 504, "on": "write", "after_apply": True}
        for _ in range(batches.BATCH_RETRIES + 1)]})
    run_drain(account)

    assert_each_once(sandbox, account)


def test_a_token_refused_in_the_single_lane_is_refreshed_once_and_nothing_is_lost(
    sandbox, account_for, few_batches
):
    account, _ = waiting_studio(account_for, 40, contacts=4, products=2)
    import_all(account)
    sandbox.control("POST", "faults", json={"responses": [{"status": 401, "on": "write"}]})
    run_drain(account)

    assert_each_once(sandbox, account)


# -- the budget's share for people -------------------------------------------------------------


def test_the_single_lane_leaves_people_their_share_of_every_window(settings, tmp_path):
    settings.QBO_BUDGET_URL = f"file://{tmp_path / 'budget'}"
    settings.QBO_REQUESTS_PER_MINUTE = 60
    settings.QBO_REQUESTS_PER_SECOND = 1000
    settings.QBO_SINGLE_LANE_RESERVE = 0.1
    settings.QBO_LIMITS_TIME_SCALE = 1.0
    taken = 0
    while not budget.take_spare("9130"):
        taken += 1
        assert taken < 100
    # The 10-second window holds 10 of the minute's 60; the lane leaves 1 of them.
    assert taken == 9
    assert budget.take("9130") == 0  # a person's push still goes at once
    assert budget.take_spare("9130") > 0


def test_intuits_second_passes_as_fast_as_the_sandboxs_clock(settings):
    settings.QBO_REQUESTS_PER_SECOND = 9
    settings.QBO_LIMITS_TIME_SCALE = 2.0
    [second] = [w for w in budget._windows("9130", batch=False) if "requests-second" in w[0]]
    assert second[1:] == (9, 0.5)
    settings.QBO_LIMITS_TIME_SCALE = 1.0
    [second] = [w for w in budget._windows("9130", batch=False) if "requests-second" in w[0]]
    assert second[1:] == (9, 1.0)


# -- look-ups side by side ----------------------------------------------------------------------


def test_look_ups_of_more_than_one_query_go_side_by_side_and_miss_nothing(
    sandbox, account_for, settings
):
    """250 numbers are three DocNumber queries, sent at once: a number QuickBooks holds in
    the last of them still keeps its invoice out of the batches (it says why)."""
    account, made = waiting_studio(account_for, 250, contacts=3, products=2)
    sandbox.foreign_invoice(account, made[240].number)
    sandbox.rsps.calls.reset()
    import_all(account)
    run_drain(account)

    queries = [c for c in sandbox.api_calls("/query")
               if "from Invoice where DocNumber" in str(c.request.body)]
    assert len(queries) >= 3
    blocked = SyncRecord.objects.get(account=account, invoice=made[240])
    assert blocked.state == "blocked" and "already has invoice" in blocked.last_error
    assert len(sandbox.invoices(US_REALM, made[240].number)) == 1  # only the foreign one
    assert SyncRecord.objects.filter(account=account, kind="invoice", state="synced").count() \
        == 249


# -- the next chunk planned while this one waits -------------------------------------------------


def test_the_next_chunk_is_planned_while_this_ones_requests_are_out(
    sandbox, account_for, few_batches, settings, monkeypatch
):
    """Chunks of 20: the second chunk's look-ups go while the first chunk's last invoices
    are still out (their records still Syncing), not after."""
    from integrations.services import invoices as invoice_service

    settings.QBO_BULK_CHUNK = 20
    sandbox.app.config.latency_ms = 30  # answers take a moment, as Intuit's do
    account, _ = waiting_studio(account_for, 60, contacts=30, products=2)
    syncing_at_look_up = []
    original = invoice_service.free_numbers

    def counting(realm_id, numbers, **kwargs):
        syncing_at_look_up.append(SyncRecord.objects.filter(
            account=account, kind="invoice", state="syncing").count())
        return original(realm_id, numbers, **kwargs)

    monkeypatch.setattr(invoice_service, "free_numbers", counting)
    import_all(account)
    run_drain(account)

    assert len(syncing_at_look_up) == 3
    assert syncing_at_look_up[0] == 0
    assert all(count > 0 for count in syncing_at_look_up[1:]), syncing_at_look_up
    assert_each_once(sandbox, account)


def test_a_number_the_chunk_before_is_sending_waits_for_it_and_is_told_why(
    sandbox, account_for, few_batches, settings
):
    """Two long numbers that QuickBooks would get shortened alike (a pair from before the
    form refused them), one in each chunk: the first is sent, the second blocked with the
    clash named, and QuickBooks has the number once."""
    from tests.integrations.test_invoice_number_form_check import HELD, TYPED

    settings.QBO_BULK_CHUNK = 20
    account, made = waiting_studio(account_for, 30, contacts=3, products=2)
    Invoice.objects.filter(pk=made[3].pk).update(number=HELD)
    Invoice.objects.filter(pk=made[23].pk).update(number=TYPED)
    import_all(account)
    run_drain(account)

    first = SyncRecord.objects.get(account=account, invoice=made[3])
    second = SyncRecord.objects.get(account=account, invoice=made[23])
    assert first.state == "synced"
    assert second.state == "blocked" and HELD in second.last_error, second.last_error
    shortened = first.qbo_name
    assert len(sandbox.invoices(US_REALM, shortened)) == 1


def test_a_look_up_that_fails_meanwhile_leaves_the_chunk_out_recorded(
    sandbox, account_for, few_batches, settings
):
    """The second chunk's first look-up gets a 500 while the first chunk's invoices are out:
    their answers are still recorded (none left Syncing), and the drain goes on later."""
    from tests.integrations.test_bulk import run_drain as drain_until_done

    settings.QBO_BULK_CHUNK = 20
    account, _ = waiting_studio(account_for, 40, contacts=20, products=2)
    import_all(account)
    sandbox.control("POST", "faults", json={"responses": [
        {"status": 500, "on": "query", "skip": 3}]})
    from django.utils import timezone

    from integrations.models import QuickBooksConnection
    from integrations.services import bulk

    connection = QuickBooksConnection.objects.get(account=account)
    first = bulk.drain_company(connection_id=connection.pk, since=timezone.now())
    assert first.more and first.retry_after
    assert not SyncRecord.objects.filter(account=account, state="syncing").exists()
    assert SyncRecord.objects.filter(account=account, kind="invoice", state="synced").count() \
        == 20
    drain_until_done(account)
    assert_each_once(sandbox, account)
