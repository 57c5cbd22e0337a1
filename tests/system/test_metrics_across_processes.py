"""System test: what a real Celery worker (another process) counts shows in the scrape this
process answers, and the metered calls are the sandbox server's own count. With REDIS_URL
(as in CI) the counters are in Redis, as in production."""

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from integrations import counters
from tests.factories import make_invoice
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import all_settled, connected_account, synced

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def test_the_workers_counts_show_in_this_processs_scrape(
    sandbox, client, celery_worker_process, settings
):
    settings.HATSYNC_METRICS_URL = celery_worker_process.metrics_url
    settings.HATSYNC_METRICS_TOKEN = "system-scrape-token"
    counters.clear()
    account = connected_account(client)  # this process's requests (connect) count there too
    invoice = send(make_invoice(account=account, number="MET-1"))
    synced(invoice)
    synced(pay(invoice, "25.00"), kind="payment")
    all_settled(account)

    response = client.get(reverse("integrations:metrics"),
                          HTTP_AUTHORIZATION="Bearer system-scrape-token")
    assert response.status_code == 200
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.content.decode())
               for s in family.samples}
    assert samples[("hatsync_metrics_counters_up", ())] == 1
    assert samples[("hatsync_sync_attempts_total",
                    (("kind", "invoice"), ("outcome", "synced")))] >= 1
    assert samples[("hatsync_sync_attempts_total",
                    (("kind", "payment"), ("outcome", "synced")))] == 1
    row = sandbox.control("GET", "requests/counts")["metered_by_realm"][US_REALM]
    for kind in ("read", "query", "cdc", "batch_query"):
        assert samples.get(("hatsync_qbo_metered_calls_total", (("kind", kind),)), 0) == \
            row[kind], kind
    assert samples[("hatsync_sync_records", (("state", "waiting"),))] == 0
