"""Change data capture as Intuit's: `GET cdc?entities=…&changedSince=…`, read through
python-quickbooks' own `change_data_capture`, and as raw JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quickbooks.cdc import change_data_capture
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment

from .conftest import control, sales_line


def sandbox_now() -> datetime:
    return datetime.fromtimestamp(control("GET", "clock")["now"], UTC)


def test_what_changed_since_a_moment_comes_back_per_entity_deleted_ones_marked(us, qb):
    us.customer("Kept Earlier")
    control("POST", "clock/advance", {"seconds": 60})
    since = sandbox_now()
    control("POST", "clock/advance", {"seconds": 1})
    ana = us.customer("Ana CDC")
    invoice = us.invoice(ana["Id"], [sales_line(50)]).json()["Invoice"]
    payment = us.create("Payment", {"CustomerRef": {"value": ana["Id"]}, "TotalAmt": 50,
                                    "Line": [{"Amount": 50, "LinkedTxn": [
                                        {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    deleted = us.post("payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]},
                      operation="delete")
    assert deleted.status_code == 200

    result = change_data_capture([Customer, Invoice, Payment], since.isoformat(), qb=qb)

    assert [c.DisplayName for c in result.Customer] == ["Ana CDC"]  # not "Kept Earlier"
    assert [i.Id for i in result.Invoice] == [invoice["Id"]]
    raw = us.get("cdc", entities="Payment", changedSince=since.isoformat()).json()
    [payments] = raw["CDCResponse"][0]["QueryResponse"]
    assert payments["Payment"] == [{"domain": "QBO", "status": "Deleted", "Id": payment["Id"],
                                    "MetaData": payments["Payment"][0]["MetaData"]}]


def test_more_than_30_days_back_or_an_unknown_entity_is_refused(us):
    old = (sandbox_now() - timedelta(days=31)).isoformat()
    answer = us.get("cdc", entities="Invoice", changedSince=old)
    assert answer.status_code == 400
    assert "30 days" in answer.json()["Fault"]["Error"][0]["Detail"]
    answer = us.get("cdc", entities="Widget", changedSince=sandbox_now().isoformat())
    assert answer.status_code == 400
    assert us.get("cdc", changedSince=sandbox_now().isoformat()).status_code == 400
