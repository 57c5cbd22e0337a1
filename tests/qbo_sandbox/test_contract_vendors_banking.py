"""The unchanged python-quickbooks client against the sandbox's bills, bill payments, vendor
credits, purchase orders, transfers, credit card payments and journal entries (issue 25). Each
test starts on a bare company and builds what it needs through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.base import Ref
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment, BillPaymentLine, CheckPayment
from quickbooks.objects.creditcardpayment_entity import CreditCardPayment
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    ItemBasedExpenseLine,
    ItemBasedExpenseLineDetail,
)
from quickbooks.objects.item import Item
from quickbooks.objects.journalentry import (
    Entity,
    JournalEntry,
    JournalEntryLine,
    JournalEntryLineDetail,
)
from quickbooks.objects.purchaseorder import PurchaseOrder
from quickbooks.objects.transfer import Transfer
from quickbooks.objects.vendor import Vendor
from quickbooks.objects.vendorcredit import VendorCredit

from .conftest import code_of, control, ref
from .test_webhooks import Receiver, flush, register


def account(qb, name: str, sub_type: str) -> Account:
    new = Account()
    new.Name = name
    new.AccountSubType = sub_type
    return new.save(qb=qb)


def vendor(qb, name: str = "Norton Lumber") -> Vendor:
    new = Vendor()
    new.DisplayName = name
    return new.save(qb=qb)


def expense_line(amount, account_id: str) -> AccountBasedExpenseLine:
    line = AccountBasedExpenseLine()
    line.Amount = Decimal(str(amount))
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = ref(account_id)
    return line


@pytest.fixture
def books(qb):
    """A bare US company with what vendor and bank work needs: accounts and a vendor."""
    return {
        "qb": qb,
        "checking": account(qb, "Checking", "Checking"),
        "savings": account(qb, "Savings", "Savings"),
        "payable": account(qb, "Accounts Payable (A/P)", "AccountsPayable"),
        "visa": account(qb, "Visa", "CreditCard"),
        "supplies": account(qb, "Supplies", "SuppliesMaterials"),
        "vendor": vendor(qb),
    }


def bill(books, amount="200", vendor_id: str | None = None) -> Bill:
    new = Bill()
    new.Line.append(expense_line(amount, books["supplies"].Id))
    new.VendorRef = ref(vendor_id or books["vendor"].Id)
    return new.save(qb=books["qb"])


def bill_payment(books, bills_and_amounts, total=None) -> BillPayment:
    payment = BillPayment()
    payment.PayType = "Check"
    payment.VendorRef = books["vendor"].to_ref()
    payment.CheckPayment = CheckPayment()
    payment.CheckPayment.BankAccountRef = books["checking"].to_ref()
    payment.APAccountRef = books["payable"].to_ref()
    for paid, amount in bills_and_amounts:
        line = BillPaymentLine()
        line.LinkedTxn.append(paid.to_linked_txn())
        line.Amount = Decimal(str(amount))
        payment.Line.append(line)
    payment.TotalAmt = Decimal(str(total if total is not None else
                                   sum(Decimal(str(a)) for _, a in bills_and_amounts)))
    return payment.save(qb=books["qb"])


def balance_of(qb, account_id: str) -> Decimal:
    return Decimal(str(Account.get(account_id, qb=qb).CurrentBalance))


# Bill -----------------------------------------------------------------------------------------
def test_bill_is_owed_on_accounts_payable_and_raises_the_vendors_balance(books):
    qb = books["qb"]
    saved = bill(books, "200")
    read = Bill.get(saved.Id, qb=qb)
    assert (read.TotalAmt, read.Balance, len(read.Line)) == (200, 200, 1)
    assert read.APAccountRef.value == books["payable"].Id
    assert read.VendorRef.name == "Norton Lumber" and read.DueDate
    assert Vendor.get(books["vendor"].Id, qb=qb).Balance == 200
    assert [b.Id for b in Bill.filter(VendorRef=books["vendor"].Id, qb=qb)] == [saved.Id]
    read.Line[0].Amount = 250
    read.save(qb=qb)
    assert (Bill.get(saved.Id, qb=qb).TotalAmt, Vendor.get(books["vendor"].Id, qb=qb).Balance) \
        == (250, 250)


def test_bill_needs_a_vendor_and_lines_on_existing_accounts(books):
    qb = books["qb"]
    no_vendor = Bill()
    no_vendor.Line.append(expense_line(10, books["supplies"].Id))
    with pytest.raises(QuickbooksException) as missing:
        no_vendor.save(qb=qb)
    assert code_of(missing) == 2020
    bad_account = Bill()
    bad_account.VendorRef = books["vendor"].to_ref()
    bad_account.Line.append(expense_line(10, "999"))
    with pytest.raises(QuickbooksException) as invalid:
        bad_account.save(qb=qb)
    assert code_of(invalid) == 2500


def test_bill_of_inventory_brings_stock_in(books):
    qb = books["qb"]
    asset = account(qb, "Inventory Asset", "Inventory")
    cogs = account(qb, "Cost of Goods Sold", "SuppliesMaterialsCogs")
    item = Item()
    item.Name, item.Type, item.TrackQtyOnHand, item.QtyOnHand = "Bricks", "Inventory", True, 5
    item.InvStartDate = "2026-01-01"
    item.IncomeAccountRef, item.ExpenseAccountRef = ref("1"), cogs.to_ref()
    item.AssetAccountRef = asset.to_ref()
    item = item.save(qb=qb)
    new = Bill()
    new.VendorRef = books["vendor"].to_ref()
    line = ItemBasedExpenseLine()
    line.Amount = 30
    line.ItemBasedExpenseLineDetail = ItemBasedExpenseLineDetail()
    line.ItemBasedExpenseLineDetail.ItemRef = item.to_ref()
    line.ItemBasedExpenseLineDetail.Qty, line.ItemBasedExpenseLineDetail.UnitPrice = 3, 10
    new.Line.append(line)
    saved = new.save(qb=qb)
    assert Item.get(item.Id, qb=qb).QtyOnHand == 8
    saved.delete(qb=qb)
    assert Item.get(item.Id, qb=qb).QtyOnHand == 5


# BillPayment ----------------------------------------------------------------------------------
def test_bill_payment_pays_bills_down_and_void_gives_the_balance_back(books):
    qb = books["qb"]
    first, second = bill(books, "200"), bill(books, "80")
    payment = bill_payment(books, [(first, 200), (second, 30)])
    read = BillPayment.get(payment.Id, qb=qb)
    assert (read.PayType, read.TotalAmt, len(read.Line)) == ("Check", 230, 2)
    assert read.CheckPayment.BankAccountRef.value == books["checking"].Id
    assert (Bill.get(first.Id, qb=qb).Balance, Bill.get(second.Id, qb=qb).Balance) == (0, 50)
    assert Vendor.get(books["vendor"].Id, qb=qb).Balance == 50
    linked = Bill.get(first.Id, qb=qb).LinkedTxn
    assert [(link.TxnId, link.TxnType) for link in linked] == [(payment.Id,
                                                                  "BillPaymentCheck")]
    read.void(qb=qb)
    voided = BillPayment.get(payment.Id, qb=qb)
    assert voided.TotalAmt == 0 and "Voided" in voided.PrivateNote
    assert (Bill.get(first.Id, qb=qb).Balance, Bill.get(second.Id, qb=qb).Balance) == (200, 80)
    assert Vendor.get(books["vendor"].Id, qb=qb).Balance == 280


def test_bill_payment_cannot_pay_more_than_a_bill_owes_or_another_vendors_bill(books):
    qb = books["qb"]
    owed = bill(books, "100")
    with pytest.raises(QuickbooksException) as too_much:
        bill_payment(books, [(owed, 150)])
    assert code_of(too_much) == 6000
    other = bill(books, "40", vendor_id=vendor(qb, "Hicks Hardware").Id)
    with pytest.raises(QuickbooksException) as stranger:
        bill_payment(books, [(other, 40)])
    assert code_of(stranger) == 6000
    assert Bill.get(owed.Id, qb=qb).Balance == 100


def test_paid_bill_cannot_be_deleted_until_its_payment_is_deleted(books):
    qb = books["qb"]
    owed = bill(books, "60")
    payment = bill_payment(books, [(owed, 60)])
    with pytest.raises(QuickbooksException) as refused:
        Bill.get(owed.Id, qb=qb).delete(qb=qb)
    assert code_of(refused) == 6000
    BillPayment.get(payment.Id, qb=qb).delete(qb=qb)
    assert Bill.get(owed.Id, qb=qb).Balance == 60
    Bill.get(owed.Id, qb=qb).delete(qb=qb)
    assert Bill.filter(Id=owed.Id, qb=qb) == []


# VendorCredit and PurchaseOrder ---------------------------------------------------------------
def test_vendor_credit_lowers_the_vendors_balance(books):
    qb = books["qb"]
    bill(books, "100")
    credit = VendorCredit()
    credit.VendorRef = books["vendor"].to_ref()
    credit.Line.append(expense_line(15, books["supplies"].Id))
    saved = credit.save(qb=qb)
    read = VendorCredit.get(saved.Id, qb=qb)
    assert (read.TotalAmt, read.APAccountRef.value) == (15, books["payable"].Id)
    assert Vendor.get(books["vendor"].Id, qb=qb).Balance == 85
    read.delete(qb=qb)
    assert Vendor.get(books["vendor"].Id, qb=qb).Balance == 100


def test_purchase_order_is_open_and_posts_nothing(books):
    qb = books["qb"]
    order = PurchaseOrder()
    order.VendorRef = books["vendor"].to_ref()
    order.APAccountRef = books["payable"].to_ref()
    line = ItemBasedExpenseLine()
    line.Amount = 100
    line.ItemBasedExpenseLineDetail = ItemBasedExpenseLineDetail()
    line.ItemBasedExpenseLineDetail.ItemRef = ref("1")
    line.ItemBasedExpenseLineDetail.Qty, line.ItemBasedExpenseLineDetail.UnitPrice = 1, 100
    line.ItemBasedExpenseLineDetail.TaxCodeRef = ref("NON")
    order.Line.append(line)
    saved = order.save(qb=qb)
    read = PurchaseOrder.get(saved.Id, qb=qb)
    assert (read.TotalAmt, read.POStatus) == (100, "Open")
    assert read.Line[0].ItemBasedExpenseLineDetail.TaxCodeRef.value == "NON"
    assert Vendor.get(books["vendor"].Id, qb=qb).Balance == 0
    assert [p.Id for p in PurchaseOrder.where("POStatus = 'Open'", qb=qb)] == [saved.Id]


# Transfer and CreditCardPayment -----------------------------------------------------------------
def test_transfer_moves_money_between_two_accounts_and_an_update_moves_it_again(books):
    qb = books["qb"]
    checking, savings = books["checking"], books["savings"]
    transfer = Transfer()
    transfer.Amount = 100
    transfer.FromAccountRef = checking.to_ref()
    transfer.ToAccountRef = savings.to_ref()
    saved = transfer.save(qb=qb)
    read = Transfer.get(saved.Id, qb=qb)
    assert (read.Amount, read.FromAccountRef.value, read.ToAccountRef.value) == (
        100, checking.Id, savings.Id)
    assert (balance_of(qb, checking.Id), balance_of(qb, savings.Id)) == (-100, 100)
    read.Amount = 101
    read.save(qb=qb)
    assert (balance_of(qb, checking.Id), balance_of(qb, savings.Id)) == (-101, 101)
    Transfer.get(saved.Id, qb=qb).delete(qb=qb)
    assert (balance_of(qb, checking.Id), balance_of(qb, savings.Id)) == (0, 0)


def test_transfer_needs_two_different_accounts_and_an_amount_above_zero(books):
    qb = books["qb"]
    same = Transfer()
    same.Amount = 10
    same.FromAccountRef = same.ToAccountRef = books["checking"].to_ref()
    with pytest.raises(QuickbooksException) as one_account:
        same.save(qb=qb)
    assert code_of(one_account) == 6000
    nothing = Transfer()
    nothing.Amount = 0
    nothing.FromAccountRef = books["checking"].to_ref()
    nothing.ToAccountRef = books["savings"].to_ref()
    with pytest.raises(QuickbooksException) as zero:
        nothing.save(qb=qb)
    assert code_of(zero) == 6000
    assert Transfer.all(qb=qb) == []


def test_credit_card_payment_lowers_the_bank_and_the_cards_debt(books):
    qb = books["qb"]
    payment = CreditCardPayment()
    payment.Amount = 100
    payment.BankAccountRef = books["checking"].to_ref()
    payment.CreditCardAccountRef = books["visa"].to_ref()
    saved = payment.save(qb=qb)
    read = CreditCardPayment.get(saved.Id, qb=qb)
    assert (read.Amount, read.BankAccountRef.value, read.CreditCardAccountRef.value) == (
        100, books["checking"].Id, books["visa"].Id)
    assert (balance_of(qb, books["checking"].Id), balance_of(qb, books["visa"].Id)) == (
        -100, -100)
    wrong = CreditCardPayment()
    wrong.Amount = 5
    wrong.BankAccountRef = books["checking"].to_ref()
    wrong.CreditCardAccountRef = books["savings"].to_ref()  # not a credit card
    with pytest.raises(QuickbooksException) as not_a_card:
        wrong.save(qb=qb)
    assert code_of(not_a_card) == 2500


# JournalEntry -----------------------------------------------------------------------------------
def journal_line(posting: str, amount, account_id: str, entity: Ref | None = None,
                 kind: str | None = None) -> JournalEntryLine:
    line = JournalEntryLine()
    line.Amount = Decimal(str(amount))
    line.JournalEntryLineDetail = JournalEntryLineDetail()
    line.JournalEntryLineDetail.PostingType = posting
    line.JournalEntryLineDetail.AccountRef = ref(account_id)
    if entity is not None:
        line.JournalEntryLineDetail.Entity = Entity()
        line.JournalEntryLineDetail.Entity.Type = kind
        line.JournalEntryLineDetail.Entity.EntityRef = entity
    return line


def test_journal_entry_must_balance_and_posts_to_balance_sheet_accounts(books):
    qb = books["qb"]
    unbalanced = JournalEntry()
    unbalanced.Line = [journal_line("Debit", 50, books["savings"].Id),
                       journal_line("Credit", 40, books["checking"].Id)]
    with pytest.raises(QuickbooksException) as refused:
        unbalanced.save(qb=qb)
    assert code_of(refused) == 6000
    entry = JournalEntry()
    entry.Line = [journal_line("Debit", 50, books["savings"].Id),
                  journal_line("Credit", 50, books["checking"].Id)]
    saved = entry.save(qb=qb)
    assert JournalEntry.get(saved.Id, qb=qb).TotalAmt == 50
    assert (balance_of(qb, books["savings"].Id), balance_of(qb, books["checking"].Id)) == (
        50, -50)
    JournalEntry.get(saved.Id, qb=qb).delete(qb=qb)
    assert JournalEntry.filter(Id=saved.Id, qb=qb) == []
    assert (balance_of(qb, books["savings"].Id), balance_of(qb, books["checking"].Id)) == (0, 0)


def test_journal_line_on_accounts_payable_must_name_a_vendor(books):
    qb = books["qb"]
    entry = JournalEntry()
    entry.Line = [journal_line("Debit", 20, books["supplies"].Id),
                  journal_line("Credit", 20, books["payable"].Id)]
    with pytest.raises(QuickbooksException) as nameless:
        entry.save(qb=qb)
    assert code_of(nameless) == 6000
    entry.Line[1] = journal_line("Credit", 20, books["payable"].Id,
                                 books["vendor"].to_ref(), "Vendor")
    saved = entry.save(qb=qb)
    detail = JournalEntry.get(saved.Id, qb=qb).Line[1].JournalEntryLineDetail
    assert detail.Entity.EntityRef.value == books["vendor"].Id
    assert balance_of(qb, books["payable"].Id) == 20


# change data capture and webhooks -------------------------------------------------------------
def test_cdc_has_bills_and_transfers_and_refuses_credit_card_payments_as_intuit(books, us):
    since = datetime.fromtimestamp(control("GET", "clock")["now"], UTC).isoformat()
    control("POST", "clock/advance", {"seconds": 1})
    saved = bill(books, "10")
    changes = change_data_capture([Bill, Transfer], since, qb=books["qb"])
    assert [b.Id for b in changes.Bill] == [saved.Id]
    refused = us.get("cdc", entities="CreditCardPayment", changedSince=since)
    assert refused.status_code == 400


@pytest.fixture
def receiver(rsps):
    endpoint = Receiver()
    rsps.add_passthru(endpoint.url)
    yield endpoint
    endpoint.close()


def test_webhooks_announce_bill_payments_and_transfers_not_credit_card_payments(books,
                                                                                receiver):
    owed = bill(books, "25")
    register(receiver.url)
    flush()
    payment = bill_payment(books, [(owed, 25)])
    card = CreditCardPayment()
    card.Amount = 5
    card.BankAccountRef = books["checking"].to_ref()
    card.CreditCardAccountRef = books["visa"].to_ref()
    card.save(qb=books["qb"])
    flush()
    kinds = {kind for kind, _ in receiver.types()}
    assert {"qbo.billpayment.created.v1", "qbo.bill.updated.v1"} <= kinds
    assert not any("creditcardpayment" in kind for kind in kinds)
    assert ("qbo.billpayment.created.v1", payment.Id) in receiver.types()
