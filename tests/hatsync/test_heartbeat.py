"""Worker heartbeats: each worker writes when it was last seen; `manage.py workers_seen` lists
them and fails when a queue or a named worker has not been seen lately."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from hatsync import heartbeat
from hatsync.heartbeat import WorkerSeen, heartbeat_problems, record_heartbeat, workers_seen

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "heartbeat-tests"}}
    from django.core.cache import cache

    cache.clear()


def test_a_queue_with_a_worker_seen_lately_is_fine():
    workers = [WorkerSeen("sync@a", ("sync",), NOW - 5), WorkerSeen("bulk@a", ("bulk",), NOW - 1)]
    assert heartbeat_problems(workers, now=NOW, within=60, queues=["sync", "bulk"]) == []


def test_a_queue_whose_only_worker_went_quiet_is_reported():
    workers = [WorkerSeen("sync@a", ("sync",), NOW - 61), WorkerSeen("bulk@a", ("bulk",), NOW)]
    assert heartbeat_problems(workers, now=NOW, within=60, queues=["sync", "bulk"]) == [
        "No worker taking the 'sync' queue was seen in the last 60 seconds."]


def test_a_named_worker_is_reported_when_quiet_or_never_seen():
    workers = [WorkerSeen("sync@a", ("sync",), NOW - 90)]
    assert heartbeat_problems(workers, now=NOW, within=60, hostnames=["sync@a", "sync@b"]) == [
        "Worker sync@a was last seen 90 seconds ago (more than 60).",
        "Worker sync@b has never been seen (in the last day).",
    ]


def test_heartbeats_are_kept_per_worker_most_recent_first():
    record_heartbeat(hostname="sync@a", queues=["sync"], now=NOW - 30)
    record_heartbeat(hostname="bulk@a", queues=["bulk"], now=NOW - 10)
    record_heartbeat(hostname="sync@a", queues=["sync"], now=NOW - 2)
    assert workers_seen() == [WorkerSeen("sync@a", ("sync",), NOW - 2),
                              WorkerSeen("bulk@a", ("bulk",), NOW - 10)]


def test_a_worker_beats_on_celerys_heartbeat_at_most_every_few_seconds(settings, monkeypatch):
    settings.WORKER_HEARTBEAT_SECONDS = 10
    clock = [100.0]
    monkeypatch.setattr(heartbeat.time, "monotonic", lambda: clock[0])
    written = []
    monkeypatch.setattr(heartbeat, "record_heartbeat", lambda **kw: written.append(kw))
    beat = heartbeat._Beat()
    consumer = SimpleNamespace(hostname="sync@host", app=SimpleNamespace(
        amqp=SimpleNamespace(queues=SimpleNamespace(consume_from={"sync": object()}))))
    beat.ready(sender=consumer)  # worker_ready: written at once
    clock[0] += 2
    beat.beat()  # Celery's heartbeat every 2 s: not written again yet
    clock[0] += 9
    beat.beat()
    assert written == [{"hostname": "sync@host", "queues": ("sync",)}] * 2


def test_a_cache_outage_never_stops_the_worker(monkeypatch, caplog):
    def cache_down(**kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(heartbeat, "record_heartbeat", cache_down)
    beat = heartbeat._Beat()
    beat.ready(sender=SimpleNamespace(hostname="sync@host", app=None))
    assert "Could not write the worker heartbeat" in caplog.text


def test_workers_seen_lists_the_workers_and_passes_when_each_queue_has_one(capsys):
    now = time.time()
    record_heartbeat(hostname="sync@web1", queues=["sync"], now=now - 3)
    record_heartbeat(hostname="bulk@web1", queues=["bulk"], now=now - 4)
    call_command("workers_seen", "--within", "30")
    out = capsys.readouterr().out
    assert "sync@web1  queues: sync  last seen 3 s ago" in out
    assert "bulk@web1  queues: bulk  last seen 4 s ago" in out


def test_workers_seen_fails_when_a_queue_has_no_live_worker():
    record_heartbeat(hostname="sync@web1", queues=["sync"], now=time.time())
    with pytest.raises(CommandError, match="No worker taking the 'bulk' queue"):
        call_command("workers_seen", "--within", "30")


def test_workers_seen_checks_one_named_worker_for_a_healthcheck():
    record_heartbeat(hostname="sync@web1", queues=["sync"], now=time.time() - 100)
    call_command("workers_seen", "--worker", "sync@web1", "--within", "120")
    with pytest.raises(CommandError, match="Worker sync@web1 was last seen 100 seconds ago"):
        call_command("workers_seen", "--worker", "sync@web1", "--within", "60")


def test_a_real_worker_is_seen_and_forgotten_when_it_stops(tmp_path):
    """A Celery worker on the embedded broker and file cache, as bin/demo runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDIS_URL"))}
    env.update(HATSYNC_VAR_DIR=str(tmp_path), WORKER_HEARTBEAT_SECONDS="1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    command = [sys.executable, "manage.py", "workers_seen", "--queue", "sync", "--within", "5"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hatsync", "worker", "-n", "sync@heartbeat-test",
         "-Q", "sync", "--pool", "solo", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            seen = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            if seen.returncode == 0 or time.monotonic() > deadline or worker.poll() is not None:
                break
            time.sleep(1)
        assert seen.returncode == 0, seen.stdout + seen.stderr
        assert "sync@heartbeat-test  queues: sync  last seen" in seen.stdout
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        _, errors = worker.communicate(timeout=30)
    after = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert after.returncode == 1, errors
    assert "No worker has sent a heartbeat in the last day." in after.stdout
