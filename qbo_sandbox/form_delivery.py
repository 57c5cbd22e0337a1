"""Sending a sales form by email and printing it, as QuickBooks does through the API:

    POST /v3/company/<realm>/invoice/<id>/send[?sendTo=<address>]   (and salesreceipt, ...)
    GET  /v3/company/<realm>/invoice/<id>/pdf                        (application/pdf)

The sandbox sends no mail: a send is recorded (`GET /_sandbox/companies/<realm>/sent`) and the
form answers as Intuit's does after one, `EmailStatus` "EmailSent" and `DeliveryInfo`
{DeliveryType "Email", DeliveryTime}; a `sendTo` also becomes the form's `BillEmail`
(a purchase order's `POEmail`). The PDF is a one-page document drawn here (no dependency):
the form's number, dates, customer, lines and totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from . import faults
from .values import iso, ref_value

# The forms Intuit's API sends and prints (python-quickbooks: SendMixin, download_pdf).
SENDABLE = ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt",
            "PurchaseOrder")
PRINTABLE = SENDABLE
TITLES = {"Invoice": "INVOICE", "SalesReceipt": "SALES RECEIPT", "Estimate": "ESTIMATE",
          "CreditMemo": "CREDIT MEMO", "RefundReceipt": "REFUND RECEIPT",
          "PurchaseOrder": "PURCHASE ORDER"}
_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


@dataclass(frozen=True)
class Answer:
    """An API answer that is not an entity's JSON (a PDF, a report): sent as it is."""

    content: bytes
    content_type: str
    status: int = 200

    def response(self) -> Response:
        return Response(self.content, status=self.status, content_type=self.content_type)


def send(books: Any, entity: str, entity_id: str, send_to: str | None) -> dict[str, Any]:
    """Email the form (recorded, not sent) and answer it as updated by the send."""
    form = books.get(entity, entity_id)
    email_key = "POEmail" if entity == "PurchaseOrder" else "BillEmail"
    if send_to is not None and not _EMAIL.fullmatch(send_to.strip()):
        raise faults.QBOFault(2050, "Invalid String", f"Invalid email address: {send_to}",
                              element="sendTo")
    address = send_to.strip() if send_to else (form.get(email_key) or {}).get("Address")
    if not address:
        raise faults.business_rule(
            f"Business Validation Error: There is no email address to send this form to: "
            f"give the {entity} a {email_key} or send it with ?sendTo=.", email_key)
    change: dict[str, Any] = {
        "Id": form["Id"], "SyncToken": form["SyncToken"], "sparse": True,
        "EmailStatus": "EmailSent",
        "DeliveryInfo": {"DeliveryType": "Email", "DeliveryTime": iso(books.now)},
    }
    if send_to:
        change[email_key] = {"Address": address}
    sent = books.update(entity, change, {})
    books.store.execute(
        "INSERT INTO sent_forms (realm_id, type, id, doc_number, send_to, time) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (books.realm, entity, str(form["Id"]), str(form.get("DocNumber") or ""), address,
         books.now))
    return sent


def sent(store: Any, realm: str) -> list[dict[str, Any]]:
    """Every form sent in company `realm`, oldest first."""
    return [{"entity": row["type"], "id": row["id"], "doc_number": row["doc_number"],
             "send_to": row["send_to"], "time": row["time"]}
            for row in store.rows("SELECT * FROM sent_forms WHERE realm_id = ? ORDER BY seq",
                                  (realm,))]


def pdf(books: Any, entity: str, entity_id: str) -> Answer:
    form = books.get(entity, entity_id)
    return Answer(render_pdf(form_lines(books, entity, form)), "application/pdf")


def form_lines(books: Any, entity: str, form: dict[str, Any]) -> list[str]:
    """The text of a printed form, line by line."""
    number = form.get("DocNumber") or form["Id"]
    party = form.get("CustomerRef") or form.get("VendorRef") or {}
    email = (form.get("BillEmail") or form.get("POEmail") or {}).get("Address", "")
    currency = ref_value(form.get("CurrencyRef")) or books._home_currency()
    text = [books.company["name"], "", f"{TITLES.get(entity, entity.upper())} {number}",
            f"Date: {form.get('TxnDate', '')}"]
    if form.get("DueDate"):
        text.append(f"Due date: {form['DueDate']}")
    text += [f"{'Vendor' if 'VendorRef' in form else 'Bill to'}: "
             f"{party.get('name') or ref_value(party) or ''}"]
    if email:
        text.append(f"Email: {email}")
    text += ["", f"{'Description':<44}{'Qty':>8}{'Rate':>12}{'Amount':>14}"]
    for line in form.get("Line") or []:
        if line.get("DetailType") == "SubTotalLineDetail":
            text.append(f"{'Subtotal':<64}{_money(line.get('Amount')):>14}")
            continue
        detail = line.get("SalesItemLineDetail") or line.get("ItemBasedExpenseLineDetail") or {}
        item = (detail.get("ItemRef") or {}).get("name", "")
        description = str(line.get("Description") or item or line.get("DetailType", ""))
        amount = _money(line.get("Amount"))
        if line.get("DetailType") == "DiscountLineDetail":
            amount = f"-{amount}"
        qty = str(detail.get("Qty", "")) if detail else ""
        rate = _money(detail["UnitPrice"]) if detail.get("UnitPrice") is not None else ""
        text.append(f"{description[:43]:<44}{qty:>8}{rate:>12}{amount:>14}")
    tax = (form.get("TxnTaxDetail") or {}).get("TotalTax")
    if tax:
        text.append(f"{'Tax':<64}{_money(tax):>14}")
    text.append(f"{'Total (' + currency + ')':<64}{_money(form.get('TotalAmt')):>14}")
    if entity == "Invoice":
        text.append(f"{'Balance due':<64}{_money(form.get('Balance')):>14}")
    if form.get("CustomerMemo"):
        text += ["", str((form["CustomerMemo"] or {}).get("value", ""))]
    return text


def _money(value: Any) -> str:
    try:
        return f"{float(value or 0):,.2f}"
    except (TypeError, ValueError):
        return str(value)


def render_pdf(lines: list[str], *, per_page: int = 52) -> bytes:
    """A valid PDF 1.4 of these text lines in Courier 10 pt, A4/Letter-safe margins, as
    many pages as they need."""
    pages = [lines[i:i + per_page] for i in range(0, max(len(lines), 1), per_page)] or [[]]
    objects: list[bytes] = []
    font_id = 3
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier "
                   b"/Encoding /WinAnsiEncoding >>")
    for index, chunk in enumerate(pages):
        stream = ["BT", "/F1 10 Tf", "12 TL", "50 760 Td"]
        for text in chunk:
            stream.append(f"({_pdf_text(text)}) Tj T*")
        stream.append("ET")
        content = "\n".join(stream).encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 792] "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> "
                       f"/Contents {page_ids[index] + 1} 0 R >>".encode())
        objects.append(b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n"
                       + content + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def _pdf_text(text: str) -> str:
    """A PDF string literal's content: Windows-1252 characters, `\\ ( )` escaped."""
    encoded = text.encode("cp1252", errors="replace").decode("latin-1")
    return encoded.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
