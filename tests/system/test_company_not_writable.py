"""System story through the real worker: a lapsed QuickBooks company (6190) pauses the sync
after one refusal, and the sweep's probe resumes it once the subscription is renewed."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from tests.factories import make_contact, make_invoice
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM, record_for
from tests.system.helpers import connected_account, synced, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def test_a_lapsed_company_pauses_after_one_refusal_and_the_probe_resumes_it(
    sandbox, client, celery_worker_process
):
    account = connected_account(client)
    sandbox.control("POST", f"companies/{US_REALM}/status", json={"status": "lapsed"})
    sandbox.control("DELETE", "requests")
    drafts = [make_invoice(account=account, number=f"LW-{n}",
                           contact=make_contact(account=account, first_name=f"Lapsed{n}"))
              for n in range(5)]
    with transaction.atomic():  # queued together: several worker processes take them
        for draft in drafts:
            send(draft)

    def all_paused():
        records = [record_for(d) for d in drafts]
        return all(r is not None and r.paused and r.state == "needs_sync" for r in records)

    wait_for(all_paused, 60, "every invoice to wait, paused")
    refused = [r for r in sandbox.log(US_REALM) if r["status"] == 400]
    assert len(refused) == 1, refused  # one refusal, not one per invoice
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status_reason.startswith("QuickBooks is not accepting changes")
    assert record_for(drafts[0]).last_error.startswith("Paused: QuickBooks is not accepting")

    sandbox.control("POST", f"companies/{US_REALM}/status", json={"status": "active"})
    SyncRecord.objects.filter(account=account).update(  # the probe is due
        state_changed_at=timezone.now() - timedelta(hours=1))
    tasks.sweep_outbox.delay()  # what beat runs: the worker probes, then drains the rest
    for draft in drafts:
        synced(draft, timeout=60)
    assert QuickBooksConnection.objects.get(pk=connection.pk).status_reason == ""
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        f"LW-{n}" for n in range(5)]
