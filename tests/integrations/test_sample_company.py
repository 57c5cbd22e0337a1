"""hatsync against a company filled like Intuit's sample company (Craig's Design and
Landscaping Services): its own customers, items, invoices 1001-1037, accounts and tax codes are
already there, as they are when an owner connects a QuickBooks company that has history."""

from decimal import Decimal

import pytest

from integrations.models import SyncRecord
from tests.factories import make_contact, make_invoice, make_product, make_tax_rate
from tests.sandbox_helpers import CA_REALM, US_REALM, record_for

from .conftest import pay, run_outbox, sandbox_for


@pytest.fixture
def sandbox(tmp_path, settings):
    """As conftest's, but the companies hold Intuit-like sample data."""
    yield from sandbox_for(tmp_path, settings, sample_data=True)


def test_an_invoice_lands_beside_the_sample_data_and_its_payment_in_undeposited_funds(
        sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="H-100", send=True)
    pay(invoice, "60")
    run_outbox(account)
    assert record_for(invoice).state == SyncRecord.State.SYNCED
    payment_record = record_for(invoice.payments.get(), "payment")
    assert payment_record.state == SyncRecord.State.SYNCED
    payment = next(p for p in sandbox.entities(US_REALM, "Payment")
                   if p["Id"] == payment_record.qbo_id)
    assert payment["DepositToAccountRef"] == {"value": "4", "name": "Undeposited Funds"}
    qbo_invoice = next(i for i in sandbox.entities(US_REALM, "Invoice")
                       if i["Id"] == record_for(invoice).qbo_id)
    assert Decimal(str(qbo_invoice["Balance"])) == Decimal("40")
    assert len(sandbox.entities(US_REALM, "Invoice")) == 32  # 31 sample invoices + this one


def test_a_number_the_sample_company_already_uses_is_blocked_and_says_so(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = make_invoice(account=account, number="1001", send=True)
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == SyncRecord.State.BLOCKED
    assert "1001" in record.last_error and "already" in record.last_error
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")].count("1001") == 1


def test_a_contact_and_a_product_named_like_sample_ones_are_synced_without_touching_them(
        sandbox, account_for):
    account = account_for("US", US_REALM)
    before = {c["Id"]: c for c in sandbox.entities(US_REALM, "Customer")}
    amy = make_contact(account=account, first_name="Amy's Bird", last_name="Sanctuary")
    design = make_product(account=account, display_name="Design", rate="75.00")
    invoice = make_invoice(account=account, contact=amy, number="H-200",
                           lines=[(design, "2", "75.00", None)], send=True)
    run_outbox(account)
    assert record_for(invoice).state == SyncRecord.State.SYNCED, record_for(invoice).last_error
    qbo_invoice = next(i for i in sandbox.entities(US_REALM, "Invoice")
                       if i["Id"] == record_for(invoice).qbo_id)
    assert Decimal(str(qbo_invoice["TotalAmt"])) == Decimal("150")
    # A customer hatsync did not make is not taken over: the contact gets its own, named
    # apart by its email; a product is one item by name, so the sample "Design" (4) is used.
    assert qbo_invoice["CustomerRef"]["value"] not in before
    assert qbo_invoice["CustomerRef"]["name"].startswith("Amy's Bird Sanctuary (")
    assert qbo_invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == "4"
    after = {c["Id"]: c for c in sandbox.entities(US_REALM, "Customer")}
    for customer_id, customer in before.items():  # the sample customers are unchanged
        assert after[customer_id]["SyncToken"] == customer["SyncToken"]


def test_canada_lines_carry_the_sample_companys_tax_codes(sandbox, account_for):
    account = account_for("CA", CA_REALM)
    gst = make_tax_rate(account=account, name="GST", percentage="5")
    product = make_product(account=account, display_name="Portrait Session", tax_rate=gst)
    invoice = make_invoice(account=account, number="C-1",
                           lines=[(product, "1", "200.00", gst)], send=True)
    run_outbox(account)
    assert record_for(invoice).state == SyncRecord.State.SYNCED, record_for(invoice).last_error
    qbo_invoice = next(i for i in sandbox.entities(CA_REALM, "Invoice")
                       if i["Id"] == record_for(invoice).qbo_id)
    assert Decimal(str(qbo_invoice["TotalAmt"])) == Decimal("210")
