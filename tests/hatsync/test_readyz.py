"""/readyz: 200 when the database and the broker answer, 503 with the reason when one does not;
/healthz stays liveness only."""

import socket
import time

import pytest
from django.db import OperationalError

from hatsync import readiness
from hatsync.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(monkeypatch):
    """Points the Celery app (as this web process sees it) at another broker for one test."""

    def point_at(url: str, *, transport: str | None = None, options: dict | None = None):
        monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its settings
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        monkeypatch.setitem(celery_app.conf, "broker_transport", transport)
        monkeypatch.setitem(celery_app.conf, "broker_transport_options", options or {})

    return point_at


class _DatabaseGone:
    def cursor(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


def test_ready_when_the_database_and_the_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_not_ready_when_the_redis_broker_is_down_and_the_reason_is_given(client, broker):
    broker("redis://:s3cret-password@127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["broker"].startswith("The broker does not answer at redis://")
    assert "s3cret-password" not in response.content.decode()


def test_not_ready_soon_when_the_broker_takes_the_connection_but_never_answers(client, broker):
    with socket.socket() as silent:  # the kernel accepts on its backlog; nothing ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        broker(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "Timeout" in response.json()["broker"]
    assert elapsed < 10  # readiness.BROKER_TIMEOUT_SECONDS, not the client's patience


def test_not_ready_when_the_embedded_brokers_folder_is_missing(client, broker, tmp_path):
    missing = str(tmp_path / "no-such-folder")
    broker("filesystem://localhost//", transport="hatsync.broker:Transport",
           options={"data_folder_in": missing, "data_folder_out": missing})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] == (
        f"The broker's folder {missing} cannot be written (filesystem://localhost//).")


def test_ready_with_the_embedded_broker_when_its_folders_are_there(client, broker, tmp_path):
    broker("filesystem://localhost//", transport="hatsync.broker:Transport",
           options={"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)})
    assert client.get("/readyz").status_code == 200


def test_not_ready_when_the_database_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(readiness, "connection", _DatabaseGone())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == (
        'The database does not answer: OperationalError: connection to server at '
        '"127.0.0.1", port 5432 failed')
    assert response.json()["broker"] == "ok"


def test_healthz_stays_liveness_only_when_the_broker_is_down(client, broker):
    broker("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_takes_only_get_and_head(client):
    assert client.post("/readyz").status_code == 405
    assert client.head("/readyz").status_code == 200
