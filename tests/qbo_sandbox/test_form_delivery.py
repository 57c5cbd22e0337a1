"""Paths after an entity's id: sending a form by email, its PDF, and Intuit's fault (with
nothing written) for every path the sandbox does not serve."""

from __future__ import annotations

import re

import pytest
import requests
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.salesreceipt import SalesReceipt

from qbo_sandbox.form_delivery import render_pdf

from .conftest import BASE, US, control, fault_of, sales_line


def invoice_for(us, name: str, **fields) -> dict:
    customer = us.customer(name)
    answer = us.invoice(customer["Id"], [sales_line(100, tax_code="NON")], **fields)
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoice"]


def counts() -> dict:
    return {entity: len(control("GET", f"companies/{US}/entities/{entity}"))
            for entity in ("Customer", "Invoice", "SalesReceipt")}


@pytest.mark.parametrize("path", ["customer/1/send", "invoice/1/void", "customer/1",
                                  "customer/1/send/again", "payroll", "reports"])
def test_a_post_the_sandbox_does_not_serve_answers_intuits_fault_and_writes_nothing(us, path):
    before = counts()

    answer = us.post(path, {"DisplayName": "Should Not Exist"})

    assert answer.status_code == 400
    error = fault_of(answer)
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
    assert error["Detail"] == (
        f"Operation Could not find resource for relative : /v3/company/{US}/{path} of full "
        f"path: {BASE}/v3/company/{US}/{path}?minorversion=75 is not supported.")
    assert counts() == before


@pytest.mark.parametrize("path", ["customer/1/pdf", "invoice/1/history", "customer/1/send"])
def test_a_get_the_sandbox_does_not_serve_answers_intuits_fault(us, path):
    answer = us.get(path)

    assert answer.status_code == 400
    assert fault_of(answer)["code"] == "500"


def test_invoice_send_through_python_quickbooks_records_it_and_marks_the_invoice_sent(qb, us):
    invoice = Invoice.get(invoice_for(us, "Send Customer")["Id"], qb=qb)
    assert invoice.EmailStatus == "NotSet"

    answer = invoice.send(qb=qb, send_to="bookkeeper@example.com")

    sent = answer["Invoice"]
    assert sent["EmailStatus"] == "EmailSent"
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    assert sent["DeliveryInfo"]["DeliveryTime"].endswith(("-08:00", "-07:00"))  # Pacific
    assert sent["BillEmail"] == {"Address": "bookkeeper@example.com"}
    assert sent["SyncToken"] == str(int(invoice.SyncToken) + 1)
    reread = Invoice.get(invoice.Id, qb=qb)
    assert reread.EmailStatus == "EmailSent"
    assert [(s["entity"], s["id"], s["send_to"]) for s in control(
        "GET", f"companies/{US}/sent")["sent"]] == [
        ("Invoice", invoice.Id, "bookkeeper@example.com")]


def test_send_without_send_to_goes_to_the_forms_bill_email(us):
    invoice = invoice_for(us, "Emailed Customer", BillEmail={"Address": "owner@example.com"})

    answer = us.post(f"invoice/{invoice['Id']}/send", {})

    assert answer.status_code == 200, answer.text
    assert control("GET", f"companies/{US}/sent")["sent"][0]["send_to"] == "owner@example.com"


def test_send_with_no_address_anywhere_is_refused_and_nothing_is_recorded(us):
    invoice = invoice_for(us, "No Email Customer")

    answer = us.post(f"invoice/{invoice['Id']}/send", {})

    assert answer.status_code == 400
    assert fault_of(answer)["code"] == "6000"
    assert control("GET", f"companies/{US}/sent")["sent"] == []
    assert us.get(f"invoice/{invoice['Id']}").json()["Invoice"]["SyncToken"] == \
        invoice["SyncToken"]


def test_send_to_a_malformed_address_is_refused(us):
    invoice = invoice_for(us, "Bad Email Customer")

    answer = us.post(f"invoice/{invoice['Id']}/send", {}, sendTo="not-an-address")

    assert answer.status_code == 400
    assert fault_of(answer)["element"] == "sendTo"


def test_sales_receipt_send_and_an_unknown_id(us, qb):
    customer = us.customer("Receipt Customer")
    receipt = us.create("SalesReceipt", {"CustomerRef": {"value": customer["Id"]},
                                         "Line": [sales_line(25, tax_code="NON")]})

    answer = SalesReceipt.get(receipt["Id"], qb=qb)
    sent = us.post(f"salesreceipt/{answer.Id}/send", {}, sendTo="r@example.com")
    missing = us.post("invoice/999999/send", {}, sendTo="r@example.com")

    assert sent.json()["SalesReceipt"]["EmailStatus"] == "EmailSent"
    assert missing.status_code == 400
    assert fault_of(missing)["code"] == "610"


def test_sent_forms_are_forgotten_by_delete_and_by_reset(us):
    invoice = invoice_for(us, "Forget Customer")
    us.post(f"invoice/{invoice['Id']}/send", {}, sendTo="a@example.com")

    assert requests.delete(f"{BASE}/_sandbox/companies/{US}/sent").json() == {"sent": []}
    us.post(f"invoice/{invoice['Id']}/send", {}, sendTo="a@example.com")
    control("POST", "reset", {"sample_data": False})
    assert control("GET", f"companies/{US}/sent")["sent"] == []


def test_invoice_pdf_through_python_quickbooks_is_a_pdf_of_that_invoice(qb, us):
    invoice = Invoice.get(invoice_for(us, "Pdf Customer", DocNumber="PDF-7")["Id"], qb=qb)

    content = invoice.download_pdf(qb=qb)

    assert content.startswith(b"%PDF-1.4\n") and content.rstrip().endswith(b"%%EOF")
    assert b"(INVOICE PDF-7) Tj" in content
    assert b"Pdf Customer" in content
    answer = us.get(f"invoice/{invoice.Id}/pdf")
    assert answer.headers["Content-Type"] == "application/pdf"


def test_the_pdf_cross_reference_table_points_at_each_object():
    content = render_pdf([f"line {n} (with parentheses) \\ and a backslash" for n in range(120)])

    xref_at = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    table = content[xref_at:].split(b"trailer")[0].split(b"\n")[2:]
    offsets = [int(entry[:10]) for entry in table if entry.endswith(b" n ")]
    assert len(offsets) == 3 + 2 * 3  # catalog, pages, font; 3 pages of 52 lines
    for number, offset in enumerate(offsets, start=1):
        assert content[offset:].startswith(f"{number} 0 obj".encode())
    assert re.search(rb"/Count 3", content)
    assert b"\\(with parentheses\\) \\\\ and" in content
