"""Merging customers or items as a bookkeeper does in QuickBooks: the loser's transactions move
to the survivor, the loser is deleted (CDC: `status: "Deleted"`), and the webhook says
`qbo.customer.merged.v1` for the survivor with `data.deletedid` (Intuit's data-object page)."""

from __future__ import annotations

from .conftest import US, control, fault_of, sales_line
from .test_cdc import sandbox_now
from .test_webhooks import flush, receiver, register  # noqa: F401 - receiver is a fixture


def merge(realm: str, entity: str, survivor: str, deleted: str) -> dict:
    return control("POST", f"companies/{realm}/merge",
                   {"entity": entity, "survivor": survivor, "deleted": deleted})


def test_merging_customers_moves_the_losers_transactions_and_deletes_it(us):
    keep, lose = us.customer("Ana Keep"), us.customer("Ana Lose")
    invoice = us.invoice(lose["Id"], [sales_line(80)]).json()["Invoice"]
    us.create("Payment", {"CustomerRef": {"value": lose["Id"]}, "TotalAmt": 30, "Line": [
        {"Amount": 30, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})

    survivor = merge(us.realm, "Customer", keep["Id"], lose["Id"])["Customer"]

    assert survivor["Id"] == keep["Id"] and float(survivor["Balance"]) == 50
    moved = us.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert moved["CustomerRef"] == {"value": keep["Id"], "name": "Ana Keep"}
    assert int(moved["SyncToken"]) == int(invoice["SyncToken"]) + 2  # payment, then merge
    [payment] = us.query(f"select * from Payment where CustomerRef = '{keep['Id']}'").json()[
        "QueryResponse"]["Payment"]
    assert payment["CustomerRef"]["value"] == keep["Id"]
    gone = us.get(f"customer/{lose['Id']}")
    assert gone.status_code == 400 and fault_of(gone)["code"] == "610"


def test_change_data_capture_shows_the_loser_deleted_and_its_invoices_moved(us):
    keep, lose = us.customer("Ben Keep"), us.customer("Ben Lose")
    invoice = us.invoice(lose["Id"], [sales_line(40)]).json()["Invoice"]
    control("POST", "clock/advance", {"seconds": 5})
    since = sandbox_now().isoformat()
    control("POST", "clock/advance", {"seconds": 1})

    merge(us.realm, "Customer", keep["Id"], lose["Id"])

    answer = us.get("cdc", entities="Customer,Invoice", changedSince=since).json()
    customers, invoices = answer["CDCResponse"][0]["QueryResponse"]
    assert [c["Id"] for c in customers["Customer"] if c.get("status") == "Deleted"] == [
        lose["Id"]]
    assert [(i["Id"], i["CustomerRef"]["value"]) for i in invoices["Invoice"]] == [
        (invoice["Id"], keep["Id"])]


def test_the_webhook_says_merged_for_the_survivor_with_the_losers_id(us, receiver):  # noqa: F811
    keep, lose = us.customer("Cy Keep"), us.customer("Cy Lose")
    register(receiver.url)
    flush()

    merge(us.realm, "Customer", keep["Id"], lose["Id"])
    flush()

    events = {(e["type"], e["intuitentityid"]): e for e in receiver.events()}
    merged = events[("qbo.customer.merged.v1", keep["Id"])]
    assert merged["data"] == {"deletedid": lose["Id"]}
    assert merged["intuitaccountid"] == us.realm
    assert events[("qbo.customer.deleted.v1", lose["Id"])]["data"] == {}


def test_merging_items_moves_the_invoice_lines_to_the_survivor(us, receiver):  # noqa: F811
    keep, lose = us.item("Photography"), us.item("Photo session")
    customer = us.customer("Dee Items")
    invoice = us.invoice(customer["Id"], [sales_line(20, item=lose["Id"]),
                                          sales_line(30, item=keep["Id"])]).json()["Invoice"]
    register(receiver.url, entities=["Item"])
    flush()

    merge(us.realm, "Item", keep["Id"], lose["Id"])
    flush()

    lines = us.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Line"]
    assert [line["SalesItemLineDetail"]["ItemRef"]["value"] for line in lines
            if line.get("DetailType") == "SalesItemLineDetail"] == [keep["Id"], keep["Id"]]
    assert us.get(f"item/{lose['Id']}").status_code == 400
    assert ("qbo.item.merged.v1", keep["Id"]) in receiver.types()
    [merged] = [e for e in receiver.events() if e["type"] == "qbo.item.merged.v1"]
    assert merged["data"] == {"deletedid": lose["Id"]}


def test_a_merge_with_itself_or_across_item_types_is_refused_and_changes_nothing(us):
    ana = us.customer("Eve Alone")
    answer = control_raw(us.realm, {"entity": "Customer", "survivor": ana["Id"],
                                    "deleted": ana["Id"]})
    assert answer.status_code == 400 and "itself" in answer.json()["Fault"]["Error"][0]["Detail"]
    service = us.item("Retouching")
    goods = us.create("Item", {"Name": "Prints", "Type": "NonInventory",
                               "IncomeAccountRef": {"value": "1"}})
    answer = control_raw(us.realm, {"entity": "Item", "survivor": service["Id"],
                                    "deleted": goods["Id"]})
    assert answer.status_code == 400
    assert us.get(f"item/{goods['Id']}").status_code == 200


def control_raw(realm: str, body: dict):
    import requests

    from .conftest import BASE
    return requests.post(f"{BASE}/_sandbox/companies/{realm}/merge", json=body)


def test_the_customers_page_merges_one_into_another_and_refuses_a_merge_with_itself(app):
    from werkzeug.test import Client

    from .test_bookkeeper_pages import entity, token_of, write
    browser = Client(app)
    keep = write(app, lambda books: books.create("Customer", {"DisplayName": "Page Keep"}, {}))
    lose = write(app, lambda books: books.create("Customer", {"DisplayName": "Page Lose"}, {}))
    invoice = write(app, lambda books: books.create("Invoice", {
        "CustomerRef": {"value": lose["Id"]}, "Line": [sales_line(25)]}, {}))
    listed = browser.get("/app/customers", query_string={"realmId": US})
    assert "<h2>Merge</h2>" in listed.get_data(as_text=True)
    form = {"csrf_token": token_of(listed), "realmId": US}

    refused = browser.post("/app/customers/merge",
                           data={**form, "survivor": keep["Id"], "deleted": keep["Id"]})
    assert refused.status_code == 400 and "itself" in refused.get_data(as_text=True)
    answer = browser.post("/app/customers/merge",
                          data={**form, "survivor": keep["Id"], "deleted": lose["Id"]})

    assert answer.status_code == 303
    assert "Merged into Page Keep." in browser.get(answer.headers["Location"]).get_data(
        as_text=True)
    assert entity(app, "Customer", lose["Id"]) is None
    assert entity(app, "Invoice", invoice["Id"])["CustomerRef"]["value"] == keep["Id"]
    assert browser.post("/app/items/merge", data={"realmId": US, "survivor": "1",
                                                  "deleted": "2"}).status_code == 403
