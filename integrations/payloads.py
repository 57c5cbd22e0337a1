"""QBO entity payloads built from CRM objects: pure mapping, no database and no HTTP.

Callers pass objects whose related rows are already loaded (lines, tax rates, payments).
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from invoices.models import (
    Contact,
    Invoice,
    InvoiceLine,
    Payment,
    Refund,
    discount_of,
    invoice_tax,
)

from . import currencies, rules
from .tracking import InvoiceTracking

NO_TRACKING = InvoiceTracking()


def with_currency(payload: dict, *, currency: str = "", exchange_rate: Decimal | None = None
                  ) -> dict:
    """A transaction in a foreign currency: its CurrencyRef and ExchangeRate (home units per
    one foreign unit; QuickBooks books one sent without a rate at 1). Nothing for the home
    currency (`currency` blank), so a home-currency company's payloads stay as they were."""
    if currency:
        payload["CurrencyRef"] = {"value": currency}
        if exchange_rate is not None:
            payload["ExchangeRate"] = currencies.wire_rate(exchange_rate)
    return payload


def _wire_amount(value: Decimal) -> str:
    """An amount as QuickBooks' JSON carries it: a string with two decimals."""
    return f"{Decimal(value):.2f}"


def customer_payload(*, contact: Contact, display_name: str, currency: str = "") -> dict:
    """`currency`: a foreign one the customer is in for good (blank: the home currency)."""
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
    return with_currency(payload, currency=currency)


def item_payload(*, name: str, income_account_id: str, taxable: bool) -> dict:
    return {
        "Name": name,
        "Type": "Service",
        "IncomeAccountRef": {"value": income_account_id},
        "Taxable": taxable,
    }


def _unit_price(line: InvoiceLine) -> str:
    """QuickBooks wants Amount = Qty * UnitPrice. A line with a discount of its own (which
    QuickBooks' API has no field for) goes at its discounted unit price, to 5 places, so
    Amount stays the line's discounted amount to the cent."""
    if not line.discount_percent:
        return _wire_amount(line.unit_price)
    return f"{(line.amount / line.quantity).quantize(Decimal('0.00001')):f}"


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
    discount_account_id: str = "",
    tracking: InvoiceTracking = NO_TRACKING,
    currency: str = "",
    exchange_rate: Decimal | None = None,
) -> dict:
    """The Invoice as QBO wants it. `item_ids` maps a line's QBO item name to its item id.
    `discount_account_id`: where the invoice's discount is booked ("" = QuickBooks' default).
    `tracking`: its classes and location (tracking.invoice_tracking; none sent by default).
    `currency`, `exchange_rate`: a foreign invoice's (see `with_currency`)."""
    qbo_lines = []
    for index, line in enumerate(lines):
        detail = {
            "ItemRef": {"value": item_ids[rules.item_name_for(line.name)]},
            "Qty": f"{line.quantity.normalize():f}",
            "UnitPrice": _unit_price(line),
            "TaxCodeRef": {"value": _line_tax_ref(line, country, tax_code_ids)},
        }
        if index < len(tracking.line_class_ids) and tracking.line_class_ids[index]:
            detail["ClassRef"] = {"value": tracking.line_class_ids[index]}
        description = line.description or line.name
        if line.discount_percent:
            description = (f"{description} ({line.discount_percent.normalize():f}% off "
                           f"{_wire_amount(line.unit_price)})")
        qbo_lines.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": _wire_amount(line.amount),
                "Description": rules.clean_qbo_text(description,
                                                    rules.MAX_DESCRIPTION_LENGTH),
                "SalesItemLineDetail": detail,
            }
        )
    discount = invoice_discount_line(invoice=invoice, lines=lines,
                                     discount_account_id=discount_account_id,
                                     percent_allowed=tips <= 0)
    if discount:
        qbo_lines.append(discount)
    if tips > 0:
        # Tips collected with payments, through QBO's gratuity feature (when it is on).
        qbo_lines.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": _wire_amount(tips),
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
    if tracking.class_id:
        payload["ClassRef"] = {"value": tracking.class_id}
    if tracking.department_id:
        payload["DepartmentRef"] = {"value": tracking.department_id}
    if invoice.contact.email.strip():
        payload["BillEmail"] = {"Address": invoice.contact.email.strip()}
    memo = rules.clean_qbo_text(invoice.memo, rules.MAX_MEMO_LENGTH)
    if memo.strip():
        payload["CustomerMemo"] = {"value": memo}
    if country == "US":
        # the CRM's figure: each rate rounded once, on bases the discount shrank
        tax = invoice_tax(lines, discount=invoice_discount(invoice, lines))
        payload["TxnTaxDetail"] = {"TotalTax": _wire_amount(tax)}
        if tax_code_ids:  # a company without automated sales tax: its tax code of the rate
            payload["TxnTaxDetail"]["TxnTaxCodeRef"] = {"value": next(iter(
                tax_code_ids.values()))}
    else:
        payload["GlobalTaxCalculation"] = "TaxExcluded"
    return with_currency(payload, currency=currency, exchange_rate=exchange_rate)


def invoice_discount(invoice: Invoice, lines: Sequence[InvoiceLine]) -> Decimal:
    """The invoice's discount on these lines (the model's rule: Invoice.discount_amount)."""
    subtotal = sum((line.amount for line in lines), Decimal("0"))
    return discount_of(subtotal, invoice.discount_kind, invoice.discount_value)


def invoice_discount_line(
    *, invoice: Invoice, lines: Sequence[InvoiceLine], discount_account_id: str = "",
    percent_allowed: bool = True,
) -> dict | None:
    """QuickBooks' invoice-level discount (before tax), or None when there is none.

    A percent discount is sent as a percent (QuickBooks shows "10% off") with the amount the
    CRM computed; both round the percent of the subtotal half up to the cent. QuickBooks takes
    a percent of every sales line, a tip line too, so with tips on the invoice
    (`percent_allowed` False) the discount goes as its amount instead."""
    amount = invoice_discount(invoice, lines)
    if amount <= 0:
        return None
    percent = invoice.discount_kind == "percent" and percent_allowed
    detail: dict = {"PercentBased": percent}
    if percent:
        detail["DiscountPercent"] = f"{Decimal(invoice.discount_value).normalize():f}"
    if discount_account_id:
        detail["DiscountAccountRef"] = {"value": discount_account_id}
    return {"DetailType": "DiscountLineDetail", "Amount": _wire_amount(amount),
            "DiscountLineDetail": detail}


def payment_payload(
    *,
    payment: Payment,
    customer_id: str,
    invoice_qbo_id: str,
    ref_number: str,
    tip_applied: bool,
    deposit_account_id: str = "",
    payment_method_id: str = "",
    currency: str = "",
    exchange_rate: Decimal | None = None,
) -> dict:
    """A payment linked to its invoice, in its invoice's currency (`with_currency`). A tip
    is applied through the invoice's gratuity line when tips are on; otherwise it is
    received but left unapplied (UnappliedAmt).
    `deposit_account_id`: the account chosen for deposits; none sent means QuickBooks
    deposits to Undeposited Funds. `payment_method_id`: the company's PaymentMethod for the
    payment's method (rules.payment_method_id_for); none sent when there is none."""
    applied = payment.amount + (payment.tip_amount if tip_applied else Decimal("0"))
    payload = {
        "TotalAmt": _wire_amount(payment.total_received),
        "CustomerRef": {"value": customer_id},
        "TxnDate": payment.date.isoformat(),
        "Line": [
            {
                "Amount": _wire_amount(applied),
                "LinkedTxn": [{"TxnId": invoice_qbo_id, "TxnType": "Invoice"}],
            }
        ],
    }
    if ref_number:
        payload["PaymentRefNum"] = ref_number
    if deposit_account_id:
        payload["DepositToAccountRef"] = {"value": deposit_account_id}
    if payment_method_id:
        payload["PaymentMethodRef"] = {"value": payment_method_id}
    return with_currency(payload, currency=currency, exchange_rate=exchange_rate)


def refund_doc_number(*, invoice_number: str, ordinal: int) -> str:
    """A refund receipt's number: "R-<invoice number>" for the invoice's first refund,
    "R2-<invoice number>" for its second…, shortened to QuickBooks' 21 characters."""
    prefix = "R-" if ordinal <= 1 else f"R{ordinal}-"
    return rules.shorten_reference(prefix + invoice_number)


def refund_receipt_payload(
    *,
    refund: Refund,
    invoice_number: str,
    doc_number: str,
    customer_id: str,
    deposit_account_id: str,
    item_id: str,
    tax_code_id: str,
    country: str,
    tip_as_gratuity: bool,
    marker: str,
    payment_method_id: str = "",
    currency: str = "",
    exchange_rate: Decimal | None = None,
    tracking: InvoiceTracking = NO_TRACKING,
) -> dict:
    """A RefundReceipt that gives back part of a payment: money leaves `deposit_account_id`
    (where the payment went) and a line on the invoice's first item reverses the income.

    The refunded amount is what the customer paid, tax included: in Canada and the UK the
    line carries the first line's tax code and the receipt is TaxInclusive, so QuickBooks
    takes the tax back out of it; in the US the line is NON (the sales tax is not reversed,
    as the US invoice's tax is sent as a total). A tip given back goes on a gratuity line when
    the payment's tip was applied through QuickBooks' tips, else on the same item.
    `payment_method_id`: the company's PaymentMethod for how the money went back (the
    refund's method); none sent when there is none. `tracking`: the invoice's first line's
    class and the invoice's location (the income it reverses), as the company tracks them.
    """
    line_class = tracking.line_class_ids[0] if tracking.line_class_ids else ""

    def sales_line(amount: Decimal, item: str, description: str, code: str | None) -> dict:
        detail = {"ItemRef": {"value": item}, "Qty": "1", "UnitPrice": _wire_amount(amount)}
        if code:
            detail["TaxCodeRef"] = {"value": code}
        if line_class:
            detail["ClassRef"] = {"value": line_class}
        return {"DetailType": "SalesItemLineDetail", "Amount": _wire_amount(amount),
                "Description": description, "SalesItemLineDetail": detail}

    reason = rules.clean_qbo_text(refund.reason, 200).strip()
    what = f"Refund on invoice {invoice_number}" + (f": {reason}" if reason else "")
    lines = []
    if refund.amount > 0:
        lines.append(sales_line(refund.amount, item_id, what, tax_code_id))
    if refund.tip_amount > 0:
        if tip_as_gratuity:
            lines.append(sales_line(refund.tip_amount, rules.GRATUITY_ITEM_ID, "Tip refunded",
                                    "NON" if country == "US" else None))
        else:
            lines.append(sales_line(refund.tip_amount, item_id, "Tip refunded", tax_code_id))
    payload = {
        "DocNumber": doc_number,
        "TxnDate": refund.date.isoformat(),
        "CustomerRef": {"value": customer_id},
        "DepositToAccountRef": {"value": deposit_account_id},
        "Line": lines,
        "PrivateNote": marker + (f". {reason}" if reason else ""),
    }
    if payment_method_id:
        payload["PaymentMethodRef"] = {"value": payment_method_id}
    if tracking.class_id:
        payload["ClassRef"] = {"value": tracking.class_id}
    if tracking.department_id:
        payload["DepartmentRef"] = {"value": tracking.department_id}
    if country != "US":
        payload["GlobalTaxCalculation"] = "TaxInclusive"
    return with_currency(payload, currency=currency, exchange_rate=exchange_rate)


def fee_purchase_payload(
    *,
    payment: Payment,
    invoice_number: str,
    from_account_id: str,
    fee_account_id: str,
    marker: str,
    currency: str = "",
    exchange_rate: Decimal | None = None,
) -> dict:
    """The processor's fee on a payment as an expense (Purchase): paid in "Cash" out of the
    account the payment was deposited to (a bank account or Undeposited Funds, never a
    card), on one line of the fee expense account. No payee: the processor is not a vendor
    in QuickBooks."""
    ref = payment.reference.strip() or f"of {payment.date.isoformat()}"
    return with_currency({
        "PaymentType": "Cash",
        "AccountRef": {"value": from_account_id},
        "TxnDate": payment.date.isoformat(),
        "Line": [{
            "DetailType": "AccountBasedExpenseLineDetail",
            "Amount": _wire_amount(payment.processor_fee),
            "Description": "Card processing fee",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": fee_account_id}},
        }],
        "PrivateNote": rules.clean_qbo_text(
            f"Processing fee on payment {ref} of invoice {invoice_number} ({marker})", 4000),
    }, currency=currency, exchange_rate=exchange_rate)
