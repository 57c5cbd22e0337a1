"""A worker killed after an invoice reached QuickBooks but before its payments had records
never loses those payments: the drain makes them with the invoices' answers (one commit),
and the sweeper makes any still missing (the one-by-one push's window)."""

import threading
from unittest import mock

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.qbo.client import QboClient
from integrations.services import bulk, sync
from integrations.services import invoices as invoice_service
from tests.integrations.test_bulk import import_all, run_drain, waiting_studio
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def restart(account) -> None:
    """What a restarted worker finds: the dead one's records "Syncing" long ago, its lease
    lapsed."""
    SyncRecord.objects.filter(account=account, state="syncing").update(
        state_changed_at=timezone.now() - timezone.timedelta(minutes=5))
    QuickBooksConnection.objects.filter(account=account).update(lease_owner="",
                                                                lease_expires_at=None)


def test_a_drain_killed_after_an_invoice_batch_landed_still_syncs_its_payments(
    sandbox, account_for, monkeypatch, settings
):
    """The first invoice batch (the paid invoices) lands; the worker dies before the second
    is sent, so before the drain reached the payments of the first."""
    settings.QBO_MAX_IN_FLIGHT = 1  # one batch at a time: the first lands before the kill
    account, _ = waiting_studio(account_for, 40, paid=10)
    real_batch, real_settle = QboClient.batch, bulk.Drain._settle
    invoice_batches = []
    first_recorded = threading.Event()

    def settle(self, batch, singles):
        real_settle(self, batch, singles)
        if any(plan.entity == "Invoice" for plan in batch):
            first_recorded.set()

    def die_before_the_second_invoice_batch(self, items, *, request_id):
        if any("Invoice" in item for item in items):
            invoice_batches.append(request_id)
            if len(invoice_batches) == 2:
                # the first batch's answers are recorded; then the worker is killed
                assert first_recorded.wait(timeout=30)
                raise KeyboardInterrupt
        return real_batch(self, items, request_id=request_id)

    import_all(account)
    monkeypatch.setattr(bulk.Drain, "_settle", settle)
    monkeypatch.setattr(QboClient, "batch", die_before_the_second_invoice_batch)
    with pytest.raises(KeyboardInterrupt):
        run_drain(account)
    monkeypatch.undo()
    assert len(sandbox.entities(US_REALM, "Invoice")) == 30  # the paid ones are in
    assert SyncRecord.objects.filter(account=account, kind="invoice",
                                     state="synced").count() == 30
    restart(account)

    run_drain(account)

    payments = SyncRecord.objects.filter(account=account, kind="payment")
    assert list(payments.values_list("state", flat=True)) == ["synced"] * 10
    assert len(sandbox.entities(US_REALM, "Payment")) == 10
    assert SyncRecord.objects.filter(account=account, kind="invoice",
                                     state="synced").count() == 40


def test_the_sweeper_makes_the_records_of_payments_a_dead_worker_never_queued(
    sandbox, account_for, monkeypatch
):
    """An invoice pushed one by one lands; the worker dies before it queued the invoice's
    payments. The sweep finds them and the company's drain sends them."""
    account, made = waiting_studio(account_for, 2, paid=2)
    import_all(account)

    def killed(engine, invoice):
        raise KeyboardInterrupt

    monkeypatch.setattr(invoice_service, "_queue_payments", killed)
    with pytest.raises(KeyboardInterrupt):
        sync.sync_record(record_id=record_for(made[0]).pk)
    monkeypatch.undo()
    assert record_for(made[0]).state == "synced"
    assert not SyncRecord.objects.filter(account=account, kind="payment").exists()
    restart(account)

    with mock.patch.object(tasks, "queue_drain") as drain:
        tasks.sweep_outbox()

    connection = QuickBooksConnection.objects.get(account=account)
    drain.assert_called_once_with(connection.pk)
    waiting = SyncRecord.objects.get(account=account, kind="payment")
    assert (waiting.payment.invoice, waiting.state) == (made[0], "needs_sync")
    run_drain(account)
    assert set(SyncRecord.objects.filter(account=account, kind__in=["invoice", "payment"])
               .values_list("state", flat=True)) == {"synced"}
    assert len(sandbox.entities(US_REALM, "Payment")) == 2


def test_the_sweeper_leaves_payments_of_invoices_not_in_quickbooks_to_their_invoice(
    sandbox, account_for
):
    """A payment follows its invoice: while the invoice waits, the sweep makes no record."""
    account, _ = waiting_studio(account_for, 2, paid=2)
    import_all(account)
    restart(account)

    with mock.patch.object(tasks, "queue_drain"):
        tasks.sweep_outbox()

    assert not SyncRecord.objects.filter(account=account, kind="payment").exists()
