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
}
TRANSACTIONS = ("Invoice", "Payment", *SALES_FORMS)
WRITABLE = {"Customer", "Item", "CompanyCurrency", *LISTS, *TRANSACTIONS}
# Ids: name lists count on their own; transactions share one sequence, as in QBO.
ID_SPACES = {entity: "txn" for entity in TRANSACTIONS}
VOIDABLE = ("Invoice", "Payment", "SalesReceipt")
