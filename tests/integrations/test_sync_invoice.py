import json
from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import sync
from invoices import services
from tests.factories import make_contact, make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import CA_REALM, GB_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db


def sent_json(sandbox, entity: str) -> list[dict]:
    return [json.loads(c.request.body) for c in sandbox.api_calls(f"/{entity.lower()}?")
            if c.request.method == "POST"]


def test_a_sent_invoice_syncs_by_itself_with_exactly_this_json(
    sandbox, account_for, django_capture_on_commit_callbacks
):
    account = account_for("US", US_REALM)
    tax = make_tax_rate(account=account, name="Sales Tax", percentage="10")
    product = make_product(account=account, display_name="Portrait Session", rate="150.00")
    contact = make_contact(account=account, first_name="Ben", last_name="Okafor",
                           email="ben@example.com")
    invoice = make_invoice(account=account, contact=contact, number="1042",
                           lines=[(product, "2", "150.00", tax)])
    send(invoice)
    assert run_outbox(account)[0].state == "synced"

    record = record_for(invoice)
    assert record.state == "synced" and record.qbo_id
    [payload] = sent_json(sandbox, "Invoice")
    customer = SyncRecord.objects.get(key=f"contact:{contact.pk}")
    item = SyncRecord.objects.get(key="item:portrait session")
    assert payload == {
        "DocNumber": "1042",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": customer.qbo_id},
        "BillEmail": {"Address": "ben@example.com"},
        "Line": [{
            "DetailType": "SalesItemLineDetail",
            "Amount": "300.00",
            "Description": "Portrait Session",
            "SalesItemLineDetail": {
                "ItemRef": {"value": item.qbo_id}, "Qty": "2", "UnitPrice": "150.00",
                "TaxCodeRef": {"value": "TAX"},
            },
        }],
        "TxnTaxDetail": {"TotalTax": "30.00"},
        "PrivateNote": f"hatsync invoice #{invoice.pk}",
    }
    [qbo_invoice] = [i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "1042"]
    assert Decimal(str(qbo_invoice["TotalAmt"])) == Decimal("330.00")
    assert SyncLog.objects.filter(record=record, outcome="synced").count() == 1


def test_drafts_never_sync(sandbox, account_for):
    account = account_for("US", US_REALM)
    make_invoice(account=account, number="D-1")
    assert not SyncRecord.objects.filter(kind="invoice").exists()
    assert run_outbox(account) == []


def test_invoices_sent_before_connecting_wait_for_import(sandbox, account_for, client):
    account = account_for("US", US_REALM, connect=False)
    old = make_invoice(account=account, number="OLD-1", send=True)
    from tests.sandbox_helpers import connect_through_consent_page

    connect_through_consent_page(client, US_REALM)
    services.invoice_update(invoice=old, number=old.number, contact=old.contact,
                            issue_date=old.issue_date, due_date=old.due_date, memo="edited",
                            lines=[services.LineInput(old.lines.get().product, Decimal(1),
                                                      Decimal("100.00"))])
    assert not SyncRecord.objects.filter(kind="invoice").exists()
    response = client.post("/import-invoices/sync/", {"invoice": [old.pk]})
    assert response.status_code == 302
    run_outbox(account)
    assert record_for(old).state == "synced"
    page = client.get("/import-invoices/").content.decode()
    assert "View Invoice in QuickBooks" in page
    assert f"{'http://qbo-sandbox.test'}/app/invoice?txnId={record_for(old).qbo_id}" in page


def test_a_long_number_is_shortened_and_a_clash_blocks_the_later_invoice(sandbox, account_for):
    account = account_for("US", US_REALM)
    first = send(make_invoice(account=account, number="INV-2024-A-WEDDING-SMITH-0002"))
    second = send(make_invoice(account=account, number="INV-2024-B-WEDDING-SMITH-0002"))
    run_outbox(account)
    assert record_for(first).state == "synced"
    assert record_for(first).qbo_name == "INV-2...NG-SMITH-0002"
    assert len(record_for(first).qbo_name) == 21
    blocked = record_for(second)
    assert blocked.state == "blocked"
    assert "both become" in blocked.last_error


def test_a_number_quickbooks_already_has_is_blocked_and_not_duplicated(sandbox, account_for):
    account = account_for("US", US_REALM)
    sandbox.foreign_invoice(account, "1042")
    invoice = send(make_invoice(account=account, number="1042"))
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert "QuickBooks already has invoice 1042" in record.last_error
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")].count("1042") == 1


def test_two_contacts_with_one_name_get_two_customers(sandbox, account_for):
    account = account_for("US", US_REALM)
    ana1 = make_contact(account=account, first_name="Ana", last_name="Silva",
                        email="ana@example.com")
    ana2 = make_contact(account=account, first_name="Ana", last_name="Silva",
                        email="ana.s@example.org")
    one = send(make_invoice(account=account, contact=ana1, number="A-1"))
    two = send(make_invoice(account=account, contact=ana2, number="A-2"))
    run_outbox(account)
    customers = {c["DisplayName"]: c for c in sandbox.entities(US_REALM, "Customer")}
    assert "Ana Silva (ana@example.com)" in customers
    assert "Ana Silva (ana.s@example.org)" in customers
    invoices = {i["DocNumber"]: i for i in sandbox.entities(US_REALM, "Invoice")}
    assert invoices["A-1"]["CustomerRef"]["value"] != invoices["A-2"]["CustomerRef"]["value"]
    assert record_for(one).state == record_for(two).state == "synced"


def test_an_existing_quickbooks_customer_is_reused_only_when_the_email_matches(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    stranger = sandbox.api_post(account, "Customer", {
        "DisplayName": "Dana Lee", "PrimaryEmailAddr": {"Address": "other@example.com"}})
    dana = make_contact(account=account, first_name="Dana", last_name="Lee",
                        email="dana@example.com")
    invoice = send(make_invoice(account=account, contact=dana, number="DL-1"))
    run_outbox(account)
    qbo_invoice = next(i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "DL-1")
    assert qbo_invoice["CustomerRef"]["value"] != stranger["Id"]
    assert record_for(invoice).state == "synced"


def test_token_names_become_one_item_per_rendered_name(sandbox, account_for):
    account = account_for("US", US_REALM)
    session = make_product(account=account,
                           display_name="Photography Session for [% contact.first_name %]")
    plain = make_product(account=account, display_name="Album")
    for first in ("Ana", "Ben", "Ana"):
        contact = make_contact(account=account, first_name=first)
        send(make_invoice(account=account, contact=contact,
                          lines=[(session, "1", "10", None), (plain, "1", "5", None)]))
    run_outbox(account)
    names = [i["Name"] for i in sandbox.entities(US_REALM, "Item")]
    assert names.count("Photography Session for Ana") == 1
    assert names.count("Photography Session for Ben") == 1
    assert names.count("Album") == 1


def test_canadian_lines_carry_the_matching_tax_code_and_a_mismatch_blocks(sandbox, account_for):
    account = account_for("CA", CA_REALM)
    hst = make_tax_rate(account=account, name="HST ON", percentage="13")
    qst = make_tax_rate(account=account, name="QST", percentage="9.975")
    product = make_product(account=account)
    good = send(make_invoice(account=account, number="C-1", lines=[(product, "1", "100", hst)]))
    bad = send(make_invoice(account=account, number="C-2", lines=[(product, "1", "100", qst)]))
    none = send(make_invoice(account=account, number="C-3", lines=[(product, "1", "100", None)]))
    run_outbox(account)
    assert record_for(good).state == "synced"
    qbo = next(i for i in sandbox.entities(CA_REALM, "Invoice") if i["DocNumber"] == "C-1")
    codes = QuickBooksConnection.objects.get(account=account).settings_snapshot["tax_codes"]
    assert qbo["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == codes["HST ON"]
    assert record_for(bad).state == "blocked"
    assert "QST" in record_for(bad).last_error
    assert record_for(none).state == "blocked"
    assert "In Canada every line needs a GST/HST rate" in record_for(none).last_error


def test_uk_invoice_syncs_with_vat_codes(sandbox, account_for):
    account = account_for("GB", GB_REALM)
    vat = make_tax_rate(account=account, name="20.0% S", percentage="20")
    invoice = send(make_invoice(account=account, number="UK-1",
                                lines=[(make_product(account=account), "1", "100", vat)]))
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    qbo = next(i for i in sandbox.entities(GB_REALM, "Invoice") if i["DocNumber"] == "UK-1")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("120.00")


def test_an_edit_after_sync_updates_with_the_sync_token_and_void_voids(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="E-1"))
    run_outbox(account)
    first_token = record_for(invoice).sync_token
    services.invoice_update(invoice=invoice, number="E-1", contact=invoice.contact,
                            issue_date=invoice.issue_date, due_date=invoice.due_date,
                            memo="Thanks!", lines=[services.LineInput(
                                invoice.lines.get().product, Decimal(3), Decimal("100.00"))])
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "synced" and record.sync_token != first_token
    qbo = next(i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "E-1")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("300.00")
    services.invoice_void(invoice=invoice)
    run_outbox(account)
    assert record_for(invoice).void_in_quickbooks
    qbo = next(i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "E-1")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("0")
    assert len([i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "E-1"]) == 1


def test_a_retry_after_a_lost_answer_creates_one_invoice(sandbox, account_for):
    """The create reached QuickBooks but our record was lost: the retry adopts it."""
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="X-1"))
    run_outbox(account)
    SyncRecord.objects.filter(key=f"invoice:{invoice.pk}").update(
        qbo_id="", sync_token="", fingerprint="", state="needs_sync")
    run_outbox(account)
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")].count("X-1") == 1
    assert record_for(invoice).state == "synced"


def test_custom_numbers_off_blocks_with_the_fix(sandbox, account_for):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    connection.settings_snapshot["custom_txn_numbers"] = False
    connection.save()
    invoice = send(make_invoice(account=account))
    run_outbox(account)
    assert record_for(invoice).state == "blocked"
    assert "Custom transaction numbers are off" in record_for(invoice).last_error


def test_payments_sync_after_their_invoice_with_a_shortened_reference_and_tip(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="P-1"))
    pay(invoice, "100.00", tip="20.00", reference="STRIPE-PAYMENT-REFERENCE-000123456789")
    run_outbox(account)
    payment_record = SyncRecord.objects.get(kind="payment")
    assert payment_record.state == "synced", payment_record.last_error
    [qbo_payment] = sandbox.entities(US_REALM, "Payment")
    assert qbo_payment["PaymentRefNum"] == "STRIP...-000123456789"
    assert Decimal(str(qbo_payment["TotalAmt"])) == Decimal("120.00")
    qbo_invoice = next(i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "P-1")
    assert Decimal(str(qbo_invoice["Balance"])) == Decimal("0")
    assert any(line.get("SalesItemLineDetail", {}).get("ItemRef", {}).get("value")
               == "GRATUITY_ITEM_ID" for line in qbo_invoice["Line"])
    assert payment_record.warning == ""


def test_a_tip_with_tips_off_stays_unapplied_and_warns(sandbox, account_for):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    connection.settings_snapshot["gratuity"] = False
    connection.save()
    invoice = send(make_invoice(account=account, number="P-2"))
    pay(invoice, "100.00", tip="20.00")
    run_outbox(account)
    record = SyncRecord.objects.get(kind="payment")
    assert record.state == "synced"
    assert "Tips are off in QuickBooks" in record.warning
    [qbo_payment] = sandbox.entities(US_REALM, "Payment")
    assert Decimal(str(qbo_payment["UnappliedAmt"])) == Decimal("20.00")


def test_expenses_never_reach_quickbooks(sandbox, account_for):
    from invoices.models import Expense

    account = account_for("US", US_REALM)
    Expense.objects.create(account=account, date="2026-11-01", vendor="Adobe",
                           category="Software", amount=Decimal("52.99"))
    assert run_outbox(account) == []
    assert not sandbox.api_calls("purchase")
    assert not sync.SyncRecord.objects.exists() or not SyncRecord.objects.filter(
        key__startswith="expense").exists()


def test_editing_a_contact_updates_its_quickbooks_customer(sandbox, account_for):
    account = account_for("US", US_REALM)
    contact = make_contact(account=account, first_name="Rosa", last_name="Rossi",
                           email="rosa@example.com")
    send(make_invoice(account=account, contact=contact, number="C-UP"))
    run_outbox(account)
    contact.email = "rosa@studio.example"
    contact.company = "Rossi Studio"
    contact.save()
    run_outbox(account)
    customer_id = SyncRecord.objects.get(key=f"contact:{contact.pk}").qbo_id
    [customer] = [c for c in sandbox.entities(US_REALM, "Customer") if c["Id"] == customer_id]
    assert customer["PrimaryEmailAddr"]["Address"] == "rosa@studio.example"
    assert customer["CompanyName"] == "Rossi Studio"
    assert customer["DisplayName"] == "Rosa Rossi"
    invoice = next(i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "C-UP")
    assert invoice["BillEmail"]["Address"] == "rosa@studio.example"


def test_a_payment_retried_after_a_lost_answer_is_not_created_twice(sandbox, account_for):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="PX-1"))
    pay(invoice, "40.00")
    run_outbox(account)
    SyncRecord.objects.filter(kind="payment").update(qbo_id="", state="needs_sync")
    run_outbox(account)
    assert len(sandbox.entities(US_REALM, "Payment")) == 1
    assert SyncRecord.objects.get(kind="payment").state == "synced"


def test_a_stale_sync_token_is_re_read_and_the_update_retried_once(sandbox, account_for):

    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="ST-1"))
    run_outbox(account)
    record = record_for(invoice)
    sandbox.api_post(account, "Invoice", {  # someone edits it in QuickBooks
        "Id": record.qbo_id, "SyncToken": record.sync_token, "sparse": True,
        "PrivateNote": f"hatsync invoice #{invoice.pk}", "DueDate": "2026-12-31",
    })
    services.invoice_update(invoice=invoice, number="ST-1", contact=invoice.contact,
                            issue_date=invoice.issue_date, due_date=invoice.due_date,
                            memo="changed here", lines=[services.LineInput(
                                invoice.lines.get().product, Decimal(2), Decimal("100.00"))])
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    qbo = next(i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == "ST-1")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("200.00")
    assert int(qbo["SyncToken"]) == 2
    rejected = [c for c in sandbox.api_calls("/invoice?") if c.response.status_code == 400]
    assert [json.loads(c.response.text)["Fault"]["Error"][0]["code"] for c in rejected] == [
        "5010"]


def test_customer_and_payment_payloads_are_exactly_this_json(sandbox, account_for):
    account = account_for("US", US_REALM)
    contact = make_contact(account=account, first_name="Dana", last_name="Lee",
                           email="dana@example.com")
    contact.company = "Lee: Design\tStudio"
    contact.save()
    invoice = send(make_invoice(account=account, contact=contact, number="J-1"))
    payment = pay(invoice, "60.00", reference="REF-1")
    run_outbox(account)
    [customer] = sent_json(sandbox, "Customer")
    assert customer == {
        "DisplayName": "Dana Lee",
        "GivenName": "Dana",
        "FamilyName": "Lee",
        "PrimaryEmailAddr": {"Address": "dana@example.com"},
        "CompanyName": "Lee\u2236 Design Studio",
    }
    [payment_json] = sent_json(sandbox, "Payment")
    invoice_id = record_for(invoice).qbo_id
    assert payment_json == {
        "TotalAmt": "60.00",
        "CustomerRef": {"value": SyncRecord.objects.get(key=f"contact:{contact.pk}").qbo_id},
        "TxnDate": "2026-11-20",
        "Line": [{"Amount": "60.00", "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
        "PaymentRefNum": "REF-1",
        "PrivateNote": f"hatsync payment #{payment.pk}",
    }
