"""System-test fixtures: one real sandbox server process and one real Celery worker per session.

The worker (prefork, four processes, so records really sync concurrently) reads the same
PostgreSQL test database as the tests; pytest-django's test database name is fixed for the
session, so the worker is started once, after `django_db_setup`. Each test starts from a freshly
reset sandbox (`POST /_sandbox/reset`) and an empty database (transactional tests flush it).
On SQLite the worker cannot share the database, so these tests are skipped (CI uses PostgreSQL).
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from integrations.qbo import client as qbo_client
from tests.system.helpers import Sandbox

ROOT = Path(__file__).resolve().parents[2]
WORKER_CONCURRENCY = 4


@pytest.fixture(scope="session")
def postgres_test_database(django_db_setup):
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("the worker shares the test database only on PostgreSQL (CI sets it)")
    return settings.DATABASES["default"]


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    from qbo_sandbox.testing import start_subprocess

    process, base_url = start_subprocess(tmp_path_factory.mktemp("qbo"))
    # Keep its stdout drained so a chatty server can never block on a full pipe.
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    yield base_url
    process.terminate()
    process.wait(timeout=10)


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


@pytest.fixture(scope="session")
def celery_worker_process(postgres_test_database, sandbox_server, tmp_path_factory):
    from django.conf import settings

    db = postgres_test_database
    var_dir = tmp_path_factory.mktemp("worker-var")
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "QBO_LOCAL_SANDBOX_URL": sandbox_server,
        "QBO_ENVIRONMENT": "local",
        "QBO_CLIENT_ID": "hatsync-local",
        "QBO_CLIENT_SECRET": "hatsync-local-secret",
        "HATSYNC_VAR_DIR": str(var_dir),
    }
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        # The test process must write where the worker reads.
        env["HATSYNC_VAR_DIR"] = str(Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[
            "data_folder_in"]).parent.parent)
    log_path = var_dir / "worker.log"
    log = open(log_path, "w")  # closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hatsync", "worker", "--pool", "prefork",
         "--concurrency", str(WORKER_CONCURRENCY), "--purge", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    worker = WorkerProcess(process, log_path)
    deadline = time.monotonic() + 60
    while " ready." not in worker.log():
        assert process.poll() is None, worker.log()
        assert time.monotonic() < deadline, "the worker did not start:\n" + worker.log()
        time.sleep(0.3)
    yield worker
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    log.close()


@pytest.fixture
def worker(celery_worker_process, sandbox_server, settings):
    """A fresh sandbox for this test, and this process pointed at it. Yields its base URL."""
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_URL = sandbox_server
    settings.QBO_CLIENT_ID = "hatsync-local"
    settings.QBO_CLIENT_SECRET = "hatsync-local-secret"
    sandbox = Sandbox(sandbox_server)
    sandbox.control("POST", "reset", json={})
    sandbox.control("DELETE", "faults")
    qbo_client._discovered_auth_client.cache_clear()
    # Every test uses the same sample company: start each with a full request budget
    # (with REDIS_URL, as in CI, this cache is the one the worker counts in too).
    from django.core.cache import cache

    cache.clear()
    yield sandbox_server
    qbo_client._discovered_auth_client.cache_clear()


@pytest.fixture
def sandbox(worker) -> Sandbox:
    return Sandbox(worker)
