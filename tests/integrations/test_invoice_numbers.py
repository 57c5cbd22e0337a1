"""Who holds an invoice number in QuickBooks: what QuickBooks holds decides, never row order."""

from datetime import date
from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services.company_settings import connection_check_settings
from invoices import services
from invoices.models import Invoice
from invoices.services import LineInput
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db

OLDER, NEWER = "BBBBB-x-Z1234567890123", "BBBBB-y-Z1234567890123"
SHORT = "BBBBB...1234567890123"


def qbo_invoices(sandbox, doc_number: str) -> list[dict]:
    return [i for i in sandbox.entities(US_REALM, "Invoice") if i.get("DocNumber") == doc_number]


def edit(invoice, *, number: str | None = None, unit_price: str | None = None):
    invoice.refresh_from_db()
    lines = [
        LineInput(line.product, line.quantity,
                  Decimal(unit_price) if unit_price else line.unit_price, line.tax_rate)
        for line in invoice.lines.all()
    ]
    return services.invoice_update(
        invoice=invoice, number=number or invoice.number, contact=invoice.contact,
        issue_date=invoice.issue_date, due_date=invoice.due_date, lines=lines,
    )


def test_the_invoice_holding_a_shortened_number_keeps_it_and_the_other_is_blocked_naming_it(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    older = make_invoice(account=account, number=OLDER)  # a draft, made first
    newer = send(make_invoice(account=account, number=NEWER))
    run_outbox(account)
    assert record_for(newer).state == "synced" and record_for(newer).qbo_name == SHORT

    send(older)
    run_outbox(account)
    blocked = record_for(older)
    assert blocked.state == "blocked"
    assert "not one hatsync made" not in blocked.last_error
    assert "outside hatsync" not in blocked.last_error
    assert f"invoice {NEWER} already has that number" in blocked.last_error

    edit(newer, unit_price="250.00")  # the holder's edits always go through
    run_outbox(account)
    holder = record_for(newer)
    assert holder.state == "synced", holder.last_error
    [in_qbo] = qbo_invoices(sandbox, SHORT)
    assert Decimal(str(in_qbo["TotalAmt"])) == Decimal("250.00")
    assert record_for(older).state == "blocked"


def test_the_holders_payments_with_tips_and_its_void_go_through(sandbox, account_for):
    account = account_for("US", US_REALM)
    older = make_invoice(account=account, number=OLDER)
    older_too = make_invoice(account=account, number="CCCCC-x-Z1234567890123")
    holder = send(make_invoice(account=account, number=NEWER))
    voided = send(make_invoice(account=account, number="CCCCC-y-Z1234567890123"))
    run_outbox(account)
    send(older)
    send(older_too)
    run_outbox(account)
    assert record_for(older).state == record_for(older_too).state == "blocked"

    # a tip changes the holder (its tip line): it is pushed again, and must not be blocked
    services.payment_record(invoice=holder, date=date(2026, 11, 20), amount=Decimal("100.00"),
                            tip_amount=Decimal("15.00"))
    services.invoice_void(invoice=voided)
    run_outbox(account)
    assert record_for(holder).state == "synced", record_for(holder).last_error
    assert SyncRecord.objects.get(kind="payment").state == "synced"
    [in_qbo] = qbo_invoices(sandbox, SHORT)
    assert Decimal(str(in_qbo["TotalAmt"])) == Decimal("115.00")
    assert record_for(voided).state == "synced" and record_for(voided).void_in_quickbooks


def test_a_voided_invoice_that_never_reached_quickbooks_holds_no_number(sandbox, account_for):
    account = account_for("US", US_REALM)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": False})
    stuck = send(make_invoice(account=account, number=OLDER))
    connection = QuickBooksConnection.objects.get(account=account)
    connection_check_settings(connection=connection)
    run_outbox(account)
    assert record_for(stuck).state == "blocked"  # custom numbers off: never reached QuickBooks
    services.invoice_void(invoice=stuck)
    run_outbox(account)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": True})
    connection_check_settings(connection=connection)

    newer = send(make_invoice(account=account, number=NEWER))
    run_outbox(account)
    assert record_for(newer).state == "synced", record_for(newer).last_error
    assert len(qbo_invoices(sandbox, SHORT)) == 1


@pytest.mark.parametrize("duplicate_check", [True, False], ids=["qbo-check-on", "qbo-check-off"])
def test_renumbering_to_a_number_quickbooks_has_is_blocked_and_keeps_the_old_number(
    sandbox, account_for, duplicate_check
):
    account = account_for("US", US_REALM)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"duplicate_doc_number_check": duplicate_check})
    sandbox.foreign_invoice(account, "2001")
    invoice = send(make_invoice(account=account, number="1999"))
    run_outbox(account)
    assert record_for(invoice).state == "synced"

    edit(invoice, number="2001", unit_price="120.00")
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert "QuickBooks already has invoice 2001 (made outside hatsync)" in record.last_error
    assert len(qbo_invoices(sandbox, "2001")) == 1
    [kept] = qbo_invoices(sandbox, "1999")
    assert kept["Id"] == record.qbo_id

    edit(invoice, number="2002")  # the fix: a free number goes through, with the edit
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "synced" and record.qbo_name == "2002"
    [moved] = qbo_invoices(sandbox, "2002")
    assert moved["Id"] == record.qbo_id and qbo_invoices(sandbox, "1999") == []


def test_renumbering_so_it_shortens_to_another_invoices_number_is_blocked(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"duplicate_doc_number_check": False})
    holder = send(make_invoice(account=account, number=NEWER))
    other = send(make_invoice(account=account, number="3001"))
    run_outbox(account)
    edit(other, number=OLDER)
    run_outbox(account)
    record = record_for(other)
    assert record.state == "blocked"
    assert f"invoice {NEWER} already has that number" in record.last_error
    assert len(qbo_invoices(sandbox, SHORT)) == 1
    assert qbo_invoices(sandbox, "3001")[0]["Id"] == record.qbo_id
    assert record_for(holder).state == "synced"


def test_a_number_blocked_by_another_in_other_capitals_says_so_naming_it(sandbox, account_for):
    """From before the form refused it (or old data): the block names the holder and the
    real cause, not "shorter"."""
    account = account_for("US", US_REALM)
    holder = send(make_invoice(account=account, number="DISC-AMT-1"))
    run_outbox(account)
    clash = make_invoice(account=account, number="2001")
    Invoice.objects.filter(pk=clash.pk).update(number="disc-amt-1")  # as old data may hold
    clash.refresh_from_db()
    send(clash)
    run_outbox(account)
    blocked = record_for(clash)
    assert blocked.state == "blocked"
    assert blocked.last_error == (
        f"Invoice {holder.number} already has the number DISC-AMT-1 in QuickBooks, which "
        "compares invoice numbers without regard to capitals, so disc-amt-1 is the same "
        "number there. Give this invoice a different number, then press Sync."
    )


def test_a_clash_only_quickbooks_own_check_sees_still_names_the_holder(
    sandbox, account_for, monkeypatch
):
    """Were Intuit's query to miss a number its duplicate check (6140) catches, the block
    names the holder from the fault's TxnId instead of a bare QuickBooks refusal."""
    from integrations.services import invoices as invoice_sync

    account = account_for("US", US_REALM)
    holder = send(make_invoice(account=account, number="DISC-AMT-1"))
    run_outbox(account)
    clash = make_invoice(account=account, number="2002")
    Invoice.objects.filter(pk=clash.pk).update(number="disc-amt-1")
    clash.refresh_from_db()
    monkeypatch.setattr(invoice_sync, "claim_number", lambda *args, **kwargs: None)
    send(clash)
    run_outbox(account)
    blocked = record_for(clash)
    assert blocked.state == "blocked"
    assert blocked.last_error.startswith(
        f"Invoice {holder.number} already has the number DISC-AMT-1 in QuickBooks, which "
        "compares invoice numbers without regard to capitals")
