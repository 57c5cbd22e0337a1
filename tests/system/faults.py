"""Real processes to break on purpose: a private Redis (the broker, restartable) and a Celery
worker with its own beat (the sweeper), killable with SIGKILL and restartable.

The session's worker never sees these tasks: they are published to the private Redis only.
The worker's thresholds are shortened (a lease of 5 s, a sweep every second for records
waiting or "Syncing" over 4 s) so recovery is measured in seconds, not the production minutes.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.system.conftest import ROOT, _worker_env

SHORT_THRESHOLDS = {
    "QBO_LEASE_SECONDS": "5",
    "SYNC_SWEEP_SECONDS": "1",
    "SYNC_SWEEP_WAITING_AFTER": "4",
    "SYNC_SWEEP_STUCK_AFTER": "4",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """`redis-server` on a free loopback port, keeping nothing on disk."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class KillableWorker:
    """`celery worker -B` (prefork, two processes) in a session of its own."""

    def __init__(self, env: dict, var_dir: Path):
        self.env = env
        self.var_dir = var_dir
        self.process: subprocess.Popen | None = None
        self.log_path = var_dir / "worker.log"
        self.kills = 0
        self.starts = 0

    def start(self) -> None:
        log = open(self.log_path, "a")  # the child process keeps it open
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hatsync", "worker", "-B", "--pool",
             "prefork", "-Q", "sync,bulk", "--concurrency", "2", "--loglevel", "INFO",
             "--schedule", str(self.var_dir / "beat-schedule"),
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self.starts += 1
        offset_marker = " ready."
        deadline = time.monotonic() + 60
        while self.log().count(offset_marker) < self.starts:
            assert self.process.poll() is None, self.log()[-3000:]
            assert time.monotonic() < deadline, "the worker did not start:\n" + self.log()
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the worker, its pool processes and its beat: nothing gets to clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        self.kills += 1

    def restart_if_exited(self, within: float) -> bool:
        """What a supervisor does (compose's `restart: unless-stopped`): if the worker exits
        by itself within `within` seconds, start it again. True when it had to."""
        assert self.process is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                self.start()
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def worker_env(db: dict, sandbox_url: str, var_dir: Path, broker_url: str, **extra) -> dict:
    env = _worker_env(db, sandbox_url, var_dir)
    env.update(SHORT_THRESHOLDS)
    env["CELERY_BROKER_URL"] = broker_url
    for name in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        env.pop(name, None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


@contextmanager
def publishing_to(broker_url: str):
    """This process publishes its tasks to `broker_url` for the block."""
    from hatsync.celery import app
    from tests.system.conftest import _reset_broker_pools

    names = ("broker_url", "broker_write_url", "broker_transport_options")
    saved = {name: app.conf.get(name) for name in names}
    saved_env = os.environ.pop("CELERY_BROKER_WRITE_URL", None)
    app.conf.broker_url = broker_url
    app.conf.broker_write_url = broker_url
    app.conf.broker_transport_options = {"max_retries": 1, "interval_start": 0,
                                         "interval_step": 0.2}
    _reset_broker_pools(app)
    try:
        yield
    finally:
        _reset_broker_pools(app)
        for name, value in saved.items():
            app.conf[name] = value
        if saved_env is not None:
            os.environ["CELERY_BROKER_WRITE_URL"] = saved_env
