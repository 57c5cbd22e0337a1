"""System stories for a US company: the real worker pushes to the real sandbox server process."""

from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection, SyncRecord
from invoices import services
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import US_REALM, connected_through_consent_page, record_for
from tests.system.helpers import all_settled, connected_account, settled, synced, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

GRATUITY = "GRATUITY_ITEM_ID"


def _item_ids(qbo_invoice: dict) -> list[str]:
    return [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in qbo_invoice["Line"]
            if line["DetailType"] == "SalesItemLineDetail"]


def _gratuity_lines(qbo_invoice: dict) -> list[dict]:
    return [line for line in qbo_invoice["Line"]
            if line.get("SalesItemLineDetail", {}).get("ItemRef", {}).get("value") == GRATUITY]


def test_two_contacts_sharing_a_name_become_two_quickbooks_customers(sandbox, client):
    account = connected_account(client)
    first = make_contact(account=account, first_name="Ana", last_name="Silva",
                         email="ana@example.com")
    second = make_contact(account=account, first_name="Ana", last_name="Silva",
                          email="ana.s@example.org")
    one = send(make_invoice(account=account, contact=first, number="A-1"))
    two = send(make_invoice(account=account, contact=second, number="A-2"))
    synced(one), synced(two)

    customers = {c["DisplayName"]: c for c in sandbox.entities(US_REALM, "Customer")}
    assert customers["Ana Silva (ana@example.com)"]["PrimaryEmailAddr"]["Address"] == \
        "ana@example.com"
    assert customers["Ana Silva (ana.s@example.org)"]["PrimaryEmailAddr"]["Address"] == \
        "ana.s@example.org"
    [qbo_one], [qbo_two] = sandbox.invoices(US_REALM, "A-1"), sandbox.invoices(US_REALM, "A-2")
    assert qbo_one["CustomerRef"]["value"] == customers["Ana Silva (ana@example.com)"]["Id"]
    assert qbo_two["CustomerRef"]["value"] == customers["Ana Silva (ana.s@example.org)"]["Id"]
    sandbox.assert_exactly_once(US_REALM)


def test_a_display_name_with_tokens_becomes_one_item_per_rendered_name(sandbox, client):
    account = connected_account(client)
    session = make_product(account=account,
                           display_name="Photography Session for [% contact.first_name %]")
    album = make_product(account=account, display_name="Album")
    invoices = [
        send(make_invoice(account=account, contact=make_contact(account=account, first_name=n),
                          lines=[(session, "1", "10.00", None), (album, "1", "5.00", None)]))
        for n in ("Ana", "Ben", "Ana")
    ]
    for invoice in invoices:
        synced(invoice)

    items = {i["Name"]: i["Id"] for i in sandbox.entities(US_REALM, "Item")}
    names = [i["Name"] for i in sandbox.entities(US_REALM, "Item")]
    for name in ("Photography Session for Ana", "Photography Session for Ben", "Album"):
        assert names.count(name) == 1, names
    assert _item_ids(sandbox.invoices(US_REALM, invoices[0].number)[0]) == [
        items["Photography Session for Ana"], items["Album"]]
    assert _item_ids(sandbox.invoices(US_REALM, invoices[1].number)[0]) == [
        items["Photography Session for Ben"], items["Album"]]
    assert _item_ids(sandbox.invoices(US_REALM, invoices[2].number)[0]) == [
        items["Photography Session for Ana"], items["Album"]]


def test_a_long_number_is_shortened_and_a_second_that_shortens_alike_is_blocked(sandbox, client):
    account = connected_account(client)
    first = send(make_invoice(account=account, number="INV-2024-A-WEDDING-SMITH-0002"))
    later = send(make_invoice(account=account, number="INV-2024-B-WEDDING-SMITH-0002"))

    record = synced(first)
    assert record.qbo_name == "INV-2...NG-SMITH-0002"
    [qbo] = sandbox.invoices(US_REALM, "INV-2...NG-SMITH-0002")
    assert qbo["Id"] == record.qbo_id
    blocked = settled(later)
    assert blocked.state == "blocked"
    assert blocked.last_error.startswith(
        "Invoice numbers INV-2024-B-WEDDING-SMITH-0002 and INV-2024-A-WEDDING-SMITH-0002 both "
        "become INV-2...NG-SMITH-0002 in QuickBooks")
    assert "invoice INV-2024-A-WEDDING-SMITH-0002 already has that number there" in \
        blocked.last_error
    assert len(sandbox.entities(US_REALM, "Invoice")) == 1
    sandbox.assert_exactly_once(US_REALM)


def test_a_number_quickbooks_already_has_is_blocked_and_not_duplicated(sandbox, client):
    account = connected_account(client)
    token = QuickBooksConnection.objects.get(account=account).access_token
    stranger = sandbox.api("POST", US_REALM, "customer", token,
                           json={"DisplayName": "Someone Typed This In QuickBooks"})
    sandbox.api("POST", US_REALM, "invoice", token, json={
        "DocNumber": "1042", "CustomerRef": {"value": stranger["Customer"]["Id"]},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 5,
                  "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": 5,
                                          "TaxCodeRef": {"value": "NON"}}}],
    })
    invoice = send(make_invoice(account=account, number="1042"))

    record = settled(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith(
        "QuickBooks already has invoice 1042 (made outside hatsync)")
    [only] = sandbox.invoices(US_REALM, "1042")
    assert only["CustomerRef"]["value"] == stranger["Customer"]["Id"]


def test_an_invoice_edited_after_it_synced_is_updated_and_a_voided_one_is_voided(sandbox, client):
    account = connected_account(client)
    invoice = send(make_invoice(account=account, number="E-1"))
    first = synced(invoice)

    line = invoice.lines.get()
    services.invoice_update(
        invoice=invoice, number="E-1", contact=invoice.contact, issue_date=invoice.issue_date,
        due_date=invoice.due_date, memo="Thanks!",
        lines=[services.LineInput(line.product, Decimal(3), Decimal("100.00"))])
    updated = wait_for(lambda: SyncRecord.objects.filter(
        pk=first.pk, state="synced").exclude(sync_token=first.sync_token).first(),
        what="the update to reach QuickBooks")
    [qbo] = sandbox.invoices(US_REALM, "E-1")
    assert qbo["Id"] == first.qbo_id
    assert qbo["SyncToken"] == updated.sync_token
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("300.00")
    assert qbo["CustomerMemo"]["value"] == "Thanks!"

    services.invoice_void(invoice=invoice)
    wait_for(lambda: SyncRecord.objects.filter(
        pk=first.pk, state="synced", qbo_status="void").exists(),
             what="the void to reach QuickBooks")
    [qbo] = sandbox.invoices(US_REALM, "E-1")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("0")
    assert Decimal(str(qbo["Balance"])) == Decimal("0")
    assert "Voided" in qbo.get("PrivateNote", "")
    sandbox.assert_exactly_once(US_REALM)


def test_a_tip_with_gratuity_on_goes_on_the_invoices_tip_line(sandbox, client):
    account = connected_account(client)
    invoice = send(make_invoice(account=account, number="T-1"))
    synced(invoice)
    payment = pay(invoice, "100.00", tip="20.00", reference="STRIPE-PAYMENT-REFERENCE-000123456789")

    record = synced(payment, "payment")
    assert record.warning == ""
    [qbo_invoice] = sandbox.invoices(US_REALM, "T-1")
    [tip_line] = _gratuity_lines(qbo_invoice)
    assert Decimal(str(tip_line["Amount"])) == Decimal("20.00")
    assert Decimal(str(qbo_invoice["TotalAmt"])) == Decimal("120.00")
    assert Decimal(str(qbo_invoice["Balance"])) == Decimal("0")
    [qbo_payment] = sandbox.entities(US_REALM, "Payment")
    assert qbo_payment["Id"] == record.qbo_id
    assert qbo_payment["PaymentRefNum"] == "STRIP...-000123456789"
    assert Decimal(str(qbo_payment["TotalAmt"])) == Decimal("120.00")
    assert Decimal(str(qbo_payment.get("UnappliedAmt", 0))) == Decimal("0")
    all_settled(account)  # the invoice's own push for its tip line, before reading the log
    sandbox.assert_exactly_once(US_REALM)


def test_with_gratuity_turned_off_and_settings_rechecked_a_tip_stays_unapplied_and_warns(
    sandbox, client
):
    account = connected_account(client)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences", json={"gratuity": False})
    assert QuickBooksConnection.objects.get(account=account).settings_snapshot["gratuity"]
    response = client.post("/integrations/quickbooks/recheck/")
    assert response.status_code == 302
    assert QuickBooksConnection.objects.get(account=account).settings_snapshot["gratuity"] is False

    invoice = send(make_invoice(account=account, number="T-2"))
    synced(invoice)
    payment = pay(invoice, "100.00", tip="20.00")

    record = synced(payment, "payment")
    assert record.warning.startswith(
        "Tips are off in QuickBooks, so the 20.00 tip is recorded as unapplied credit")
    [qbo_payment] = sandbox.entities(US_REALM, "Payment")
    assert Decimal(str(qbo_payment["TotalAmt"])) == Decimal("120.00")
    assert Decimal(str(qbo_payment["UnappliedAmt"])) == Decimal("20.00")
    [qbo_invoice] = sandbox.invoices(US_REALM, "T-2")
    assert _gratuity_lines(qbo_invoice) == []
    assert Decimal(str(qbo_invoice["Balance"])) == Decimal("0")
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Tips are off in QuickBooks" in page


def test_custom_numbers_turned_off_block_until_turned_on_rechecked_and_synced_again(
    sandbox, client
):
    account = connected_account(client)
    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": False})
    client.post("/integrations/quickbooks/recheck/")
    invoice = send(make_invoice(account=account, number="CN-1"))

    record = settled(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith("Custom transaction numbers are off in QuickBooks")
    assert sandbox.entities(US_REALM, "Invoice") == []

    sandbox.control("PATCH", f"companies/{US_REALM}/preferences",
                    json={"custom_txn_numbers": True})
    client.post("/integrations/quickbooks/recheck/")
    client.post(f"/invoices/{invoice.pk}/sync/")
    synced(invoice)
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["CN-1"]


def test_invoices_sent_before_connecting_go_over_with_import_invoices_and_drafts_never(
    sandbox, client
):
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    older = send(make_invoice(account=account, number="OLD-1"))
    draft = make_invoice(account=account, number="DRAFT-1")
    connected_through_consent_page(client, US_REALM)
    assert record_for(older) is None  # sent before connecting: waits for Import Invoices

    response = client.post("/import-invoices/sync/", {"all": "1"})
    assert response.status_code == 302
    job = response["Location"].rsplit("job=", 1)[1]
    synced(older)
    progress = wait_for(lambda: (p := client.get(f"/import-invoices/jobs/{job}/").json())
                        ["finished"] and p, what="the import job to finish")
    assert progress["synced"] == progress["total"] == 1
    assert record_for(draft) is None
    assert [i["DocNumber"] for i in sandbox.entities(US_REALM, "Invoice")] == ["OLD-1"]
