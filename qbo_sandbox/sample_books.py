"""The sample companies' vendor, bank and planning content, as Intuit's sample company holds
it: bills (some paid by check or card, one with a vendor credit), a purchase order, estimates
(invoice 1003 made from one), time activities, a transfer, a credit card payment, a journal
entry, recurring templates (an invoice and a bill) and a note. Every object goes through
`Books.create`, so it is checked, totalled and linked as the API makes it; `samples._Filler`
calls `fill(filler)` after the sales forms and before the account balances.
"""

from __future__ import annotations

from typing import Any

from .catalog import WRITABLE

# (vendor, days ago, [(expense account, amount)], doc number)
BILLS: list[tuple[str, int, list[tuple[int, str]], str]] = [
    ("Norton Lumber and Building Materials", 40, [(63, "205.00")], ""),
    ("PG&E", 35, [(24, "86.44")], ""),
    ("Brosnahan Insurance Agency", 30, [(11, "241.23")], ""),
    ("Robertson & Associates", 25, [(12, "315.00")], ""),
    ("Lee Advertising", 20, [(7, "74.86")], ""),
    ("Diego's Road Warrior Bodyshop", 15, [(55, "755.00")], ""),
    ("Hall Properties", 10, [(17, "900.00")], ""),
    ("Norton Lumber and Building Materials", 5, [(63, "103.55")], "45"),
]
# (index in BILLS, amount, "Check" from Checking 35 or "CreditCard" on Mastercard 41, days ago)
BILL_PAYMENTS: list[tuple[int, str, str, int]] = [
    (1, "86.44", "Check", 30), (2, "241.23", "Check", 25), (3, "315.00", "CreditCard", 20),
    (0, "100.00", "Check", 18),
]
VENDOR_CREDITS: list[tuple[str, int, list[tuple[int, str]]]] = [
    ("Norton Lumber and Building Materials", 12, [(63, "90.00")]),
]
# (customer Id, days ago, [(item Id, qty, price)], status)
ESTIMATES: list[tuple[int, int, list[tuple[int, int, str]], str]] = [
    (10, 20, [(5, 1, "275"), (11, 1, "15")], "Pending"),
    (19, 10, [(7, 2, "50"), (13, 1, "120")], "Accepted"),
    (3, 110, [(5, 1, "275"), (11, 2, "15")], "Pending"),  # invoice 1003 made from it: Closed
]
# (employee index, customer Id, item Id, hours, days ago)
TIME_ACTIVITIES: list[tuple[int, int, int, int, int]] = [
    (0, 10, 7, 3, 14), (0, 3, 6, 2, 9), (1, 19, 7, 4, 4),
]


def fill(filler: Any) -> None:
    """Add the content to `filler`'s company (a `samples._Filler`, its lists and sales made)."""
    if "Bill" not in WRITABLE:
        return
    books, store, realm = filler.books, filler.store, filler.realm
    vendors = {v["DisplayName"]: v for v in store.entities(realm, "Vendor")}
    employees = store.entities(realm, "Employee")

    def create(entity: str, payload: dict[str, Any]) -> dict[str, Any]:
        return books.create(entity, payload, {"include": ""})

    def expense(lines: list[tuple[int, str]]) -> list[dict[str, Any]]:
        return [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount,
                 "AccountBasedExpenseLineDetail": {"AccountRef": {"value": str(account)}}}
                for account, amount in lines]

    bills = []
    for name, days_ago, lines, doc in BILLS:
        payload: dict[str, Any] = {"VendorRef": {"value": vendors[name]["Id"]},
                                   "TxnDate": filler.date(days_ago), "Line": expense(lines),
                                   "APAccountRef": {"value": "33"}}
        if doc:
            payload["DocNumber"] = doc
        bills.append(create("Bill", payload))
    for index, amount, kind, days_ago in BILL_PAYMENTS:
        paid = bills[index]
        holder = ({"CheckPayment": {"BankAccountRef": {"value": "35"}}} if kind == "Check"
                  else {"CreditCardPayment": {"CCAccountRef": {"value": "41"}}})
        create("BillPayment", {
            "VendorRef": paid["VendorRef"], "PayType": kind, "TotalAmt": amount,
            "TxnDate": filler.date(days_ago), "APAccountRef": {"value": "33"}, **holder,
            "Line": [{"Amount": amount,
                      "LinkedTxn": [{"TxnId": paid["Id"], "TxnType": "Bill"}]}]})
    for name, days_ago, lines in VENDOR_CREDITS:
        create("VendorCredit", {"VendorRef": {"value": vendors[name]["Id"]},
                                "TxnDate": filler.date(days_ago), "Line": expense(lines)})
    create("PurchaseOrder", {
        "VendorRef": {"value": vendors["Tania's Nursery"]["Id"]}, "TxnDate": filler.date(3),
        "APAccountRef": {"value": "33"},
        "Line": [{"DetailType": "ItemBasedExpenseLineDetail", "Amount": 250,
                  "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "11"}, "Qty": 25,
                                                 "UnitPrice": 10}}]})
    estimates = []
    for customer_id, days_ago, lines, status in ESTIMATES:
        payload = filler.sales_form("", customer_id, days_ago, lines)
        payload.pop("DocNumber")
        payload["TxnStatus"] = status
        estimates.append(create("Estimate", payload))
    made = store.entity(realm, "Invoice", filler.invoices["1003"]["Id"])
    books.update("Invoice", {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True,
                             "LinkedTxn": [*made.get("LinkedTxn", []), {
                                 "TxnId": estimates[2]["Id"], "TxnType": "Estimate"}]},
                 {"include": ""})
    for worker, customer_id, item_id, hours, days_ago in TIME_ACTIVITIES:
        create("TimeActivity", {
            "NameOf": "Employee", "EmployeeRef": {"value": employees[worker]["Id"]},
            "CustomerRef": {"value": str(customer_id)}, "ItemRef": {"value": str(item_id)},
            "Hours": hours, "Minutes": 0, "HourlyRate": 50, "BillableStatus": "Billable",
            "TxnDate": filler.date(days_ago), "Description": "Garden work"})
    create("Transfer", {"FromAccountRef": {"value": "35"}, "ToAccountRef": {"value": "36"},
                        "Amount": 500, "TxnDate": filler.date(21)})
    create("CreditCardPaymentTxn", {"BankAccountRef": {"value": "35"},
                                    "CreditCardAccountRef": {"value": "42"}, "Amount": 50,
                                    "TxnDate": filler.date(8)})
    create("JournalEntry", {"TxnDate": filler.date(28), "DocNumber": "JE-1", "Line": [
        {"Amount": 125, "DetailType": "JournalEntryLineDetail", "Description": "Insurance",
         "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "3"}}},
        {"Amount": 125, "DetailType": "JournalEntryLineDetail", "Description": "Insurance",
         "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "35"}}}]})
    schedule = {"IntervalType": "Monthly", "NumInterval": 1, "DayOfMonth": 1,
                "StartDate": filler.date(0)}
    template = filler.sales_form("", 10, 0, [(6, 4, "25")])
    for key in ("DocNumber", "TxnDate"):
        template.pop(key)
    books.recurring_write({"Invoice": {**template, "RecurringInfo": {
        "Name": "Monthly garden care", "RecurType": "Automated", "Active": True,
        "ScheduleInfo": {**schedule, "MaxOccurrences": 12}}}}, {})
    books.recurring_write({"Bill": {
        "VendorRef": {"value": vendors["Hall Properties"]["Id"]}, "Line": expense([(17, "900.00")]),
        "RecurringInfo": {"Name": "Rent", "RecurType": "Reminded", "Active": True,
                          "ScheduleInfo": {**schedule, "DaysBefore": 5}}}}, {})
    create("Attachable", {"Note": "Sent the receipts by mail.", "AttachableRef": [
        {"EntityRef": {"type": "Vendor",
                       "value": vendors["Norton Lumber and Building Materials"]["Id"]}}]})
