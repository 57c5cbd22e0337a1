"""What the integration counts (requests, outcomes, waits, webhooks), kept where every
process on every machine adds to the same figures, and read back when Prometheus scrapes.

Web processes and Celery workers are separate processes, often on separate machines, and a
scrape reaches one web process: a counter held in process memory would show that process's
share only. So each count is one atomic increment in Redis (HINCRBYFLOAT on one hash) when
HATSYNC_METRICS_URL (by default REDIS_URL) is Redis, else in a small JSON file under
HATSYNC_VAR_DIR taken under an flock (the embedded default: one machine, several processes).
Counting never fails what is being counted: a store that cannot be reached loses the count
and says so in the log.
"""

import fcntl
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)
HASH = "hatsync:metrics"
SEPARATOR = "\x1f"  # between a counter's name and its labels in one field of the hash

# Seconds: a drain slice is cut at QBO_DRAIN_SLICE_SECONDS (30 by default); a whole backlog
# of thousands takes minutes.
DRAIN_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0, 3600.0)


def field(name: str, labels: dict[str, str]) -> str:
    """One counter's field: its name, then its labels in a fixed order."""
    return SEPARATOR.join([name, *(f"{k}={labels[k]}" for k in sorted(labels))])


def parse_field(text: str) -> tuple[str, dict[str, str]]:
    name, *pairs = text.split(SEPARATOR)
    return name, dict(pair.split("=", 1) for pair in pairs)


class RedisCounters:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def add(self, increments: dict[str, float]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key, amount in increments.items():
            pipe.hincrbyfloat(HASH, key, amount)
        pipe.execute()

    def read(self) -> dict[str, float]:
        return {k.decode(): float(v) for k, v in self.client.hgetall(HASH).items()}

    def clear(self) -> None:
        self.client.delete(HASH)


class FileCounters:
    def __init__(self, folder: Path):
        self.path = Path(folder) / "counters.json"

    @contextmanager
    def _locked(self) -> Iterator[dict[str, float]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.seek(0)
            try:
                values = json.loads(file.read() or "{}")
            except ValueError:
                values = {}
            before = dict(values)
            yield values
            if values != before:
                file.seek(0)
                file.truncate()
                file.write(json.dumps(values))

    def add(self, increments: dict[str, float]) -> None:
        with self._locked() as values:
            for key, amount in increments.items():
                values[key] = values.get(key, 0.0) + amount

    def read(self) -> dict[str, float]:
        with self._locked() as values:
            return dict(values)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


@cache
def _store_for(url: str) -> RedisCounters | FileCounters:
    if url.startswith("file://"):
        return FileCounters(Path(url.removeprefix("file://")))
    return RedisCounters(url)


def store() -> RedisCounters | FileCounters:
    return _store_for(settings.HATSYNC_METRICS_URL)


def _add(increments: dict[str, float]) -> None:
    try:
        store().add(increments)
    except Exception as error:  # a lost count must never fail a sync
        logger.warning("A metrics count was lost (%s: %s)", type(error).__name__, error)


def count(name: str, amount: float = 1.0, **labels: str) -> None:
    """Add `amount` to the counter `name` with these labels (kept bounded by the caller)."""
    _add({field(name, labels): amount})


def count_many(name: str, labels_each: Iterable[dict[str, str]]) -> None:
    """One for each label set (a bulk write of many log rows): one round trip in all."""
    increments: dict[str, float] = {}
    for labels in labels_each:
        key = field(name, labels)
        increments[key] = increments.get(key, 0.0) + 1.0
    if increments:
        _add(increments)


def observe(name: str, seconds: float, *, buckets: tuple[float, ...], **labels: str) -> None:
    """One observation of a histogram kept as counters: each bucket it falls in, its sum
    and its count (Prometheus' cumulative buckets are summed up at scrape)."""
    le = next((str(bound) for bound in buckets if seconds <= bound), "+Inf")
    _add({field(f"{name}_bucket", {**labels, "le": le}): 1.0,
          field(f"{name}_sum", labels): seconds,
          field(f"{name}_count", labels): 1.0})


def read() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
    """Every counter: (name, sorted label pairs) -> value. None when the store cannot be
    reached (the scrape still answers, with the gauges)."""
    try:
        raw = store().read()
    except Exception as error:  # a scrape still answers, with the gauges
        logger.warning("Metrics counters could not be read (%s: %s)", type(error).__name__,
                       error)
        return None
    values = {}
    for text, value in raw.items():
        name, labels = parse_field(text)
        values[(name, tuple(sorted(labels.items())))] = value
    return values


def clear() -> None:
    """Forget every count (tests, and a benchmark's fresh start)."""
    store().clear()
