"""The tools' harness: starting and stopping the local QuickBooks sandbox, Celery workers and
a private Redis, shared by the system tests (tests/system), bin/soak.py and bin/bench_sync.py.

A tool of the project, not of the product: it is not one of the packaged apps (pyproject's
package list leaves it out), no product code imports it, and it imports no Django code, so a
script may use it before `django.setup()`. Importable from the repository's root (pytest runs
there; the bin scripts put the root on sys.path).
"""

from harness.processes import (
    ROOT,
    HarnessError,
    KillableWorker,
    PrivateRedis,
    celery_worker_command,
    log_tail,
    start_sandbox,
    start_worker,
    stop_process,
    wait_for_ping,
    wait_for_ready,
)
from qbo_sandbox.testing import free_port  # one place to pick a port before starting anything

__all__ = [
    "ROOT",
    "HarnessError",
    "KillableWorker",
    "PrivateRedis",
    "celery_worker_command",
    "free_port",
    "log_tail",
    "start_sandbox",
    "start_worker",
    "stop_process",
    "wait_for_ping",
    "wait_for_ready",
]
