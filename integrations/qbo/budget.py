"""QuickBooks' per-company request limits, kept by every worker on every machine together.

Intuit allows each company 500 requests a minute and 40 batch requests a minute (a batch
counts against both; shared/QBO-FACTS.md). We keep a moving window of each company's last
minute of requests, never fixed windows (which waste up to a quarter of the limit), and use
96% and 95% of the limits by default: the rest is room for clocks and latency, so QuickBooks
never has to answer 429. A second, 10-second moving window holds a sixth of the minute's
budget: bursts stay short, so a fast import never spends a whole minute's budget at once and
then stands still for most of the next (the longest pause is `longest_pause_seconds()`, 10 s),
while a whole minute still uses all of its budget. Intuit also allows a company only 10
requests a second (its "API call limits and throttles" page): a one-second moving window keeps
QBO_REQUESTS_PER_SECOND (9); in the local sandbox, whose clock may run faster, that second
passes faster too, as the sandbox counts it.

A drain sends most of an import in batches (30 objects a request, 40 batch requests a minute)
and, beside them, single requests (one object each) from the rest of the minute's 500: its
single lane takes a request only while every window keeps QBO_SINGLE_LANE_RESERVE of it free
for people's own pushes (`take_spare`).

Where the window lives: Redis when REDIS_URL is set (a sorted set of moments per window,
changed under the company's Redis lock), else a small file per company under
HATSYNC_VAR_DIR, taken under an flock (the embedded default: one machine, several processes).
"""

import fcntl
import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import redis
from django.conf import settings

MINUTE = 60.0
BURST_SECONDS = 10
BURST_SHARE = 1.0  # of an even share (1/6) of the minute; more gives longer pauses


class RedisStore:
    """The moving window in Redis, shared by every machine: a sorted set of the moments of
    the window's requests. Every change happens under the company's lock (`locked`), so a
    read and the write after it are one step."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time):
        self.redis = redis.Redis.from_url(url)
        self.clock = clock

    def _count(self, key: str, period: float) -> tuple[int, float]:
        now = self.clock()
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", now - period)
        pipe.zcard(key)
        return pipe.execute()[1], now

    def _until(self, key: str, count: int, limit: int, period: float, now: float) -> float:
        """Seconds until the window holds fewer than `limit` (it holds `count`)."""
        [(_, oldest)] = self.redis.zrange(key, count - limit, count - limit, withscores=True)
        return max(0.01, oldest + period - now)

    def take(self, key: str, limit: int, period: float) -> float:
        count, now = self._count(key, period)
        if count >= limit:
            return self._until(key, count, limit, period, now)
        pipe = self.redis.pipeline()
        pipe.zadd(key, {f"{now!r}:{uuid.uuid4().hex[:8]}": now})
        pipe.expire(key, math.ceil(period) + 1)
        pipe.execute()
        return 0.0

    def wait(self, key: str, limit: int, period: float) -> float:
        count, now = self._count(key, period)
        return self._until(key, count, limit, period, now) if count >= limit else 0.0

    def room(self, key: str, limit: int, period: float, keep: int) -> float:
        return self.wait(key, limit - keep, period)

    def free(self, key: str, limit: int, period: float) -> int:
        return max(0, limit - self._count(key, period)[0])

    @contextmanager
    def locked(self, realm_id: str) -> Iterator[None]:
        """One taker at a time per company, on every machine (a short Redis lock)."""
        with self.redis.lock(f"qbo-budget-lock:{realm_id}", timeout=5, blocking_timeout=10):
            yield

    def clear(self) -> None:
        keys = list(self.redis.scan_iter(match="qbo-budget:*"))
        if keys:
            self.redis.delete(*keys)


class FileStore:
    """The moving window in a file per key, for processes on one machine."""

    def __init__(self, folder: Path, clock: Callable[[], float] = time.time):
        self.folder = Path(folder)
        self.clock = clock

    @contextmanager
    def _window(self, key: str, period: float) -> Iterator[list[float]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / (re.sub(r"[^\w.-]", "_", key) + ".json")
        with open(path, "a+") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            file.seek(0)
            try:
                stamps = json.loads(file.read() or "[]")
            except ValueError:
                stamps = []
            now = self.clock()
            stamps = [stamp for stamp in stamps if stamp > now - period]
            yield stamps
            file.seek(0)
            file.truncate()
            file.write(json.dumps(stamps))

    @contextmanager
    def locked(self, realm_id: str) -> Iterator[None]:
        """One taker at a time per company, across the processes of this machine."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / (re.sub(r"[^\w.-]", "_", realm_id) + ".lock"), "a") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            yield

    def take(self, key: str, limit: int, period: float) -> float:
        return self._use(key, limit, period, take=True)

    def room(self, key: str, limit: int, period: float, keep: int) -> float:
        return self._use(key, limit - keep, period, take=False)

    def wait(self, key: str, limit: int, period: float) -> float:
        return self._use(key, limit, period, take=False)

    def free(self, key: str, limit: int, period: float) -> int:
        with self._window(key, period) as stamps:
            return max(0, limit - len(stamps))

    def _use(self, key: str, limit: int, period: float, *, take: bool) -> float:
        with self._window(key, period) as stamps:
            now = self.clock()
            if len(stamps) >= limit:
                return max(0.01, stamps[len(stamps) - limit] + period - now)
            if take:
                stamps.append(now)
            return 0.0

    def clear(self) -> None:
        for path in self.folder.glob("*.json"):
            path.unlink(missing_ok=True)


@cache
def _store_for(url: str) -> RedisStore | FileStore:
    if url.startswith("file://"):
        return FileStore(Path(url.removeprefix("file://")))
    return RedisStore(url)


def store() -> RedisStore | FileStore:
    return _store_for(settings.QBO_BUDGET_URL)


def burst_limit(per_minute: int) -> int:
    return max(1, math.ceil(per_minute * BURST_SECONDS / MINUTE * BURST_SHARE))


def longest_pause_seconds(per_minute: int | None = None) -> float:
    """The longest a steady stream of requests can stand still waiting for the budget."""
    per_minute = per_minute or settings.QBO_REQUESTS_PER_MINUTE
    bursts = math.ceil(per_minute / burst_limit(per_minute))
    return MINUTE - (bursts - 1) * BURST_SECONDS


def _windows(realm_id: str, batch: bool) -> list[tuple[str, int, float]]:
    """(key, limit, seconds) of every window one request counts in.

    QBO_LIMITS_TIME_SCALE > 1 shortens every window (only for the local sandbox, whose clock
    runs that much faster in benchmarks); against Intuit it is always 1."""
    scale = settings.QBO_LIMITS_TIME_SCALE
    kinds = [("requests", settings.QBO_REQUESTS_PER_MINUTE)]
    if batch:
        kinds.append(("batches", settings.QBO_BATCHES_PER_MINUTE))
    windows = []
    for kind, per_minute in kinds:
        windows.append((f"qbo-budget:{kind}:{realm_id}", per_minute, MINUTE / scale))
        windows.append((f"qbo-budget:{kind}-burst:{realm_id}", burst_limit(per_minute),
                        BURST_SECONDS / scale))
    # Intuit's second, like its minute, passes `scale` times faster in the local sandbox.
    windows.append((f"qbo-budget:requests-second:{realm_id}", settings.QBO_REQUESTS_PER_SECOND,
                    1.0 / scale))
    return windows


def kept_for_people(limit: int) -> int:
    """Of a request window's `limit`, the places a drain's single lane leaves free for
    people's own pushes (and the batch lane): QBO_SINGLE_LANE_RESERVE of it, at least one."""
    return max(1, math.ceil(limit * settings.QBO_SINGLE_LANE_RESERVE))


def take(realm_id: str, *, batch: bool = False) -> float:
    """Count one request (a batch request counts in both limits) if the budget has room,
    and return 0; otherwise count nothing and return the seconds until it has room."""
    windows = _windows(realm_id, batch)
    # Under the company's lock, so that a request counted in one window is counted in all
    # (a slot taken in one window by a request that another window then refuses would be
    # budget lost for a whole minute).
    with store().locked(realm_id):
        wait = max(store().wait(*window) for window in windows)
        if wait:
            return wait
        for window in windows:
            store().take(*window)
    return 0.0


def take_spare(realm_id: str) -> float:
    """Count one request of a drain's single lane (one object a request, beside its batches)
    if every request window has room beyond what is kept for people (`kept_for_people`), and
    return 0; otherwise count nothing and return the seconds until it may have room."""
    windows = _windows(realm_id, batch=False)
    with store().locked(realm_id):
        wait = max(store().room(key, limit, period, kept_for_people(limit))
                   for key, limit, period in windows)
        if wait:
            return wait
        for window in windows:
            store().take(*window)
    return 0.0


def batches_free(realm_id: str) -> int:
    """How many batch requests this company's budget would take now. Counts nothing."""
    return min(store().free(*window) for window in _windows(realm_id, batch=True))


def wait_seconds(realm_id: str, *, batch: bool = False) -> float:
    """How long until this company's budget has room (0: now). Counts nothing."""
    return max(store().wait(*window) for window in _windows(realm_id, batch))


def clear() -> None:
    """Forget every window (tests, and a benchmark's fresh start)."""
    store().clear()
