"""What /readyz checks: can this process reach the database and the Celery broker now?

/healthz is liveness (the process answers); /readyz is readiness (it can do its work): a load
balancer stops sending requests to a web process whose database or broker is gone, and a
deploy waits for it. Each check returns None when all is well, or the reason in a sentence.
"""

import os

from django.db import connection
from kombu.utils.url import maybe_sanitize_url

BROKER_TIMEOUT_SECONDS = 3.0


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to answer is "not ready", whatever its kind
        return f"The database does not answer: {type(error).__name__}: {error}".strip()
    return None


def broker_problem() -> str | None:
    """Connects to the broker the workers take tasks from (Redis, or the embedded filesystem
    broker's folders), as a task queued by this process would."""
    from hatsync.celery import app

    url = app.conf.broker_url or ""
    shown = maybe_sanitize_url(url)  # never the password of a redis://:password@host URL
    if url.startswith("filesystem://"):
        options = app.conf.broker_transport_options or {}
        for key in ("data_folder_in", "data_folder_out"):
            folder = options.get(key)
            if not folder or not os.access(folder, os.W_OK | os.X_OK):
                return f"The broker's folder {folder} cannot be written ({shown})."
        return None
    try:
        # A broker that takes the connection but never answers must not hang the probe.
        timeouts = {"socket_timeout": BROKER_TIMEOUT_SECONDS,
                    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS}
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT_SECONDS,
                                      transport_options=timeouts) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                     timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises the transport's own errors
        return f"The broker does not answer at {shown}: {type(error).__name__}: {error}".strip()
    return None


def readiness() -> dict[str, str]:
    """{"database": "ok" | reason, "broker": "ok" | reason}."""
    return {"database": database_problem() or "ok", "broker": broker_problem() or "ok"}
