"""The sample companies hold Intuit-like bills, bill payments, a vendor credit, a purchase
order, estimates, time activities, a transfer, a credit card payment, a journal entry,
recurring templates and a note (issue 25), read through the unchanged python-quickbooks client
as python-quickbooks' own integration tests read Intuit's sample company."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses
from quickbooks.objects.account import Account
from quickbooks.objects.attachable import Attachable
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment
from quickbooks.objects.creditcardpayment_entity import CreditCardPayment
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.journalentry import JournalEntry
from quickbooks.objects.purchaseorder import PurchaseOrder
from quickbooks.objects.recurringtransaction import RecurringTransaction
from quickbooks.objects.taxagency import TaxAgency
from quickbooks.objects.timeactivity import TimeActivity
from quickbooks.objects.transfer import Transfer
from quickbooks.objects.vendor import Vendor
from quickbooks.objects.vendorcredit import VendorCredit

from qbo_sandbox.samples import SAMPLE_ENTITIES
from qbo_sandbox.testing import mount

from .conftest import AU, CA, GB, US, connect, new_auth_client, quickbooks_for


@pytest.fixture
def qb(sample_app):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount(mock, sample_app)
        yield quickbooks_for(connect(new_auth_client(), US), US)


def dec(value) -> Decimal:
    return Decimal(str(value))


def test_bills_payments_and_credit_leave_accounts_payable_equal_to_what_vendors_are_owed(qb):
    bills = Bill.all(qb=qb)
    assert len(bills) == 8
    paid = [b for b in bills if b.Balance == 0]
    assert len(paid) == 3  # PG&E, Brosnahan, Robertson: paid in full
    assert len(BillPayment.all(qb=qb)) == 4
    assert {p.PayType for p in BillPayment.all(qb=qb)} == {"Check", "CreditCard"}
    [credit] = VendorCredit.all(qb=qb)
    owed = sum((dec(b.Balance) for b in bills), Decimal(0)) - dec(credit.Balance)
    vendors = sum((dec(v.Balance) for v in Vendor.all(max_results=1000, qb=qb)), Decimal(0))
    assert vendors == owed
    assert dec(Account.get("33", qb=qb).CurrentBalance) == owed
    norton = Vendor.where("DisplayName = 'Norton Lumber and Building Materials'", qb=qb)[0]
    assert dec(norton.Balance) == Decimal("205.00") - 100 + Decimal("103.55") - 90


def test_an_estimate_is_closed_by_invoice_1003_made_from_it(qb):
    estimates = Estimate.all(qb=qb)
    assert sorted(e.TxnStatus for e in estimates) == ["Accepted", "Closed", "Pending"]
    [closed] = [e for e in estimates if e.TxnStatus == "Closed"]
    [link] = closed.LinkedTxn
    invoice = Invoice.get(link.TxnId, qb=qb)
    assert invoice.DocNumber == "1003" and link.TxnType == "Invoice"
    assert ("Estimate", closed.Id) in [(lt.TxnType, lt.TxnId) for lt in invoice.LinkedTxn]


def test_bank_work_moves_checking_savings_and_the_card(qb):
    [transfer] = Transfer.all(qb=qb)
    assert (transfer.FromAccountRef.value, transfer.ToAccountRef.value, transfer.Amount) == (
        "35", "36", 500)
    [card] = CreditCardPayment.all(qb=qb)
    assert (card.CreditCardAccountRef.value, card.Amount) == ("42", 50)
    [entry] = JournalEntry.all(qb=qb)
    assert entry.TotalAmt == 125
    assert dec(Account.get("36", qb=qb).CurrentBalance) == Decimal("800.00") + 500
    assert dec(Account.get("3", qb=qb).CurrentBalance) == 125


def test_the_rest_is_there_as_python_quickbooks_tests_expect_it(qb):
    assert len(TaxAgency.all(max_results=1, qb=qb)) == 1
    assert TaxAgency.get("1", qb=qb).DisplayName
    kinds = {("Invoice" if hasattr(r, "Invoice") else "Bill")
             for r in RecurringTransaction.all(qb=qb)}
    assert kinds == {"Invoice", "Bill"}
    assert [hasattr(r, "Bill") for r in RecurringTransaction.where("Type = 'Bill'", qb=qb)] \
        == [True]
    [note] = Attachable.all(max_results=1, qb=qb)
    assert note.Note and note.AttachableRef[0].EntityRef.type == "Vendor"
    assert len(TimeActivity.all(qb=qb)) == 3
    [order] = PurchaseOrder.all(qb=qb)
    assert (order.POStatus, order.TotalAmt) == ("Open", 250)


@pytest.mark.parametrize("realm", [CA, GB, AU])
def test_the_other_countries_hold_the_same_content(sample_app, realm):
    store = sample_app.store
    for entity in ("Bill", "BillPayment", "VendorCredit", "PurchaseOrder", "Estimate",
                   "TimeActivity", "Transfer", "CreditCardPaymentTxn", "JournalEntry",
                   "RecurringTransaction", "Attachable"):
        assert entity in SAMPLE_ENTITIES
        assert store.entities(realm, entity), entity
