"""Customers and items in QuickBooks: reused when they are ours, never shared, never merged,
and brought back when someone made them inactive."""

import pytest

from integrations.models import SyncRecord
from integrations.qbo.errors import QboFault
from integrations.services.messages import explain_fault
from tests.factories import make_contact, make_invoice, make_product
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def qbo_invoice(sandbox, doc_number: str) -> dict:
    [found] = [i for i in sandbox.entities(US_REALM, "Invoice") if i["DocNumber"] == doc_number]
    return found


def deactivate(sandbox, account, entity: str, qbo_id: str) -> dict:
    """Make a customer or item inactive, as someone in QuickBooks would ("Make inactive")."""
    current = next(e for e in sandbox.entities(US_REALM, entity) if e["Id"] == qbo_id)
    return sandbox.api_post(account, entity, {
        "Id": qbo_id, "SyncToken": current["SyncToken"], "sparse": True, "Active": False})


def test_a_quickbooks_customer_with_the_contacts_email_is_reused_when_two_contacts_share_the_name(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    existing = sandbox.api_post(account, "Customer", {
        "DisplayName": "Ana Silva", "PrimaryEmailAddr": {"Address": "a@x.com"}})
    ana_a = make_contact(account=account, first_name="Ana", last_name="Silva", email="a@x.com")
    ana_b = make_contact(account=account, first_name="Ana", last_name="Silva", email="b@y.com")
    send(make_invoice(account=account, contact=ana_a, number="AS-1"))
    send(make_invoice(account=account, contact=ana_b, number="AS-2"))
    run_outbox(account)

    assert qbo_invoice(sandbox, "AS-1")["CustomerRef"]["value"] == existing["Id"]
    names = sorted(c["DisplayName"] for c in sandbox.entities(US_REALM, "Customer")
                   if c["DisplayName"].startswith("Ana Silva"))
    assert names == ["Ana Silva", "Ana Silva (b@y.com)"]
    other = qbo_invoice(sandbox, "AS-2")["CustomerRef"]["value"]
    assert other != existing["Id"]
    assert record_for(ana_a, "contact").qbo_id == existing["Id"]


def test_a_quickbooks_customer_whose_email_differs_is_never_reused_even_by_its_plain_name(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    stranger = sandbox.api_post(account, "Customer", {
        "DisplayName": "Ana Silva", "PrimaryEmailAddr": {"Address": "someone@else.com"}})
    ana_a = make_contact(account=account, first_name="Ana", last_name="Silva", email="a@x.com")
    make_contact(account=account, first_name="Ana", last_name="Silva", email="b@y.com")
    send(make_invoice(account=account, contact=ana_a, number="AS-3"))
    run_outbox(account)
    assert qbo_invoice(sandbox, "AS-3")["CustomerRef"]["value"] != stranger["Id"]


def test_an_item_made_inactive_in_quickbooks_is_made_active_again_for_the_next_invoice(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    product = make_product(account=account, display_name="Portrait Session")
    first = send(make_invoice(account=account, number="IN-1",
                              lines=[(product, "1", "100.00", None)]))
    run_outbox(account)
    item_id = SyncRecord.objects.get(key="item:portrait session").qbo_id
    deactivate(sandbox, account, "Item", item_id)

    second = send(make_invoice(account=account, number="IN-2",
                               lines=[(product, "1", "100.00", None)]))
    run_outbox(account)
    record = record_for(second)
    assert record.state == "synced", record.last_error
    assert qbo_invoice(sandbox, "IN-2")["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] \
        == item_id
    [item] = [i for i in sandbox.entities(US_REALM, "Item") if i["Id"] == item_id]
    assert item["Active"] is True and item["Name"] == "Portrait Session"
    assert "Portrait Session was inactive in QuickBooks" in record.warning
    assert f"={item_id}" not in record.warning
    assert record_for(first).state == "synced"
    page = client.get(f"/invoices/{second.pk}/").content.decode()
    assert "hatsync made it active again because this invoice uses it" in page


def test_a_customer_made_inactive_in_quickbooks_is_made_active_again(sandbox, account_for):
    account = account_for("US", US_REALM)
    dana = make_contact(account=account, first_name="Dana", last_name="Lee",
                        email="dana@example.com")
    send(make_invoice(account=account, contact=dana, number="CU-1"))
    run_outbox(account)
    customer_id = record_for(dana, "contact").qbo_id
    deactivate(sandbox, account, "Customer", customer_id)

    second = send(make_invoice(account=account, contact=dana, number="CU-2"))
    run_outbox(account)
    record = record_for(second)
    assert record.state == "synced", record.last_error
    assert qbo_invoice(sandbox, "CU-2")["CustomerRef"]["value"] == customer_id
    [customer] = [c for c in sandbox.entities(US_REALM, "Customer") if c["Id"] == customer_id]
    assert customer["Active"] is True and customer["DisplayName"] == "Dana Lee"
    assert "Dana Lee was inactive in QuickBooks" in record.warning


def test_a_payment_whose_customer_was_made_inactive_reactivates_it_and_syncs(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    dana = make_contact(account=account, first_name="Dana", last_name="Lee",
                        email="dana@example.com")
    invoice = send(make_invoice(account=account, contact=dana, number="CU-3"))
    run_outbox(account)
    deactivate(sandbox, account, "Customer", record_for(dana, "contact").qbo_id)
    pay(invoice, "100.00")
    run_outbox(account)
    payment = SyncRecord.objects.get(kind="payment")
    assert payment.state == "synced", payment.last_error
    assert "Dana Lee was inactive in QuickBooks" in payment.warning
    assert float(qbo_invoice(sandbox, "CU-3")["Balance"]) == 0


def test_an_inactive_item_found_by_name_is_reactivated_not_duplicated(sandbox, account_for):
    account = account_for("US", US_REALM)
    income = sandbox.entities(US_REALM, "Account")
    income_id = next(a["Id"] for a in income if a.get("Classification") == "Revenue")
    album = sandbox.api_post(account, "Item", {
        "Name": "Album", "Type": "Service", "IncomeAccountRef": {"value": income_id}})
    deactivate(sandbox, account, "Item", album["Id"])
    product = make_product(account=account, display_name="Album")
    invoice = send(make_invoice(account=account, number="AL-1",
                                lines=[(product, "1", "300.00", None)]))
    run_outbox(account)
    assert record_for(invoice).state == "synced", record_for(invoice).last_error
    albums = [i for i in sandbox.entities(US_REALM, "Item") if i["Name"].startswith("Album")]
    assert [(i["Id"], i["Name"], i["Active"]) for i in albums] == [(album["Id"], "Album", True)]


def test_an_inactive_customer_with_the_contacts_email_is_reactivated_not_duplicated(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    old = sandbox.api_post(account, "Customer", {
        "DisplayName": "Ben Okafor", "PrimaryEmailAddr": {"Address": "ben@example.com"}})
    deactivate(sandbox, account, "Customer", old["Id"])
    ben = make_contact(account=account, first_name="Ben", last_name="Okafor",
                       email="ben@example.com")
    send(make_invoice(account=account, contact=ben, number="BO-1"))
    run_outbox(account)
    assert qbo_invoice(sandbox, "BO-1")["CustomerRef"]["value"] == old["Id"]
    bens = [c for c in sandbox.entities(US_REALM, "Customer")
            if c["DisplayName"].startswith("Ben Okafor")]
    assert [(c["Id"], c["DisplayName"], c["Active"]) for c in bens] == [
        (old["Id"], "Ben Okafor", True)]


def test_a_refused_reference_names_the_product_or_contact_never_a_quickbooks_id():
    fault = QboFault("Invalid Reference Id", code="2500", detail=(
        "Invalid Reference Id : Something you're trying to use has been made inactive or "
        "does not exist. ItemRef=2"))
    names = {"ItemRef": {"2": "the product Portrait Session"}, "CustomerRef": {}}
    message = explain_fault(fault, names=names)
    assert "the product Portrait Session" in message and "=2" not in message
    unknown = explain_fault(QboFault("Invalid Reference Id", code="2500",
                                     detail="Invalid Reference Id : CustomerRef=77"), names={})
    assert "its customer" in unknown and "77" not in unknown


def test_two_long_display_names_alike_in_their_first_100_characters_stay_two_items(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    stem = "Wedding day coverage with two photographers, engagement session, album design, " \
           "prints and a slideshow: "
    package_a = make_product(account=account, display_name=stem + "Package A")
    package_b = make_product(account=account, display_name=stem + "Package B")
    assert len(stem) > 100
    send(make_invoice(account=account, number="LP-1",
                      lines=[(package_a, "1", "100.00", None), (package_b, "1", "200.00", None)]))
    run_outbox(account)
    refs = [line["SalesItemLineDetail"]["ItemRef"]["value"]
            for line in qbo_invoice(sandbox, "LP-1")["Line"]
            if line.get("DetailType") == "SalesItemLineDetail"]
    assert len(set(refs)) == 2
    names = [i["Name"] for i in sandbox.entities(US_REALM, "Item") if i["Id"] in refs]
    assert all(len(name) <= 100 for name in names) and len(set(names)) == 2


def test_a_customer_whose_answer_was_lost_is_found_again_after_the_contact_is_renamed(
    sandbox, account_for
):
    """The create landed in QuickBooks but its answer was lost; the contact was renamed
    before the next push. That push looks under the name the create was sent with too, and
    adopts the customer instead of making a second one for the same person."""
    from integrations.services import sync

    account = account_for("US", US_REALM)
    nia = make_contact(account=account, first_name="Nia", last_name="Okafor",
                       email="nia@example.com")
    invoice = send(make_invoice(account=account, contact=nia, number="NO-1"))
    sandbox.control("POST", "faults", json={"responses": [
        {"status": 504, "on": "write", "after_apply": True}]})
    assert sync.sync_record(record_id=record_for(invoice).pk).state == "needs_sync"
    assert [c["DisplayName"] for c in sandbox.entities(US_REALM, "Customer")] == ["Nia Okafor"]

    nia.last_name = "Okafor-Reyes"
    nia.save()
    run_outbox(account)

    [customer] = sandbox.entities(US_REALM, "Customer")
    assert customer["DisplayName"] == "Nia Okafor"  # names stay as they were created
    assert qbo_invoice(sandbox, "NO-1")["CustomerRef"]["value"] == customer["Id"]
    assert SyncRecord.objects.get(key=f"contact:{nia.pk}").qbo_id == customer["Id"]


def test_a_customer_a_lost_batch_made_is_adopted_under_the_name_the_batch_sent(
    sandbox, account_for
):
    """A worker died with a batch in flight that made the customer; the contact was renamed
    since. The customer's record remembers the name it was sent under."""
    account = account_for("US", US_REALM)
    nia = make_contact(account=account, first_name="Nia", last_name="Okafor",
                       email="nia@example.com")
    made = sandbox.api_post(account, "Customer", {
        "DisplayName": "Nia Okafor", "PrimaryEmailAddr": {"Address": "nia@example.com"}})
    SyncRecord.objects.create(
        account=account, realm_id=US_REALM, kind="customer", key=f"contact:{nia.pk}",
        contact=nia, state="syncing", attempts=1, qbo_name="Nia Okafor",
        pending_request_id="batch-0123456789abcdef01234567")
    nia.last_name = "Okafor-Reyes"
    nia.save()
    send(make_invoice(account=account, contact=nia, number="NO-2"))
    run_outbox(account)

    assert [c["Id"] for c in sandbox.entities(US_REALM, "Customer")] == [made["Id"]]
    assert qbo_invoice(sandbox, "NO-2")["CustomerRef"]["value"] == made["Id"]
