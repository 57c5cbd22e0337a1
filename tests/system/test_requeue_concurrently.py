"""System test (PostgreSQL, as in CI): the operations page's Re-queue pressed by several
people at the same moment queues the record once (its row lock, then its state)."""

import threading

import pytest
from celery.app.task import Task
from django.db import connection as db_connection

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services import operations
from tests.factories import make_account, make_invoice

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def test_eight_requeues_at_once_queue_the_record_once(postgres_test_database, monkeypatch):
    queued = []
    monkeypatch.setattr(Task, "apply_async", lambda task, args=(), kwargs=None, **options:
                        queued.append((task.name, tuple(args or ()))))
    account = make_account()
    QuickBooksConnection.objects.create(account=account, environment="local",
                                        realm_id="4620816365000000099", access_token="a",
                                        refresh_token="r")
    invoice = make_invoice(account=account, send=True)
    record = SyncRecord.objects.get(invoice=invoice, kind="invoice")
    SyncRecord.objects.filter(pk=record.pk).update(state=SyncRecord.State.FAILED)
    queued.clear()  # what sending the invoice queued
    start, results, errors = threading.Barrier(8), [], []

    def press():
        try:
            start.wait()
            results.append(operations.record_requeue(record_id=record.pk))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len([r for r in results if r is not None]) == 1
    assert queued == [("integrations.tasks.sync_record", (record.pk,))]
    assert SyncRecord.objects.get(pk=record.pk).state == SyncRecord.State.NEEDS_SYNC
