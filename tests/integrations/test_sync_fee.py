"""A payment's processing fee reaches QuickBooks as an expense (Purchase) on the fee account,
paid out of the account the payment went to: once, even when the answer is lost; a changed
fee updates it, a fee set to 0 deletes it; without a fee account it is blocked, saying why."""

from decimal import Decimal

import pytest

from integrations.models import SyncRecord
from integrations.services.fees import NO_FEE_ACCOUNT
from invoices import services
from tests.factories import make_invoice, make_product
from tests.integrations.refund_fee_helpers import (
    books_paying_into_checking,
    push,
    push_all,
)
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(sandbox, account_for):
    return books_paying_into_checking(sandbox, account_for("US", US_REALM))


@pytest.fixture
def invoice(books):
    product = make_product(account=books.account, rate="100.00")
    return make_invoice(account=books.account, number="1042",
                        lines=[(product, "1", "100.00", None)], send=True)


def card_payment(invoice, fee="3.20"):
    return services.payment_record(invoice=invoice, date=invoice.issue_date,
                                   amount=Decimal("100.00"), reference="ch_991",
                                   processor_fee=Decimal(fee))


def purchases(sandbox):
    return sandbox.entities(US_REALM, "Purchase")


def test_a_fee_is_an_expense_on_the_fee_account_paid_from_the_payments_account(
    sandbox, books, invoice
):
    payment = card_payment(invoice)
    push_all(books.account)

    [purchase] = purchases(sandbox)
    assert purchase["PaymentType"] == "Cash"
    assert purchase["AccountRef"]["value"] == books.checking
    assert purchase["TxnDate"] == invoice.issue_date.isoformat()
    [line] = purchase["Line"]
    assert line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"] == books.fees
    assert Decimal(str(purchase["TotalAmt"])) == Decimal("3.20")
    assert purchase["PrivateNote"] == (
        f"Processing fee on payment ch_991 of invoice 1042 (hatsync fee #{payment.pk})")
    record = SyncRecord.objects.get(key=f"fee:{payment.pk}")
    assert record.state == "synced" and record.qbo_id == purchase["Id"]


def test_a_fee_waits_for_its_payment(sandbox, books, invoice):
    payment = card_payment(invoice)
    outcome = push(f"fee:{payment.pk}")
    assert outcome.state == "needs_sync" and "Waiting for its payment" in outcome.message
    assert purchases(sandbox) == []
    push_all(books.account)
    assert len(purchases(sandbox)) == 1


def test_a_lost_answer_does_not_make_a_second_expense(sandbox, books, invoice):
    payment = card_payment(invoice)
    push(f"invoice:{invoice.pk}")
    push(f"payment:{payment.pk}")
    sandbox.control("POST", "faults", json={
        "realm": US_REALM, "responses": [{"status": 504, "on": "write", "after_apply": True}]})
    first = push(f"fee:{payment.pk}")
    assert first.state == "needs_sync" and first.retryable
    assert len(purchases(sandbox)) == 1

    push_all(books.account)
    [purchase] = purchases(sandbox)
    assert SyncRecord.objects.get(key=f"fee:{payment.pk}").qbo_id == purchase["Id"]


def test_a_changed_fee_updates_the_expense(sandbox, books, invoice):
    payment = card_payment(invoice)
    push_all(books.account)
    [before] = purchases(sandbox)

    payment.processor_fee = Decimal("4.10")
    payment.save()
    push_all(books.account)
    [after] = purchases(sandbox)
    assert after["Id"] == before["Id"]
    assert Decimal(str(after["TotalAmt"])) == Decimal("4.10")
    assert int(after["SyncToken"]) > int(before["SyncToken"])


def test_a_fee_set_to_zero_deletes_the_expense(sandbox, books, invoice):
    payment = card_payment(invoice)
    push_all(books.account)
    assert len(purchases(sandbox)) == 1

    payment.processor_fee = Decimal("0")
    payment.save()
    push_all(books.account)
    assert purchases(sandbox) == []
    record = SyncRecord.objects.get(key=f"fee:{payment.pk}")
    assert record.state == "synced" and record.qbo_id == ""

    payment.processor_fee = Decimal("3.20")  # and back again: a new expense, not the old one
    payment.save()
    push_all(books.account)
    assert len(purchases(sandbox)) == 1


def test_without_a_fee_account_the_fee_is_blocked_saying_where_to_choose_one(
    sandbox, books, invoice, client
):
    books.connection.fee_account_id = ""
    books.connection.save()  # and the snapshot of a bare company lists no expense account
    payment = card_payment(invoice)
    push_all(books.account)

    record = SyncRecord.objects.get(key=f"fee:{payment.pk}")
    assert record.state == "blocked"
    assert record.last_error == NO_FEE_ACCOUNT
    assert "Integrations page" in NO_FEE_ACCOUNT
    assert purchases(sandbox) == []
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "Fee $3.20" in page and "Blocked" in page


def test_a_fee_blocked_for_want_of_a_fee_account_goes_once_one_is_chosen(
    sandbox, books, invoice, monkeypatch
):
    from integrations import tasks

    books.connection.fee_account_id = ""
    books.connection.save()
    payment = card_payment(invoice)
    push_all(books.account)
    record = SyncRecord.objects.get(key=f"fee:{payment.pk}")
    queued = []
    monkeypatch.setattr(tasks.sync_record, "delay", queued.append)
    tasks.sweep_outbox()
    assert record.pk not in queued  # still no fee account: it stays blocked

    books.connection.fee_account_id = books.fees
    books.connection.save()
    tasks.sweep_outbox()
    assert record.pk in queued
    push_all(books.account)
    assert len(purchases(sandbox)) == 1


def test_a_payment_without_a_fee_makes_no_fee_record(sandbox, books, invoice):
    card_payment(invoice, fee="0")
    push_all(books.account)
    assert not SyncRecord.objects.filter(kind="fee").exists()
    assert purchases(sandbox) == []


def test_a_blocked_fee_is_listed_in_sync_problems_and_retry_sends_it_alone(
    sandbox, books, invoice, client, django_capture_on_commit_callbacks, monkeypatch
):
    from integrations import tasks

    books.connection.fee_account_id = ""
    books.connection.save()
    payment = card_payment(invoice)
    push_all(books.account)
    record = SyncRecord.objects.get(key=f"fee:{payment.pk}")
    page = client.get("/settings/integrations/").content.decode()
    assert f"Processing fee of 3.20 on invoice {invoice.number}" in page
    assert NO_FEE_ACCOUNT.split(".")[0] in page
    books.connection.fee_account_id = books.fees
    books.connection.save()
    queued = []
    monkeypatch.setattr(tasks.sync_record, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/integrations/quickbooks/retry/", {"record": record.pk})
    assert queued == [record.pk]  # one by one, not through a drain
    push_all(books.account)
    assert len(purchases(sandbox)) == 1
