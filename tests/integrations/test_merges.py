"""Customers and items merged in QuickBooks: hatsync's records of the one QuickBooks deleted
point at the one it kept, so the next invoice uses it and nothing is made twice. Through the
webhook (which names both, and is believed once QuickBooks shows the one gone and the other
there) and through change data capture (the deleted customer, and our invoices moved to the
kept one)."""

import pytest
from django.urls import reverse

from integrations.models import QuickBooksConnection, SyncLog, SyncRecord
from integrations.services import inbound
from tests.factories import make_contact, make_invoice, make_product
from tests.integrations.conftest import run_outbox, send
from tests.integrations.test_changes_from_quickbooks import deliver_and_process, webhooks  # noqa: F401
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db


def synced_invoice_for(account, contact, product=None):
    invoice = make_invoice(account=account, contact=contact,
                           lines=[(product or make_product(account=account), "1", "100.00",
                                   None)])
    send(invoice)
    run_outbox(account)
    assert record_for(invoice).state == "synced", record_for(invoice).last_error
    return invoice


def merge_in_quickbooks(sandbox, entity: str, survivor: str, deleted: str) -> None:
    sandbox.control("POST", f"companies/{US_REALM}/merge",
                    json={"entity": entity, "survivor": survivor, "deleted": deleted})


def customer_record(contact) -> SyncRecord:
    return SyncRecord.objects.get(kind="customer", contact=contact)


def reads_of(sandbox, entity: str) -> list:
    return [c for c in sandbox.api_calls() if (c.request.method == "GET"
            and f"/{entity.lower()}/" in c.request.url.lower())
            or ("/query" in c.request.url and entity.encode() in (c.request.body or b""))]


# pure -----------------------------------------------------------------------------------------
def test_a_merged_event_names_the_kept_and_the_deleted_one_in_either_spelling():
    events = [
        {"type": "qbo.customer.merged.v1", "intuitentityid": "12", "intuitaccountid": "r",
         "time": "2026-12-01T10:00:01Z", "data": {"deletedid": "27"}},
        {"type": "qbo.item.merged.v1", "intuitentityid": "5", "intuitaccountid": "r",
         "time": "2026-12-01T10:00:00Z", "data": {"deletedId": "6"}},
        {"type": "qbo.customer.deleted.v1", "intuitentityid": "27", "intuitaccountid": "r"},
        {"type": "qbo.customer.merged.v1", "intuitentityid": "12", "intuitaccountid": "r"},
    ]
    assert inbound.merges_in(events) == [
        inbound.Merge("r", "Item", "5", "6", "2026-12-01T10:00:00Z"),
        inbound.Merge("r", "Customer", "12", "27", "2026-12-01T10:00:01Z"),
    ]


def test_a_deleted_customer_is_a_merge_only_when_its_invoices_went_to_one_other_customer():
    moved = [("27", "12"), ("27", "12"), ("30", "31"), ("30", "32"), ("40", "40"), ("9", "8")]
    assert inbound.survivors_seen(moved, deleted={"27", "30", "40", "50"}) == {"27": "12"}


def test_an_invoices_lines_show_an_item_merge_only_when_one_item_went_and_one_came():
    def invoice(*ids):
        return {"Line": [{"DetailType": "SalesItemLineDetail",
                          "SalesItemLineDetail": {"ItemRef": {"value": i}}} for i in ids]
                + [{"DetailType": "SubTotalLineDetail", "Amount": 1}]}
    assert inbound.items_moved({"6", "7"}, invoice("5", "7", "GRATUITY_ITEM_ID")) == [("6", "5")]
    assert inbound.items_moved({"6", "7"}, invoice("6", "7")) == []  # nothing moved
    assert inbound.items_moved({"6", "7"}, invoice("7")) == []  # went into one already there
    assert inbound.items_moved({"6", "7"}, invoice("8", "9")) == []  # two went: not known


# the webhook ----------------------------------------------------------------------------------
def test_a_customer_merged_in_quickbooks_is_followed_and_the_next_invoice_uses_the_kept_one(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    ana = make_contact(account=account, first_name="Ana", last_name="Merge")
    first = synced_invoice_for(account, ana)
    loser = customer_record(ana).qbo_id
    kept = sandbox.api_post(account, "Customer", {"DisplayName": "Ana M. (main)"})
    hooks = webhooks()
    merge_in_quickbooks(sandbox, "Customer", kept["Id"], loser)
    sandbox.rsps.calls.reset()

    events = deliver_and_process(client, hooks)

    assert {"qbo.customer.merged.v1", "qbo.customer.deleted.v1"} <= {e["type"] for e in events}
    # The webhook named both, and both were read: the deleted one is gone, the kept one there.
    assert [c.response.status_code == 200 for c in reads_of(sandbox, "Customer")] == [
        False, True]
    record = customer_record(ana)
    assert record.qbo_id == kept["Id"] and record.state == "synced"
    assert "merged into another one in QuickBooks" in record.log.get(operation="merge").message
    assert record_for(first).qbo_id  # the invoice itself is untouched
    history = client.get(reverse("integrations:sync_history")).content.decode()
    assert "Customer Ana Merge" in history and "merged into another one in QuickBooks" in history

    second = synced_invoice_for(account, ana)

    [pushed] = [i for i in sandbox.entities(US_REALM, "Invoice")
                if i["Id"] == record_for(second).qbo_id]
    assert pushed["CustomerRef"]["value"] == kept["Id"]
    customers = sandbox.entities(US_REALM, "Customer")
    assert [c["Id"] for c in customers if "Ana" in c["DisplayName"]] == [kept["Id"]]


def test_the_same_merge_delivered_again_changes_nothing(sandbox, account_for, client,
                                                       webhooks):  # noqa: F811
    account = account_for("US", US_REALM)
    ana = make_contact(account=account, first_name="Ana", last_name="Twice")
    synced_invoice_for(account, ana)
    loser = customer_record(ana).qbo_id
    kept = sandbox.api_post(account, "Customer", {"DisplayName": "Ana Twice Kept"})
    hooks = webhooks()
    merge_in_quickbooks(sandbox, "Customer", kept["Id"], loser)
    events = deliver_and_process(client, hooks)

    inbound.process_events(events=events)

    assert customer_record(ana).qbo_id == kept["Id"]
    assert SyncLog.objects.filter(operation="merge").count() == 1


def test_two_customers_hatsync_made_merged_into_one_share_it_with_its_name(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    ana = make_contact(account=account, first_name="Ana", last_name="Dupe")
    ana_again = make_contact(account=account, first_name="Anna", last_name="Dupe")
    synced_invoice_for(account, ana)
    synced_invoice_for(account, ana_again)
    kept, loser = customer_record(ana), customer_record(ana_again)
    hooks = webhooks()
    merge_in_quickbooks(sandbox, "Customer", kept.qbo_id, loser.qbo_id)

    deliver_and_process(client, hooks)

    loser.refresh_from_db()
    assert (loser.qbo_id, loser.qbo_name) == (kept.qbo_id, kept.qbo_name)
    count = len(sandbox.entities(US_REALM, "Customer"))
    synced_invoice_for(account, ana_again)
    assert len(sandbox.entities(US_REALM, "Customer")) == count


def test_an_item_merged_in_quickbooks_is_followed_by_the_next_invoice(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    session = make_product(account=account, display_name="Photo session")
    synced_invoice_for(account, make_contact(account=account), session)
    item = SyncRecord.objects.get(kind="item", key="item:photo session")
    kept = sandbox.api_post(account, "Item", {"Name": "Photography", "Type": "Service",
                                              "IncomeAccountRef": {"value": "1"}})
    hooks = webhooks()
    merge_in_quickbooks(sandbox, "Item", kept["Id"], item.qbo_id)

    deliver_and_process(client, hooks)

    item.refresh_from_db()
    assert item.qbo_id == kept["Id"] and item.qbo_name == "Photo session"
    invoice = synced_invoice_for(account, make_contact(account=account), session)
    [pushed] = [i for i in sandbox.entities(US_REALM, "Invoice")
                if i["Id"] == record_for(invoice).qbo_id]
    assert [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in pushed["Line"]
            if line.get("DetailType") == "SalesItemLineDetail"] == [kept["Id"]]
    assert not [i for i in sandbox.entities(US_REALM, "Item") if i["Name"] == "Photo session"]


def test_a_merge_for_a_company_not_connected_here_is_ignored(sandbox, account_for):
    account = account_for("US", US_REALM)
    ana = make_contact(account=account)
    synced_invoice_for(account, ana)
    before = customer_record(ana).qbo_id
    inbound.process_events(events=[{
        "type": "qbo.customer.merged.v1", "intuitentityid": "999",
        "intuitaccountid": "another-realm", "data": {"deletedid": before}}])
    assert customer_record(ana).qbo_id == before


# change data capture --------------------------------------------------------------------------
def test_a_merge_whose_webhook_was_lost_is_found_by_the_catch_up(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    ben = make_contact(account=account, first_name="Ben", last_name="Lost")
    synced_invoice_for(account, ben)
    loser = customer_record(ben).qbo_id
    kept = sandbox.api_post(account, "Customer", {"DisplayName": "Ben L. (main)"})
    hooks = webhooks()
    sandbox.control("POST", "webhooks/faults", json={"drop": 1})
    merge_in_quickbooks(sandbox, "Customer", kept["Id"], loser)
    assert deliver_and_process(client, hooks) == []  # dropped
    assert customer_record(ben).qbo_id == loser

    connection = QuickBooksConnection.objects.get(account=account)
    inbound.catch_up(connection_id=connection.pk)

    assert customer_record(ben).qbo_id == kept["Id"]
    second = synced_invoice_for(account, ben)
    [pushed] = [i for i in sandbox.entities(US_REALM, "Invoice")
                if i["Id"] == record_for(second).qbo_id]
    assert pushed["CustomerRef"]["value"] == kept["Id"]
    assert [c["Id"] for c in sandbox.entities(US_REALM, "Customer")
            if "Ben" in c["DisplayName"]] == [kept["Id"]]  # no customer made for Ben again


def test_a_customer_deleted_in_cdc_without_a_sign_of_where_it_went_is_left_as_it_was(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    cy = make_contact(account=account, first_name="Cy", last_name="Gone")
    synced_invoice_for(account, cy)
    record = customer_record(cy)
    before = record.qbo_id
    connection = QuickBooksConnection.objects.get(account=account)
    changed = {"Customer": [{"Id": record.qbo_id, "status": "Deleted"}], "Invoice": [],
               "Payment": []}

    assert inbound._merges_seen(connection, changed) == 1  # looked at, nothing known

    record.refresh_from_db()
    assert record.qbo_id == before and not record.log.filter(
        operation="merge").exists()


def test_an_item_merge_whose_webhook_was_lost_is_found_by_the_catch_up(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    session = make_product(account=account, display_name="Mini session")
    synced_invoice_for(account, make_contact(account=account), session)
    item = SyncRecord.objects.get(kind="item", key="item:mini session")
    kept = sandbox.api_post(account, "Item", {"Name": "Short session", "Type": "Service",
                                              "IncomeAccountRef": {"value": "1"}})
    hooks = webhooks()
    sandbox.control("POST", "webhooks/faults", json={"drop": 1})
    merge_in_quickbooks(sandbox, "Item", kept["Id"], item.qbo_id)
    assert deliver_and_process(client, hooks) == []  # dropped

    inbound.catch_up(connection_id=QuickBooksConnection.objects.get(account=account).pk)

    item.refresh_from_db()
    assert item.qbo_id == kept["Id"]
    invoice = synced_invoice_for(account, make_contact(account=account), session)
    [pushed] = [i for i in sandbox.entities(US_REALM, "Invoice")
                if i["Id"] == record_for(invoice).qbo_id]
    assert [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in pushed["Line"]
            if line.get("DetailType") == "SalesItemLineDetail"] == [kept["Id"]]


def test_a_contact_edited_after_its_customer_was_merged_updates_the_kept_customer(
    sandbox, account_for, client, webhooks  # noqa: F811
):
    account = account_for("US", US_REALM)
    dee = make_contact(account=account, first_name="Dee", last_name="Edited")
    synced_invoice_for(account, dee)
    loser = customer_record(dee).qbo_id
    kept = sandbox.api_post(account, "Customer", {"DisplayName": "Dee E. (main)"})
    hooks = webhooks()
    merge_in_quickbooks(sandbox, "Customer", kept["Id"], loser)
    deliver_and_process(client, hooks)
    assert customer_record(dee).qbo_id == kept["Id"]

    dee.email = "dee.new@example.com"
    dee.save()
    synced_invoice_for(account, dee)

    [customer] = [c for c in sandbox.entities(US_REALM, "Customer") if c["Id"] == kept["Id"]]
    assert customer["PrimaryEmailAddr"]["Address"] == "dee.new@example.com"
    assert customer["DisplayName"] == "Dee E. (main)"  # its name stays QuickBooks'
    assert customer_record(dee).state == "synced", customer_record(dee).last_error
