"""System-test fixtures: one real sandbox server process and one real Celery worker per session.

The worker (prefork, four processes, so records really sync concurrently) reads the same
PostgreSQL test database as the tests; pytest-django's test database name is fixed for the
session, so the worker is started once, after `django_db_setup`. Each test starts from a freshly
reset sandbox (`POST /_sandbox/reset`, no scripted faults, the settings it started with, an
empty request log) and an empty database (transactional tests flush it).
On SQLite the worker cannot share the database, so these tests are skipped (CI uses PostgreSQL).
"""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

import harness
from integrations.qbo import client as qbo_client
from tests.sandbox_helpers import Sandbox

ROOT = harness.ROOT
WORKER_CONCURRENCY = 4


@pytest.fixture(scope="session")
def postgres_test_database(django_db_setup, django_db_blocker):
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("the worker shares the test database only on PostgreSQL (CI sets it)")
    yield settings.DATABASES["default"]
    # Torn down before the test database is dropped, after the workers have stopped: a
    # session still open then (a killed process's, a server thread's) would only make the
    # drop fail with "is being accessed by other users". Say which, and end it.
    from django.db import connection

    with django_db_blocker.unblock():
        # A fresh session of our own: the one this process had may have been ended under it
        # (the fault suite drops every session of the database), and would only raise here.
        connection.close()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 80) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        strays = cursor.fetchall()
        for pid, *_ in strays:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    if strays:
        FIGURES.append(f"teardown: ended {len(strays)} database session(s) still open: "
                       f"{strays}")


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    # Bare sample companies: the tests' invoice numbers (1001+) would meet Intuit-like data.
    process, base_url = harness.start_sandbox(tmp_path_factory.mktemp("qbo"))
    yield base_url
    harness.stop_process(process, grace=10)


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path
        self.broker_options: dict = {}  # the embedded-broker worker's transport options
        self.metrics_url = ""  # where it keeps its metrics counters

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")


def _worker_env(db: dict, sandbox_server: str, var_dir: Path) -> dict:
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "QBO_LOCAL_SANDBOX_URL": sandbox_server,
        "QBO_ENVIRONMENT": "local",
        "QBO_CLIENT_ID": "hatsync-local",
        "QBO_CLIENT_SECRET": "hatsync-local-secret",
        "HATSYNC_VAR_DIR": str(var_dir),
        # Where the worker counts for /metrics: Redis, as in production, when REDIS_URL is
        # set (CI); else a file of its own. A test scraping reads there (worker.metrics_url).
        "HATSYNC_METRICS_URL": settings.REDIS_URL or f"file://{var_dir / 'metrics'}",
        # Its own var/ would give it a SECRET_KEY of its own: the tokens this process
        # stored must be readable there.
        "SECRET_KEY": settings.SECRET_KEY,
    }


@contextmanager
def _running_worker(env: dict, log_path: Path) -> Iterator[WorkerProcess]:
    """A `celery -A hatsync worker` process (prefork) with `env`, until the block ends."""
    process = harness.start_worker(harness.celery_worker_command(
        concurrency=WORKER_CONCURRENCY, purge=True), env=env, log_path=log_path)
    worker = WorkerProcess(process, log_path)
    worker.metrics_url = env["HATSYNC_METRICS_URL"]
    try:
        harness.wait_for_ready(process, log_path)
        yield worker
    finally:
        harness.stop_process(process, grace=30)


@pytest.fixture(scope="session")
def celery_worker_process(postgres_test_database, sandbox_server, tmp_path_factory):
    from django.conf import settings

    var_dir = tmp_path_factory.mktemp("worker-var")
    env = _worker_env(postgres_test_database, sandbox_server, var_dir)
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        # The test process must write where the worker reads.
        env["HATSYNC_VAR_DIR"] = str(Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[
            "data_folder_in"]).parent.parent)
    with _running_worker(env, var_dir / "worker.log") as worker:
        yield worker


# --- a second worker on the embedded broker (kombu's filesystem transport, as bin/demo runs) --

FILESYSTEM_BROKER_URL = "filesystem://localhost//"


def filesystem_broker_options(var_dir: Path) -> dict:
    """The transport options hatsync/settings.py derives from HATSYNC_VAR_DIR=var_dir."""
    broker = var_dir / "broker"
    return {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "store_processed": False,
        "polling_interval": 0.2,
    }


@pytest.fixture(scope="session")
def embedded_broker_worker(postgres_test_database, sandbox_server, tmp_path_factory):
    """A worker whose broker is the filesystem transport under its own folder (the request
    budget is still the shared cache, REDIS_URL in CI). The session's worker never sees its
    tasks: they are never published to that worker's broker."""
    var_dir = tmp_path_factory.mktemp("embedded-worker-var")
    env = _worker_env(postgres_test_database, sandbox_server, var_dir)
    env["CELERY_BROKER_URL"] = FILESYSTEM_BROKER_URL
    for name in ("CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        env.pop(name, None)
    with _running_worker(env, var_dir / "worker.log") as worker:
        # settings.py made these folders in the worker: proof the layout below is its own.
        options = filesystem_broker_options(var_dir)
        assert Path(options["data_folder_in"]).is_dir(), worker.log()
        worker.broker_options = options
        yield worker


def _reset_broker_pools(app) -> None:
    """Drop the app's connection and producer pools, so the next publish builds them from its
    current broker settings. (Not closed: kombu keeps them for reuse under their settings.)"""
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def embedded_broker(embedded_broker_worker, monkeypatch):
    """For one test, this process publishes its tasks into the embedded-broker worker's
    folders; the Celery app's broker settings and pools are restored afterwards."""
    from hatsync.celery import app

    names = ("broker_url", "broker_write_url", "broker_transport_options")
    saved = {name: app.conf.get(name) for name in names}
    # The CELERY_BROKER_URL variable (set in CI) outranks conf.broker_url; broker_write_url,
    # which is what publishing uses, outranks both unless CELERY_BROKER_WRITE_URL is set.
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    app.conf.broker_url = FILESYSTEM_BROKER_URL
    app.conf.broker_write_url = FILESYSTEM_BROKER_URL
    app.conf.broker_transport_options = embedded_broker_worker.broker_options
    _reset_broker_pools(app)
    assert app.conf.broker_write_url == FILESYSTEM_BROKER_URL
    try:
        yield embedded_broker_worker
    finally:
        _reset_broker_pools(app)
        for name, value in saved.items():
            app.conf[name] = value


@pytest.fixture(scope="session")
def sandbox_settings_at_start(sandbox_server) -> dict:
    """The server's runtime settings (latency, fault rates, webhook window…) before any test."""
    return Sandbox(sandbox_server).control("GET", "config")


@pytest.fixture
def worker(celery_worker_process, sandbox_server, sandbox_settings_at_start, settings):
    """A fresh sandbox for this test, and this process pointed at it. Yields its base URL."""
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_URL = sandbox_server
    settings.QBO_CLIENT_ID = "hatsync-local"
    settings.QBO_CLIENT_SECRET = "hatsync-local-secret"
    sandbox = Sandbox(sandbox_server)
    sandbox.control("POST", "reset", json={"sample_data": False})
    sandbox.control("DELETE", "faults")
    sandbox.control("POST", "config", json=sandbox_settings_at_start)  # what a test changed
    sandbox.control("DELETE", "requests")
    qbo_client._discovery_document.cache_clear()
    # Every test uses the same sample company: start each with a full request budget
    # (with REDIS_URL, as in CI, the worker counts in the same windows).
    from django.core.cache import cache

    from integrations.qbo import budget

    cache.clear()
    budget.clear()
    yield sandbox_server
    qbo_client._discovery_document.cache_clear()


@pytest.fixture
def sandbox(worker) -> Sandbox:
    return Sandbox(worker)


WEBHOOK_TOKEN = "browser-test-verifier"

@pytest.fixture
def webhooks_to_this_app(sandbox, live_server, settings):
    """The sandbox sends its webhooks (half a second apart) to this test's live app; unset after."""
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = WEBHOOK_TOKEN
    sandbox.control("POST", "config", json={"webhook_window": 0.5})
    sandbox.control("POST", "webhooks", json={
        "url": f"{live_server.url}/integrations/quickbooks/webhooks/",
        "verifier_token": WEBHOOK_TOKEN})
    yield
    sandbox.control("DELETE", "webhooks")


# --- figures the fault and soak tests measure, printed at the end of the run ---------------
FIGURES: list[str] = []


@pytest.fixture
def figures(request):
    """figures("recovered in 6.1 s"): a line in the run's "reliability figures" summary."""

    def add(text: str) -> None:
        FIGURES.append(f"{request.node.name}: {text}")

    return add


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
