"""QuickBooks settings changed after hatsync read them (between the check and the sync)."""

import pytest

from integrations.models import QuickBooksConnection
from integrations.services import company_settings, imports
from tests.factories import make_invoice
from tests.integrations.conftest import pay, run_outbox
from tests.integrations.test_bulk import run_drain
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def turn_custom_numbers(sandbox, on: bool) -> None:
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": on})


def test_custom_numbers_turned_off_after_the_check_block_then_the_number_is_set(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    turn_custom_numbers(sandbox, on=False)  # hatsync still believes they are on
    invoice = make_invoice(account=account, number="SC-1", send=True)

    run_outbox(account)

    record = record_for(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith(
        "QuickBooks gave this invoice its own number (1001) instead of SC-1: Custom "
        "transaction numbers are off in QuickBooks now.")
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.settings_snapshot["custom_txn_numbers"] is False  # read again
    second = make_invoice(account=account, number="SC-2", send=True)
    run_outbox(account)
    assert record_for(second).last_error.startswith("Custom transaction numbers are off")
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["1001"]

    turn_custom_numbers(sandbox, on=True)
    company_settings.connection_check_settings(connection=connection)
    from integrations.models import SyncRecord
    imports.retry(connection=connection, records=SyncRecord.objects.filter(
        pk__in=[record_for(invoice).pk, record_for(second).pk]))
    run_outbox(account)

    assert record_for(invoice).state == record_for(second).state == "synced"
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        "SC-1", "SC-2"]


def test_an_import_whose_invoices_quickbooks_renumbered_blocks_them_and_makes_none_twice(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoices = [make_invoice(account=account, number=f"SB-{n}", send=True) for n in range(4)]
    pay(invoices[0], "10.00")
    from integrations.models import SyncRecord
    SyncRecord.objects.filter(account=account).delete()
    turn_custom_numbers(sandbox, on=False)

    imports.sync_many(account=account, user=None, invoice_ids=[i.pk for i in invoices])
    run_drain(account)

    records = [record_for(i) for i in invoices]
    assert {r.state for r in records} == {"blocked"}
    assert all("Custom transaction numbers are off in QuickBooks now" in r.last_error
               for r in records)
    assert len(sandbox.entities(US_REALM, "Invoice")) == 4

    turn_custom_numbers(sandbox, on=True)
    connection = QuickBooksConnection.objects.get(account=account)
    company_settings.connection_check_settings(connection=connection)
    imports.sync_many(account=account, user=None, invoice_ids=[i.pk for i in invoices])
    run_drain(account)

    assert {record_for(i).state for i in invoices} == {"synced"}
    assert sorted(i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")) == [
        f"SB-{n}" for n in range(4)]
    assert record_for(invoices[0].payments.get(), "payment").state == "synced"


def test_tips_turned_off_after_the_check_the_payment_syncs_with_its_tip_unapplied(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="ST-1", send=True)
    run_outbox(account)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences", json={"gratuity": False})
    payment = pay(invoice, "100.00", tip="15.00")

    run_outbox(account)

    record = record_for(payment, "payment")
    assert record.state == "synced", record.last_error
    assert "Tips are off in QuickBooks" in record.warning
    qbo_payment = sandbox.entities(US_REALM, "Payment")[0]
    assert float(qbo_payment["TotalAmt"]) == 115.0
    assert QuickBooksConnection.objects.get(account=account).settings_snapshot["gratuity"] is False
