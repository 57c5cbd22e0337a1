"""integrations/payloads.py: the exact JSON each CRM object becomes on the wire to QuickBooks.

Pure mapping, so the objects are unsaved and hand-made (tests/factories.py `build_*`), and each
test compares the whole payload with the literal QuickBooks receives.
"""

from decimal import Decimal

from integrations import payloads
from tests.factories import (
    build_contact,
    build_invoice,
    build_line,
    build_payment,
    build_refund,
    build_tax_rate,
)

SALES_TAX = build_tax_rate(pk=1, name="Sales Tax", percentage="10")
HST = build_tax_rate(pk=2, name="HST ON", percentage="13")
VAT = build_tax_rate(pk=3, name="20.0% S", percentage="20")


def sales_line(amount: str, description: str, item: str, qty: str, unit_price: str,
               tax_code: str) -> dict:
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "Description": description,
            "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": qty,
                                    "UnitPrice": unit_price, "TaxCodeRef": {"value": tax_code}}}


# --- customers and items --------------------------------------------------------------------

def test_a_customer_carries_its_names_email_company_and_phone():
    contact = build_contact(first_name="Ada", last_name="Lovelace", email=" ada@example.com ",
                            company="Analytical: Engines", phone="555-0100")

    assert payloads.customer_payload(contact=contact, display_name="Ada Lovelace") == {
        "DisplayName": "Ada Lovelace",
        "GivenName": "Ada",
        "FamilyName": "Lovelace",
        "PrimaryEmailAddr": {"Address": "ada@example.com"},
        "CompanyName": "Analytical\u2236 Engines",  # ':' would make a sub-customer
        "PrimaryPhone": {"FreeFormNumber": "555-0100"},
    }


def test_a_customer_without_email_company_or_phone_sends_none_of_them():
    contact = build_contact(first_name="Ada", last_name="", email="  ")

    assert payloads.customer_payload(contact=contact, display_name="Ada") == {
        "DisplayName": "Ada", "GivenName": "Ada", "FamilyName": "",
    }


def test_an_item_is_a_service_on_its_income_account():
    assert payloads.item_payload(name="Portrait Session", income_account_id="1",
                                 taxable=True) == {
        "Name": "Portrait Session",
        "Type": "Service",
        "IncomeAccountRef": {"value": "1"},
        "Taxable": True,
    }


# --- invoices -------------------------------------------------------------------------------

def test_a_us_invoice_with_tax_a_percent_discount_and_a_memo():
    invoice = build_invoice(memo="Thank you!", discount_kind="percent", discount_value="10")
    lines = [
        build_line(name="Portrait Session", quantity="2", unit_price="100.00",
                   tax_rate=SALES_TAX),
        build_line(name="Prints", quantity="3", unit_price="15.00", description="8x10 prints"),
    ]

    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number="1042", customer_id="58",
        item_ids={"Portrait Session": "7", "Prints": "8"}, country="US", tax_code_ids={})

    assert payload == {
        "DocNumber": "1042",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": "58"},
        "Line": [
            sales_line("200.00", "Portrait Session", "7", "2", "100.00", "TAX"),
            sales_line("45.00", "8x10 prints", "8", "3", "15.00", "NON"),
            {"DetailType": "DiscountLineDetail", "Amount": "24.50",
             "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": "10"}},
        ],
        "BillEmail": {"Address": "ada@example.com"},
        "CustomerMemo": {"value": "Thank you!"},
        # 10% of the taxed line after the discount took 10% off it: 10% of 180.00
        "TxnTaxDetail": {"TotalTax": "18.00"},
    }


def test_a_us_invoice_with_tips_sends_its_discount_as_an_amount_and_a_tip_line():
    """QuickBooks would take a percent of the tip line too."""
    invoice = build_invoice(discount_kind="percent", discount_value="10")
    lines = [build_line(name="Portrait Session", unit_price="200.00", tax_rate=SALES_TAX)]

    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number="1042", customer_id="58",
        item_ids={"Portrait Session": "7"}, country="US", tax_code_ids={},
        tips=Decimal("12.00"), discount_account_id="86")

    assert payload == {
        "DocNumber": "1042",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": "58"},
        "Line": [
            sales_line("200.00", "Portrait Session", "7", "1", "200.00", "TAX"),
            {"DetailType": "DiscountLineDetail", "Amount": "20.00",
             "DiscountLineDetail": {"PercentBased": False,
                                    "DiscountAccountRef": {"value": "86"}}},
            {"DetailType": "SalesItemLineDetail", "Amount": "12.00", "Description": "Tip",
             "SalesItemLineDetail": {"ItemRef": {"value": "GRATUITY_ITEM_ID"},
                                     "TaxCodeRef": {"value": "NON"}}},
        ],
        "BillEmail": {"Address": "ada@example.com"},
        "TxnTaxDetail": {"TotalTax": "18.00"},
    }


def test_a_line_with_its_own_discount_goes_at_its_discounted_unit_price_and_names_it():
    invoice = build_invoice(contact=build_contact(email=" "))
    lines = [build_line(name="Album", quantity="2", unit_price="80.00",
                        discount_percent="25", description="Leather album")]

    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number="1042", customer_id="58",
        item_ids={"Album": "9"}, country="US", tax_code_ids={})

    assert payload == {
        "DocNumber": "1042",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": "58"},
        "Line": [sales_line("120.00", "Leather album (25% off 80.00)", "9", "2", "60.00000",
                            "NON")],
        "TxnTaxDetail": {"TotalTax": "0.00"},
    }


def test_a_canadian_invoice_carries_the_tax_code_of_each_line_and_quickbooks_adds_the_tax():
    invoice = build_invoice()
    lines = [build_line(name="Portrait Session", unit_price="100.00", tax_rate=HST)]

    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number="C-1", customer_id="3",
        item_ids={"Portrait Session": "19"}, country="CA", tax_code_ids={"HST ON": "2"})

    assert payload == {
        "DocNumber": "C-1",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": "3"},
        "Line": [sales_line("100.00", "Portrait Session", "19", "1", "100.00", "2")],
        "BillEmail": {"Address": "ada@example.com"},
        "GlobalTaxCalculation": "TaxExcluded",
    }


def test_a_uk_invoice_with_an_amount_discount_and_a_tip_line_without_a_vat_code():
    invoice = build_invoice(discount_kind="amount", discount_value="10")
    lines = [build_line(name="Portrait Session", unit_price="100.00", tax_rate=VAT)]

    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number="UK-1", customer_id="4",
        item_ids={"Portrait Session": "20"}, country="GB", tax_code_ids={"20.0% S": "1"},
        tips=Decimal("5.00"))

    assert payload == {
        "DocNumber": "UK-1",
        "TxnDate": "2026-11-01",
        "DueDate": "2026-11-15",
        "CustomerRef": {"value": "4"},
        "Line": [
            sales_line("100.00", "Portrait Session", "20", "1", "100.00", "1"),
            {"DetailType": "DiscountLineDetail", "Amount": "10.00",
             "DiscountLineDetail": {"PercentBased": False}},
            {"DetailType": "SalesItemLineDetail", "Amount": "5.00", "Description": "Tip",
             "SalesItemLineDetail": {"ItemRef": {"value": "GRATUITY_ITEM_ID"}}},
        ],
        "BillEmail": {"Address": "ada@example.com"},
        "GlobalTaxCalculation": "TaxExcluded",
    }


def test_an_invoice_without_a_discount_has_no_discount_line():
    invoice = build_invoice()
    lines = [build_line(name="Prints", unit_price="15.00")]

    assert payloads.invoice_discount(invoice, lines) == Decimal("0")
    assert payloads.invoice_discount_line(invoice=invoice, lines=lines) is None


def test_an_amount_discount_larger_than_the_lines_is_the_lines_and_no_more():
    invoice = build_invoice(discount_kind="amount", discount_value="50")
    lines = [build_line(name="Prints", unit_price="15.00")]

    assert payloads.invoice_discount(invoice, lines) == Decimal("15.00")
    assert payloads.invoice_discount_line(invoice=invoice, lines=lines,
                                          discount_account_id="86") == {
        "DetailType": "DiscountLineDetail", "Amount": "15.00",
        "DiscountLineDetail": {"PercentBased": False, "DiscountAccountRef": {"value": "86"}},
    }


# --- payments -------------------------------------------------------------------------------

def test_a_payment_with_its_tip_applied_through_quickbooks_tips():
    payment = build_payment(amount="100.00", tip="10.00")

    assert payloads.payment_payload(
        payment=payment, customer_id="58", invoice_qbo_id="130", ref_number="STRIPE-1",
        tip_applied=True, deposit_account_id="35") == {
        "TotalAmt": "110.00",
        "CustomerRef": {"value": "58"},
        "TxnDate": "2026-11-20",
        "Line": [{"Amount": "110.00", "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
        "PaymentRefNum": "STRIPE-1",
        "DepositToAccountRef": {"value": "35"},
    }


def test_a_payment_whose_tip_cannot_be_applied_leaves_it_unapplied():
    """No reference and no chosen account: QuickBooks deposits to Undeposited Funds."""
    payment = build_payment(amount="100.00", tip="10.00")

    assert payloads.payment_payload(
        payment=payment, customer_id="58", invoice_qbo_id="130", ref_number="",
        tip_applied=False) == {
        "TotalAmt": "110.00",
        "CustomerRef": {"value": "58"},
        "TxnDate": "2026-11-20",
        "Line": [{"Amount": "100.00", "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]}],
    }


# --- refunds --------------------------------------------------------------------------------

def test_refund_receipts_are_numbered_after_their_invoice_within_21_characters():
    assert payloads.refund_doc_number(invoice_number="1042", ordinal=1) == "R-1042"
    assert payloads.refund_doc_number(invoice_number="1042", ordinal=2) == "R2-1042"
    assert payloads.refund_doc_number(invoice_number="INV-2024-WEDDING-SMITH-0001",
                                      ordinal=1) == "R-INV...NG-SMITH-0001"


def test_a_us_refund_receipt_gives_back_an_amount_and_a_tip_through_the_gratuity_item():
    refund = build_refund(amount="30.00", tip="5.00", reason="Late delivery")

    assert payloads.refund_receipt_payload(
        refund=refund, invoice_number="1042", doc_number="R-1042", customer_id="58",
        deposit_account_id="4", item_id="7", tax_code_id="NON", country="US",
        tip_as_gratuity=True, marker="hatsync refund #9") == {
        "DocNumber": "R-1042",
        "TxnDate": "2026-11-25",
        "CustomerRef": {"value": "58"},
        "DepositToAccountRef": {"value": "4"},
        "Line": [
            sales_line("30.00", "Refund on invoice 1042: Late delivery", "7", "1", "30.00",
                       "NON"),
            sales_line("5.00", "Tip refunded", "GRATUITY_ITEM_ID", "1", "5.00", "NON"),
        ],
        "PrivateNote": "hatsync refund #9. Late delivery",
    }


def test_a_canadian_refund_receipt_is_tax_inclusive_with_the_tip_on_the_same_item():
    refund = build_refund(amount="56.50", tip="5.00")

    assert payloads.refund_receipt_payload(
        refund=refund, invoice_number="C-1", doc_number="R-C-1", customer_id="3",
        deposit_account_id="4", item_id="19", tax_code_id="2", country="CA",
        tip_as_gratuity=False, marker="hatsync refund #10") == {
        "DocNumber": "R-C-1",
        "TxnDate": "2026-11-25",
        "CustomerRef": {"value": "3"},
        "DepositToAccountRef": {"value": "4"},
        "Line": [
            sales_line("56.50", "Refund on invoice C-1", "19", "1", "56.50", "2"),
            sales_line("5.00", "Tip refunded", "19", "1", "5.00", "2"),
        ],
        "PrivateNote": "hatsync refund #10",
        "GlobalTaxCalculation": "TaxInclusive",
    }


def test_a_uk_refund_of_a_tip_alone_goes_on_the_gratuity_item_without_a_vat_code():
    refund = build_refund(amount="0", tip="5.00")

    assert payloads.refund_receipt_payload(
        refund=refund, invoice_number="UK-1", doc_number="R-UK-1", customer_id="4",
        deposit_account_id="4", item_id="20", tax_code_id="1", country="GB",
        tip_as_gratuity=True, marker="hatsync refund #11") == {
        "DocNumber": "R-UK-1",
        "TxnDate": "2026-11-25",
        "CustomerRef": {"value": "4"},
        "DepositToAccountRef": {"value": "4"},
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "5.00",
                  "Description": "Tip refunded",
                  "SalesItemLineDetail": {"ItemRef": {"value": "GRATUITY_ITEM_ID"},
                                          "Qty": "1", "UnitPrice": "5.00"}}],
        "PrivateNote": "hatsync refund #11",
        "GlobalTaxCalculation": "TaxInclusive",
    }


# --- processing fees ------------------------------------------------------------------------

def test_a_processing_fee_is_a_cash_expense_from_where_the_payment_went():
    payment = build_payment(amount="100.00", processor_fee="3.20", reference="CARD-7")

    assert payloads.fee_purchase_payload(
        payment=payment, invoice_number="1042", from_account_id="4", fee_account_id="91",
        marker="hatsync fee #12") == {
        "PaymentType": "Cash",
        "AccountRef": {"value": "4"},
        "TxnDate": "2026-11-20",
        "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": "3.20",
                  "Description": "Card processing fee",
                  "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "91"}}}],
        "PrivateNote": "Processing fee on payment CARD-7 of invoice 1042 (hatsync fee #12)",
    }


def test_a_fee_on_a_payment_without_a_reference_names_the_payment_by_its_date():
    payment = build_payment(amount="100.00", processor_fee="3.20")

    payload = payloads.fee_purchase_payload(
        payment=payment, invoice_number="1042", from_account_id="4", fee_account_id="91",
        marker="hatsync fee #13")

    assert payload["PrivateNote"] == (
        "Processing fee on payment of 2026-11-20 of invoice 1042 (hatsync fee #13)")
