"""Import Invoices' progress card is honest (issue 20, item 10): the estimate comes from the
measured pace, counts down while nothing lands (never rises during a wait unless the wait is
what it says), is absent until something landed; the invoices on the screen go first; the
card ends cleanly (no "a few minutes", no hint, once done)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import rules
from integrations.models import BulkSyncJob, SyncRecord
from integrations.services import imports
from tests.integrations.conftest import run_outbox
from tests.integrations.test_bulk import batch_bodies, run_drain, waiting_studio
from tests.integrations.test_import_screen import progress, waiting_import  # noqa: F401

pytestmark = pytest.mark.django_db

T0 = timezone.now()


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def test_the_estimate_comes_from_the_measured_pace_and_counts_down_while_waiting():
    # 10 of 100 landed in the first 20 s: 2 s each, 180 s for the 90 left.
    first = rules.seconds_left(total=100, done=10, started_at=at(0), last_done_at=at(20),
                               now=at(20))
    assert first == 180
    # Nothing lands for 15 s (a wait for QuickBooks' limit): the figure counts down.
    later = [rules.seconds_left(total=100, done=10, started_at=at(0), last_done_at=at(20),
                                now=at(20 + s), wait_seconds=1) for s in range(0, 16, 5)]
    assert later == sorted(later, reverse=True) and later[-1] == 165
    # A wait longer than the figure is the figure (the screen says it waits, and why).
    assert rules.seconds_left(total=100, done=99, started_at=at(0), last_done_at=at(99),
                              now=at(99), wait_seconds=40) == 40


def test_no_estimate_without_data_or_once_finished():
    assert rules.seconds_left(total=10, done=0, started_at=at(0), last_done_at=None,
                              now=at(30)) is None
    assert rules.seconds_left(total=10, done=10, started_at=at(0), last_done_at=at(9),
                              now=at(9)) is None
    # Slower than measured, no wait: no figure rather than a wrong one.
    assert rules.seconds_left(total=10, done=5, started_at=at(0), last_done_at=at(5),
                              now=at(60)) is None


def test_durations_read_as_a_person_says_them():
    assert rules.duration_words(40) == "40 s"
    assert rules.duration_words(200) == "3 min"


def test_the_card_never_rises_while_nothing_lands(waiting_import, client):  # noqa: F811
    _account, invoices, job = waiting_import
    # 1 of 3 landed 10 s after the start; 4 s later, then 9 s later, nothing more landed.
    readings = []
    for since_landing in (4, 9):
        now = timezone.now()
        BulkSyncJob.objects.filter(pk=job.pk).update(
            created_at=now - timedelta(seconds=10 + since_landing))
        SyncRecord.objects.filter(invoice=invoices[0]).update(
            state="synced", state_changed_at=now - timedelta(seconds=since_landing))
        readings.append(progress(client, job))
    first, second = readings
    assert 15 <= first["eta_seconds"] <= 17 and 10 <= second["eta_seconds"] <= 12
    assert first["eta_text"] == f"About {first['eta_seconds']} s left."


def test_the_invoices_on_the_screen_go_first(sandbox, account_for, client, settings):
    settings.QBO_BULK_CHUNK = 5
    account, made = waiting_studio(account_for, 15)
    on_screen = [invoice.pk for invoice in made[-5:]]  # the last created: a later page's
    client.post("/import-invoices/sync/", {"all": "1", "shown": on_screen})
    sandbox.rsps.calls.reset()
    run_drain(account)
    first_batch = next(body for body in batch_bodies(sandbox)
                       if any("Invoice" in item for item in body["BatchItemRequest"]))
    numbers = {item["Invoice"]["DocNumber"] for item in first_batch["BatchItemRequest"]
               if "Invoice" in item}
    assert numbers == {invoice.number for invoice in made[-5:]}, json.dumps(sorted(numbers))
    assert SyncRecord.objects.filter(account=account, kind="invoice", state="synced"
                                     ).count() == 15


def test_a_later_import_takes_the_first_place(sandbox, account_for):
    account, made = waiting_studio(account_for, 4)
    imports.sync_many(account=account, user=None, invoice_ids=[made[0].pk],
                      first_ids=[made[0].pk])
    imports.sync_many(account=account, user=None, invoice_ids=[i.pk for i in made[1:]],
                      first_ids=[made[3].pk])
    first = SyncRecord.objects.filter(account=account, kind="invoice", priority__gt=0)
    assert list(first.values_list("invoice_id", flat=True)) == [made[3].pk]


def test_the_card_ends_cleanly(waiting_import, client):  # noqa: F811
    account, _invoices, job = waiting_import
    running = client.get(f"/import-invoices/?job={job.pk}").content.decode()
    assert 'data-role="hint"' in running and "few minutes" not in running
    run_outbox(account)
    done = client.get(f"/import-invoices/?job={job.pk}").content.decode()
    assert "Done: 3 synced." in done
    assert 'data-role="hint"' not in done and "few minutes" not in done
    assert "left." not in done and "badge-syncing" not in done
    answer = progress(client, job)
    assert answer["finished"] and answer["eta_seconds"] is None and answer["eta_text"] == ""
