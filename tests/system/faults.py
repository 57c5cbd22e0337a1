"""Real processes to break on purpose: a private Redis (the broker, restartable) and a Celery
worker with its own beat (the sweeper), killable with SIGKILL and restartable (both from the
tools' harness, harness/processes.py, which bin/soak.py uses too).

The session's worker never sees these tasks: they are published to the private Redis only.
The worker's thresholds are shortened (a lease of 5 s, a sweep every second for records
waiting or "Syncing" over 4 s) so recovery is measured in seconds, not the production minutes.
"""

import os
from contextlib import contextmanager
from pathlib import Path

from harness import KillableWorker, PrivateRedis
from tests.system.conftest import _worker_env

__all__ = ["KillableWorker", "PrivateRedis", "publishing_to", "worker_env"]

SHORT_THRESHOLDS = {
    "QBO_LEASE_SECONDS": "5",
    "SYNC_SWEEP_SECONDS": "1",
    "SYNC_SWEEP_WAITING_AFTER": "4",
    "SYNC_SWEEP_STUCK_AFTER": "4",
}


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
