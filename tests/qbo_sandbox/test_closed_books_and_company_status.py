"""Closed books (6200) and a company that cannot be written to (6190), as Intuit answers them."""

from __future__ import annotations

import requests

from .conftest import BASE, US, fault_of, sales_line


def _close_books(date: str | None) -> None:
    answer = requests.post(f"{BASE}/_sandbox/companies/{US}/closing-date", json={"date": date})
    assert answer.status_code == 200, answer.text


def _set_status(**body: str) -> dict:
    answer = requests.post(f"{BASE}/_sandbox/companies/{US}/status", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_invoice_dated_on_the_closing_date_is_refused_with_6200(us):
    _close_books("2025-12-31")
    customer = us.customer("Ana")
    error = fault_of(us.invoice(customer["Id"], [sales_line(10)], TxnDate="2025-12-31"))
    assert error["code"] == "6200"
    assert error["Message"] == "Account Period Closed"
    assert "2025-12-31" in error["Detail"]
    assert us.invoice(customer["Id"], [sales_line(10)], TxnDate="2026-01-01").status_code == 200


def test_a_closed_invoice_cannot_be_edited_voided_or_paid_back_into_the_period(us):
    customer = us.customer("Ana")
    invoice = us.invoice(customer["Id"], [sales_line(10)], TxnDate="2025-12-15").json()["Invoice"]
    _close_books("2025-12-31")
    edit = us.post("invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"],
                               "sparse": True, "TxnDate": "2026-01-05"})
    assert fault_of(edit)["code"] == "6200"  # moving it out still changes a closed one
    void = us.post("invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]},
                   operation="void")
    assert fault_of(void)["code"] == "6200"
    payment = us.post("payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 10,
                                  "TxnDate": "2025-12-20", "Line": [{"Amount": 10, "LinkedTxn": [
                                      {"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]})
    assert fault_of(payment)["code"] == "6200"


def test_preferences_show_the_closing_date_and_the_plan(us):
    _close_books("2025-12-31")
    _set_status(plan="simple_start")
    prefs = us.get("preferences/1").json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2025-12-31"
    assert prefs["AccountingInfoPrefs"]["ClassTrackingPerTxn"] is False
    assert prefs["AccountingInfoPrefs"]["TrackDepartments"] is False
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is False
    _close_books(None)
    prefs = us.get("preferences/1").json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == ""


def test_a_lapsed_company_refuses_every_write_with_6190_but_still_answers_reads(us):
    customer = us.customer("Ana")
    assert _set_status(status="lapsed") == {"status": "lapsed", "plan": "plus"}
    answer = us.post("customer", {"DisplayName": "Bea"}, requestid="r-1")
    assert answer.status_code == 400
    assert fault_of(answer)["code"] == "6190"
    assert fault_of(answer)["Message"] == "Invalid Company Status"
    assert us.get(f"customer/{customer['Id']}").status_code == 200
    assert us.query("select * from Customer").status_code == 200
    _set_status(status="active")
    # the refusal was not remembered under its requestid: the same request now lands
    assert us.post("customer", {"DisplayName": "Bea"}, requestid="r-1").status_code == 200


def test_unknown_status_or_plan_is_a_400(us):
    answer = requests.post(f"{BASE}/_sandbox/companies/{US}/status", json={"status": "gone"})
    assert answer.status_code == 400
    answer = requests.post(f"{BASE}/_sandbox/companies/{US}/closing-date", json={"date": "31/12"})
    assert answer.status_code == 400
