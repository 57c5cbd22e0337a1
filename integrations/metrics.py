"""The Prometheus endpoint: /metrics, for a scraper holding HATSYNC_METRICS_TOKEN.

Two sources, so every process's work shows whichever web process answers the scrape:
- gauges read from the database at scrape time (the outbox's records by state, the age of the
  oldest waiting record, connections by status): they are what the database holds now;
- counters kept in the shared counter store (counters.py) by the code that does the work:
  sync attempts, QuickBooks requests and metered calls, budget waits and 429s, webhook
  deliveries, CDC runs, drains, token refreshes, reconnects needed.

Only the age and count of waiting records carry a company label (its realm id), for the
HATSYNC_METRICS_COMPANIES companies waiting longest: a bounded set however many companies
hatsync serves. Everything else is summed over companies.
"""

import hmac
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from . import counters
from .models import QuickBooksConnection, SyncRecord

State = SyncRecord.State

# name -> (help, label names) of every counter the code keeps (counters.count's names,
# without the _total Prometheus adds): a counter never counted yet is still reported, at 0
# for no label set.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "hatsync_sync_attempts": (
        "Attempts written to the sync log, by record kind and outcome "
        "(synced, failed, blocked, retry).", ("kind", "outcome")),
    "hatsync_qbo_requests": (
        "Accounting API requests answered by QuickBooks, by kind (write, read, query, cdc, "
        "batch) and answer (2xx, 4xx, 429, 5xx).", ("kind", "status")),
    "hatsync_qbo_metered_calls": (
        "Metered (data-out) calls, counted as the bench counts them: read, query, cdc and "
        "the query items of batches (batch_query).", ("kind",)),
    "hatsync_qbo_budget_waits": (
        "Times the company's request budget made work wait: a record put back on the queue "
        "(before_push), an undo turn ended (before_undo), a request held or refused inside "
        "a push (in_request).", ("stage",)),
    "hatsync_qbo_budget_wait_seconds": (
        "Seconds requests slept inside pushes waiting for the budget.", ("stage",)),
    "hatsync_webhook_deliveries": (
        "QuickBooks webhook deliveries, by result (accepted, refused_signature, "
        "refused_body, refused_not_configured).", ("result",)),
    "hatsync_webhook_events": ("Events in accepted webhook deliveries.", ()),
    "hatsync_cdc_runs": (
        "Change data capture calls made (read) or refused or unreachable (failed).",
        ("result",)),
    "hatsync_drain_synced": ("Records a bulk drain synced.", ()),
    "hatsync_drain_singles": (
        "Records a bulk drain handed to the one-record push (anything out of the ordinary).",
        ()),
    "hatsync_token_refreshes": (
        "Access token refreshes, by result (refreshed, refused, unavailable).", ("result",)),
    "hatsync_reconnects_needed": (
        "Connections that went to 'needs reconnect' (QuickBooks refused their tokens, or "
        "their consent reached its hard expiry).", ()),
}
HISTOGRAMS: dict[str, str] = {
    "hatsync_drain_slice_seconds": "One worker's turn draining one company's backlog.",
    "hatsync_drain_seconds": "A whole backlog drain, from its first slice to nothing left.",
}


def outbox_gauges(*, now, companies: int) -> list[Metric]:
    """The outbox as the database holds it now (no QuickBooks call)."""
    records = GaugeMetricFamily(
        "hatsync_sync_records",
        "Sync records not synced, by state: waiting (to be pushed), syncing, blocked, failed, "
        "paused (waiting for the company to be reachable: a reconnect, writes refused).",
        labels=["state"])
    by_state = dict.fromkeys(["waiting", "syncing", "blocked", "failed", "paused"], 0)
    rows = (SyncRecord.objects
            .filter(state__in=[State.NEEDS_SYNC, State.SYNCING, State.BLOCKED, State.FAILED])
            .values_list("state", "paused").annotate(n=Count("id")).order_by())
    for state, paused, n in rows:
        if paused and state == State.NEEDS_SYNC:
            name = "paused"
        else:
            name = {State.NEEDS_SYNC: "waiting"}.get(state, state)
        by_state[name] += n
    for name, n in by_state.items():
        records.add_metric([name], n)

    waiting = SyncRecord.objects.filter(state=State.NEEDS_SYNC, paused=False)
    oldest = waiting.aggregate(oldest=Min("state_changed_at"))["oldest"]
    oldest_all = GaugeMetricFamily(
        "hatsync_outbox_oldest_waiting_seconds_max",
        "Age of the oldest record waiting to be pushed, over every company (0: none waits).",
        value=(now - oldest).total_seconds() if oldest else 0.0)
    per_company = GaugeMetricFamily(
        "hatsync_outbox_oldest_waiting_seconds",
        "Age of the oldest record waiting to be pushed, for the companies waiting longest "
        "(HATSYNC_METRICS_COMPANIES of them).", labels=["realm_id"])
    count_company = GaugeMetricFamily(
        "hatsync_outbox_waiting_records",
        "Records waiting to be pushed, for the same companies.", labels=["realm_id"])
    rows = (waiting.values("realm_id").annotate(oldest=Min("state_changed_at"), n=Count("id"))
            .order_by("oldest", "realm_id")[:companies])
    for row in rows:
        per_company.add_metric([row["realm_id"]], (now - row["oldest"]).total_seconds())
        count_company.add_metric([row["realm_id"]], row["n"])
    return [records, oldest_all, per_company, count_company]


def connection_gauges() -> list[Metric]:
    connections = GaugeMetricFamily(
        "hatsync_connections", "QuickBooks connections by status (connected, "
        "needs_reconnect, disconnected, writes_refused: connected but QuickBooks refuses "
        "every write).", labels=["status"])
    by_status = dict.fromkeys([*QuickBooksConnection.Status.values, "writes_refused"], 0)
    for status, n in (QuickBooksConnection.objects.values_list("status")
                      .annotate(n=Count("id")).order_by()):
        by_status[status] += n
    by_status["writes_refused"] = QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED, writes_refused_at__isnull=False).count()
    for status, n in by_status.items():
        connections.add_metric([status], n)
    return [connections]


def counter_families(values: dict) -> list[Metric]:
    """The shared counters as Prometheus counters and histograms."""
    families = []
    for name, (help_text, label_names) in COUNTERS.items():
        family = CounterMetricFamily(name, help_text, labels=list(label_names))
        series = [(dict(labels), value) for (key, labels), value in values.items()
                  if key == f"{name}_total"]
        if not series and not label_names:
            series = [({}, 0.0)]
        for labels, value in sorted(series, key=lambda s: sorted(s[0].items())):
            family.add_metric([labels.get(label, "") for label in label_names], value)
        families.append(family)
    for name, help_text in HISTOGRAMS.items():
        per_bucket: dict[str, float] = defaultdict(float)
        for (key, labels), value in values.items():
            if key == f"{name}_bucket":
                per_bucket[dict(labels)["le"]] += value
        total, buckets = 0.0, []
        for bound in [*map(str, counters.DRAIN_BUCKETS), "+Inf"]:
            total += per_bucket.get(bound, 0.0)
            buckets.append((bound, total))
        family = HistogramMetricFamily(
            name, help_text, buckets=buckets,
            sum_value=values.get((f"{name}_sum", ()), 0.0))
        families.append(family)
    return families


class HatsyncCollector:
    """What one scrape reports (a fresh read each time)."""

    def collect(self) -> Iterator[Metric]:
        values = counters.read()
        yield GaugeMetricFamily("hatsync_metrics_counters_up", "1 when the counter store "
                                "answered this scrape (0: the counters below are missing).",
                                value=1.0 if values is not None else 0.0)
        yield from outbox_gauges(now=timezone.now(), companies=settings.HATSYNC_METRICS_COMPANIES)
        yield from connection_gauges()
        yield from counter_families(values or {})


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HatsyncCollector())
    return generate_latest(registry)


def _token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


@require_safe
def metrics_endpoint(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape. Not found unless HATSYNC_METRICS_TOKEN is set; 401 without it."""
    token = settings.HATSYNC_METRICS_TOKEN
    if not token:
        raise Http404
    if not _token_matches(request, token):
        response = HttpResponse("A bearer token is needed.", status=401,
                                content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
