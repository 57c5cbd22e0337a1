"""Worker heartbeats an operator can check: `manage.py workers_seen`.

Every Celery worker sends Celery's own event heartbeat every 2 seconds (the `heartbeat_sent`
signal); on it, at most every WORKER_HEARTBEAT_SECONDS, the worker writes when it was last
seen, and which queues it takes, to the cache every process shares (Redis in production, files
under var/ embedded). Nothing here reads the database or the broker: a worker whose event loop
is stuck stops writing, and one that was killed is reported by how long ago it was last seen.
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

INDEX_KEY = "hatsync:workers"
WORKER_KEY = "hatsync:worker:{hostname}"
KEEP_SECONDS = 86400  # a worker gone for a day is forgotten


@dataclass(frozen=True)
class WorkerSeen:
    hostname: str
    queues: tuple[str, ...]
    seen_at: float  # time.time()

    def age(self, now: float) -> float:
        return max(0.0, now - self.seen_at)


def record_heartbeat(*, hostname: str, queues: Iterable[str], now: float | None = None) -> None:
    """Writes that `hostname` (taking `queues`) is alive now."""
    now = time.time() if now is None else now
    cache.set(WORKER_KEY.format(hostname=hostname),
              {"hostname": hostname, "queues": sorted(queues), "seen_at": now}, KEEP_SECONDS)
    index = cache.get(INDEX_KEY) or []
    if hostname not in index:  # two workers starting at once may each miss the other: the
        cache.set(INDEX_KEY, sorted({*index, hostname}), KEEP_SECONDS)  # next beat adds it


def forget_worker(*, hostname: str) -> None:
    """A worker shutting down cleanly is no longer expected."""
    cache.delete(WORKER_KEY.format(hostname=hostname))
    index = cache.get(INDEX_KEY) or []
    if hostname in index:
        cache.set(INDEX_KEY, [name for name in index if name != hostname], KEEP_SECONDS)


def workers_seen() -> list[WorkerSeen]:
    """Every worker that sent a heartbeat in the last day, most recently seen first."""
    seen = []
    for hostname in cache.get(INDEX_KEY) or []:
        entry = cache.get(WORKER_KEY.format(hostname=hostname))
        if entry:
            seen.append(WorkerSeen(entry["hostname"], tuple(entry["queues"]), entry["seen_at"]))
    return sorted(seen, key=lambda worker: -worker.seen_at)


def heartbeat_problems(workers: list[WorkerSeen], *, now: float, within: float,
                       queues: Iterable[str] = (), hostnames: Iterable[str] = ()) -> list[str]:
    """Pure: what is missing, in sentences. Each queue in `queues` needs a worker seen within
    `within` seconds that takes it; each of `hostnames` must itself have been seen within it."""
    alive = [worker for worker in workers if worker.age(now) <= within]
    problems = []
    for queue in queues:
        if not any(queue in worker.queues for worker in alive):
            problems.append(f"No worker taking the {queue!r} queue was seen in the last "
                            f"{within:g} seconds.")
    by_name = {worker.hostname: worker for worker in workers}
    for hostname in hostnames:
        worker = by_name.get(hostname)
        if worker is None:
            problems.append(f"Worker {hostname} has never been seen (in the last day).")
        elif worker.age(now) > within:
            problems.append(f"Worker {hostname} was last seen {worker.age(now):.0f} seconds "
                            f"ago (more than {within:g}).")
    return problems


class _Beat:
    """The worker's side: remembers its hostname and queues (worker_ready), writes at most
    every WORKER_HEARTBEAT_SECONDS (heartbeat_sent), forgets itself on a clean shutdown."""

    def __init__(self) -> None:
        self.hostname = ""
        self.queues: tuple[str, ...] = ()
        self.last_written = 0.0

    def ready(self, sender=None, **kwargs) -> None:
        self.hostname = getattr(sender, "hostname", "") or ""
        try:
            self.queues = tuple(sender.app.amqp.queues.consume_from)
        except AttributeError:
            self.queues = ()
        self.last_written = 0.0
        self.beat()

    def beat(self, sender=None, **kwargs) -> None:
        if not self.hostname:
            return
        now = time.monotonic()
        if self.last_written and now - self.last_written < settings.WORKER_HEARTBEAT_SECONDS:
            return
        self.last_written = now
        try:
            record_heartbeat(hostname=self.hostname, queues=self.queues)
        except Exception:  # the cache being down must never stop a worker's event loop
            logger.warning("Could not write the worker heartbeat to the cache.", exc_info=True)

    def shutdown(self, sender=None, **kwargs) -> None:
        if self.hostname:
            try:
                forget_worker(hostname=self.hostname)
            except Exception:
                logger.warning("Could not remove the worker heartbeat.", exc_info=True)


def connect_worker_signals() -> None:
    """Called where the Celery app is made (hatsync/celery.py), before any worker starts:
    Celery only sends heartbeat_sent if a receiver was connected when the worker started."""
    from celery import signals

    beat = _Beat()
    signals.worker_ready.connect(beat.ready, weak=False)
    signals.heartbeat_sent.connect(beat.beat, weak=False)
    signals.worker_shutdown.connect(beat.shutdown, weak=False)
