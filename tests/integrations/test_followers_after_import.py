"""Processing fees and refunds of payments that an import (a bulk drain) synced still reach
QuickBooks: the drain gives them their records, and the sweeper does for any left behind."""

from datetime import date
from decimal import Decimal

import pytest

from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services.payment_followers import mark_missing_followers
from invoices import services
from invoices.models import Payment
from tests.factories import make_invoice
from tests.sandbox_helpers import US_REALM

from .refund_fee_helpers import push_all, set_up_books
from .test_bulk import import_all, run_drain

pytestmark = pytest.mark.django_db


def test_fees_and_refunds_of_imported_payments_follow_them_to_quickbooks(
        sandbox, account_for, monkeypatch, django_capture_on_commit_callbacks):
    account = account_for("US", US_REALM)
    books = set_up_books(sandbox, account)
    books.connection.fee_account_id = books.fees
    books.connection.save(update_fields=["fee_account_id"])
    queued: list[int] = []
    monkeypatch.setattr(tasks.sync_record, "delay", queued.append)
    invoice = make_invoice(account=account, number="OLD-1")  # a draft: made before the import
    invoice = services.invoice_send(invoice=invoice)
    payment = services.payment_record(invoice=invoice, date=date(2026, 11, 2),
                                      amount=Decimal("100"), tip_amount=Decimal("0"),
                                      method=Payment.Method.CARD, reference="",
                                      processor_fee=Decimal("3.20"))
    services.refund_record(payment=payment, date=date(2026, 11, 3), amount=Decimal("10"),
                           tip_amount=Decimal("0"), method=Payment.Method.CARD, reason="Late")
    SyncRecord.objects.filter(account=account).delete()  # as if sent before connecting
    import_all(account)
    with django_capture_on_commit_callbacks(execute=True):  # what the drain queues
        run_drain(account)
    kinds = dict(SyncRecord.objects.filter(pk__in=queued).values_list("kind", "state"))
    assert kinds == {"fee": "needs_sync", "refund": "needs_sync"}
    push_all(account)
    assert len(sandbox.entities(US_REALM, "Purchase")) == 1
    assert len(sandbox.entities(US_REALM, "RefundReceipt")) == 1
    connection = QuickBooksConnection.objects.get(account=account)
    assert mark_missing_followers(connection) == []  # nothing left behind, nothing twice
