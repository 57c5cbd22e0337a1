"""QBO entity payloads built from CRM objects: pure mapping, no database and no HTTP.

Callers pass objects whose related rows are already loaded (lines, tax rates, payments).
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from invoices.models import Contact, Invoice, InvoiceLine, Payment, invoice_tax

from . import rules


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def customer_payload(*, contact: Contact, display_name: str) -> dict:
    payload = {
        "DisplayName": display_name,
        "GivenName": rules.clean_qbo_name(contact.first_name, rules.MAX_PERSON_NAME_LENGTH),
        "FamilyName": rules.clean_qbo_name(contact.last_name, rules.MAX_PERSON_NAME_LENGTH),
    }
    if contact.email.strip():  # QuickBooks checks an address it is given: none is none
        payload["PrimaryEmailAddr"] = {"Address": contact.email.strip()}
    if contact.company:
        payload["CompanyName"] = rules.clean_qbo_name(contact.company, 100)
    if contact.phone:
        payload["PrimaryPhone"] = {"FreeFormNumber": contact.phone}
    return payload


def item_payload(*, name: str, income_account_id: str, taxable: bool) -> dict:
    return {
        "Name": name,
        "Type": "Service",
        "IncomeAccountRef": {"value": income_account_id},
        "Taxable": taxable,
    }


def _line_tax_ref(line: InvoiceLine, country: str, tax_code_ids: Mapping[str, str]) -> str:
    if country == "US":
        return rules.us_tax_code(line.tax_rate.percentage if line.tax_rate else None)
    return tax_code_ids[line.tax_rate.name]


def invoice_payload(
    *,
    invoice: Invoice,
    lines: Sequence[InvoiceLine],
    doc_number: str,
    customer_id: str,
    item_ids: Mapping[str, str],
    country: str,
    tax_code_ids: Mapping[str, str],
    tips: Decimal = Decimal("0"),
) -> dict:
    """The Invoice as QBO wants it. `item_ids` maps a line's QBO item name to its item id."""
    qbo_lines = []
    for line in lines:
        detail = {
            "ItemRef": {"value": item_ids[rules.item_name_for(line.name)]},
            "Qty": f"{line.quantity.normalize():f}",
            "UnitPrice": _money(line.unit_price),
            "TaxCodeRef": {"value": _line_tax_ref(line, country, tax_code_ids)},
        }
        qbo_lines.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": _money(line.amount),
                "Description": rules.clean_qbo_text(line.description or line.name,
                                                    rules.MAX_DESCRIPTION_LENGTH),
                "SalesItemLineDetail": detail,
            }
        )
    if tips > 0:
        # Tips collected with payments, through QBO's gratuity feature (when it is on).
        qbo_lines.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": _money(tips),
                "Description": "Tip",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": rules.GRATUITY_ITEM_ID},
                    **({"TaxCodeRef": {"value": "NON"}} if country == "US" else {}),
                },
            }
        )
    payload = {
        "DocNumber": doc_number,
        "TxnDate": invoice.issue_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        "CustomerRef": {"value": customer_id},
        "Line": qbo_lines,
    }
    if invoice.contact.email.strip():
        payload["BillEmail"] = {"Address": invoice.contact.email.strip()}
    memo = rules.clean_qbo_text(invoice.memo, rules.MAX_MEMO_LENGTH)
    if memo.strip():
        payload["CustomerMemo"] = {"value": memo}
    if country == "US":
        tax = invoice_tax(lines)  # the CRM's figure: each rate rounded once
        payload["TxnTaxDetail"] = {"TotalTax": _money(tax)}
    else:
        payload["GlobalTaxCalculation"] = "TaxExcluded"
    return payload


def payment_payload(
    *,
    payment: Payment,
    customer_id: str,
    invoice_qbo_id: str,
    ref_number: str,
    tip_applied: bool,
) -> dict:
    """A payment linked to its invoice. A tip is applied through the invoice's gratuity line
    when tips are on; otherwise it is received but left unapplied (UnappliedAmt)."""
    applied = payment.amount + (payment.tip_amount if tip_applied else Decimal("0"))
    payload = {
        "TotalAmt": _money(payment.total_received),
        "CustomerRef": {"value": customer_id},
        "TxnDate": payment.date.isoformat(),
        "Line": [
            {
                "Amount": _money(applied),
                "LinkedTxn": [{"TxnId": invoice_qbo_id, "TxnType": "Invoice"}],
            }
        ],
    }
    if ref_number:
        payload["PaymentRefNum"] = ref_number
    return payload
