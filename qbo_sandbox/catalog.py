"""Which entities the API serves (their path segments), which it writes, voids and numbers in
one transaction sequence, and the limits QuickBooks sets on the fields they share."""

from __future__ import annotations

from .lists import LISTS
from .sales import SALES_FORMS

GRATUITY_ITEM_ID = "GRATUITY_ITEM_ID"
MAX_DOC_NUMBER = 21
# The dates a transaction can carry (TxnDate, DueDate...): outside them QuickBooks answers a
# validation fault, never a server error. Intuit publishes no range; hatsync's note on issue
# 20 says why these years.
EARLIEST_DATE, LATEST_DATE = "1900-01-01", "2099-12-31"
DATE_FIELDS = ("TxnDate", "DueDate", "ShipDate")
MAX_ITEM_NAME = 100
MAX_DISPLAY_NAME = 500
US_TAX_CODES = ("TAX", "NON")

# Path segment (lower case, as python-quickbooks sends it) -> entity name.
ENTITY_PATHS = {
    "customer": "Customer",
    "item": "Item",
    "invoice": "Invoice",
    "payment": "Payment",
    "taxcode": "TaxCode",
    "taxrate": "TaxRate",
    "account": "Account",
    "preferences": "Preferences",
    "companyinfo": "CompanyInfo",
    "paymentmethod": "PaymentMethod",
    "term": "Term",
    "class": "Class",
    "department": "Department",
    "vendor": "Vendor",
    "employee": "Employee",
    "salesreceipt": "SalesReceipt",
    "refundreceipt": "RefundReceipt",
    "creditmemo": "CreditMemo",
    "deposit": "Deposit",
    "purchase": "Purchase",
    "companycurrency": "CompanyCurrency",
    "exchangerate": "ExchangeRate",
    "bill": "Bill",
    "billpayment": "BillPayment",
    "vendorcredit": "VendorCredit",
    "purchaseorder": "PurchaseOrder",
    "transfer": "Transfer",
    "creditcardpayment": "CreditCardPaymentTxn",  # its JSON name differs from its path
    "journalentry": "JournalEntry",
    "estimate": "Estimate",
    "timeactivity": "TimeActivity",
    "attachable": "Attachable",
    "recurringtransaction": "RecurringTransaction",
    "taxagency": "TaxAgency",
}
# What a company owes its vendors (purchases.py) and moves between its accounts (banking.py).
VENDOR_TXNS = ("Bill", "BillPayment", "VendorCredit", "PurchaseOrder")
BANKING_TXNS = ("Transfer", "CreditCardPaymentTxn", "JournalEntry")
TRANSACTIONS = ("Invoice", "Payment", *SALES_FORMS, *VENDOR_TXNS, *BANKING_TXNS, "Estimate",
                "TimeActivity")
# Not transactions, yet written and deleted through the API: notes and files (attachables.py),
# recurring templates (recurring.py); tax agencies are created, never deleted (taxes.py).
OTHER_DELETABLE = ("Attachable", "RecurringTransaction")
WRITABLE = {"Customer", "Item", "CompanyCurrency", "TaxAgency", *LISTS, *TRANSACTIONS,
            *OTHER_DELETABLE}
DELETABLE = (*TRANSACTIONS, *OTHER_DELETABLE)
# Served by the API yet, as at Intuit, in neither webhooks nor change data capture.
NOT_NOTIFIED = ("Attachable", "RecurringTransaction", "CreditCardPaymentTxn")
# Ids: name lists count on their own; transactions share one sequence, as in QBO.
ID_SPACES = {entity: "txn" for entity in TRANSACTIONS}
VOIDABLE = ("Invoice", "Payment", "SalesReceipt", "BillPayment")
