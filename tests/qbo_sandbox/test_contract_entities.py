"""The unchanged python-quickbooks client against the sandbox's name lists, Preferences and the
transactions beyond invoices and payments (issue 11). Each test starts on bare companies and
builds what it needs through the API, so the rules are exercised, not the sample data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.base import Address, EmailAddress, LinkedTxn
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.department import Department
from quickbooks.objects.deposit import Deposit, DepositLine, DepositLineDetail
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    DiscountLine,
    DiscountLineDetail,
    ItemBasedExpenseLine,
    ItemBasedExpenseLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.employee import Employee
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.purchase import Purchase
from quickbooks.objects.refundreceipt import RefundReceipt
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.term import Term
from quickbooks.objects.trackingclass import Class
from quickbooks.objects.vendor import Vendor

from .conftest import BASE, CA, US, code_of, connect, quickbooks_for, ref


def account(qb, name: str, sub_type: str, account_type: str | None = None) -> Account:
    new = Account()
    new.Name = name
    new.AccountSubType = sub_type
    if account_type:
        new.AccountType = account_type
    return new.save(qb=qb)


def customer(qb, name: str) -> Customer:
    new = Customer()
    new.DisplayName = name
    return new.save(qb=qb)


def sales_line(amount: str, item_id: str = "1", tax_code: str = "NON",
               qty: int | None = None) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = ref(item_id)
    line.SalesItemLineDetail.TaxCodeRef = ref(tax_code)
    if qty:
        line.SalesItemLineDetail.Qty = qty
        line.SalesItemLineDetail.UnitPrice = Decimal(amount) / qty
    return line


def invoice(qb, customer_id: str, *lines, **fields) -> Invoice:
    new = Invoice()
    new.CustomerRef = ref(customer_id)
    new.Line.extend(lines)
    for key, value in fields.items():
        setattr(new, key, value)
    return new.save(qb=qb)


def controls(path: str, method: str = "GET", **kwargs) -> dict:
    answer = requests.request(method, f"{BASE}/_sandbox/{path}", **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json()


# Accounts ------------------------------------------------------------------------------------
def test_account_created_from_its_sub_type_alone_and_renamed_with_a_full_update(qb):
    new = Account()
    new.Name = "Petty Cash"
    new.AcctNum = "1010"
    new.AccountSubType = "CashOnHand"
    saved = new.save(qb=qb)
    read = Account.get(saved.Id, qb=qb)
    assert (read.AccountType, read.Classification, read.AcctNum) == ("Bank", "Asset", "1010")
    found = Account.filter(Name="petty cash", qb=qb)[0]
    found.Name = "Cash Drawer"
    found.save(qb=qb)
    assert Account.get(saved.Id, qb=qb).Name == "Cash Drawer"
    assert Account.get(saved.Id, qb=qb).SyncToken == "1"


def test_account_rules_duplicate_name_bad_enumeration_and_mismatched_type(qb):
    account(qb, "Checking", "Checking")
    with pytest.raises(QuickbooksException) as dup:
        account(qb, "CHECKING", "Savings")
    assert code_of(dup) == 6240 and "account" in dup.value.detail
    with pytest.raises(QuickbooksException) as enum:
        account(qb, "Odd", "NotAType")
    assert code_of(enum) == 2170
    with pytest.raises(QuickbooksException) as mismatch:
        account(qb, "Odd", "Checking", account_type="Expense")
    assert code_of(mismatch) == 6000


def test_inactive_account_is_renamed_and_hidden_from_queries_unless_asked(qb):
    saved = account(qb, "Old Bank", "Checking")
    saved.Active = False
    saved.save(qb=qb)
    assert Account.get(saved.Id, qb=qb).Name == "Old Bank (deleted)"
    assert Account.filter(AccountType="Bank", qb=qb) == []
    assert [a.Id for a in Account.where("Active = false", qb=qb)] == [saved.Id]


# Other name lists ----------------------------------------------------------------------------
def test_names_are_unique_across_customers_vendors_and_employees(qb):
    vendor = Vendor()
    vendor.DisplayName = "Pat Doe"
    vendor.save(qb=qb)
    with pytest.raises(QuickbooksException) as as_customer:
        customer(qb, "pat doe")
    assert code_of(as_customer) == 6240
    employee = Employee()
    employee.GivenName, employee.FamilyName = "Pat", "Doe"
    with pytest.raises(QuickbooksException) as as_employee:
        employee.save(qb=qb)
    assert code_of(as_employee) == 6240
    customer(qb, "Lee Park")
    other = Vendor()
    other.DisplayName = "Lee Park"
    with pytest.raises(QuickbooksException):
        other.save(qb=qb)


def test_vendor_and_employee_round_trip_as_intuit_answers_them(qb):
    vendor = Vendor()
    vendor.DisplayName = "Norton Lumber"
    vendor.CompanyName = "Norton Lumber and Building Materials"
    vendor.TaxIdentifier = "99-9999999"
    vendor.BillAddr = Address()
    vendor.BillAddr.City = "Middlefield"
    vendor.PrimaryEmailAddr = EmailAddress()
    vendor.PrimaryEmailAddr.Address = "ap@norton.example"
    saved = Vendor.get(vendor.save(qb=qb).Id, qb=qb)
    assert saved.PrintOnCheckName == "Norton Lumber" and saved.BillAddr.City == "Middlefield"
    assert saved.TaxIdentifier.endswith("9999") and "99-9" not in saved.TaxIdentifier
    employee = Employee()
    employee.GivenName, employee.FamilyName = "Emily", "Platt"
    saved_employee = employee.save(qb=qb)
    assert saved_employee.DisplayName == "Emily Platt"
    saved_employee.FamilyName = "Platt-Jones"
    saved_employee.save(qb=qb)
    assert Employee.get(saved_employee.Id, qb=qb).FamilyName == "Platt-Jones"
    with pytest.raises(QuickbooksException):
        Employee().save(qb=qb)  # no name at all: 2020


@pytest.mark.parametrize("kind", [PaymentMethod, Term, Class, Department])
def test_simple_lists_create_read_query_update(qb, kind):
    new = kind()
    new.Name = f"{kind.__name__} A"
    if kind is Term:
        new.DueDays = 10
    saved = new.save(qb=qb)
    read = kind.get(saved.Id, qb=qb)
    assert read.Name == f"{kind.__name__} A" and read.Active is True
    assert [x.Id for x in kind.filter(Name=f"{kind.__name__} a", qb=qb)] == [saved.Id]
    read.Name = f"{kind.__name__} B"
    if kind is Term:
        read.DueDays = 60
    read.save(qb=qb)
    again = kind.get(saved.Id, qb=qb)
    assert again.Name == f"{kind.__name__} B" and again.SyncToken == "1"
    if kind is Term:
        assert again.DueDays == 60 and again.Type == "STANDARD"
    duplicate = kind()
    duplicate.Name = f"{kind.__name__} B"
    with pytest.raises(QuickbooksException) as dup:
        duplicate.save(qb=qb)
    assert code_of(dup) == 6240


def test_name_lists_cannot_be_deleted_only_made_inactive(qb):
    method = PaymentMethod()
    method.Name = "Venmo"
    saved = method.save(qb=qb)
    with pytest.raises(QuickbooksException):
        saved.delete(qb=qb) if hasattr(saved, "delete") else qb.delete_object(
            "PaymentMethod", f'{{"Id": "{saved.Id}", "SyncToken": "0"}}')


# Preferences ---------------------------------------------------------------------------------
def test_preferences_are_complete_and_an_app_can_update_them(qb):
    prefs = Preferences.get(qb=qb)
    assert prefs.AccountingInfoPrefs.TaxYearMonth == "January"
    assert prefs.ProductAndServicesPrefs.ForPurchase is True
    assert prefs.VendorAndPurchasesPrefs.BillableExpenseTracking is True
    assert prefs.TimeTrackingPrefs.WorkWeekStartDate == "Monday"
    assert prefs.OtherPrefs.NameValue[0].Name == "SalesFormsPrefs.DefaultCustomerMessage"
    assert prefs.ReportPrefs.ReportBasis == "Accrual"
    assert prefs.CurrencyPrefs.HomeCurrency.value == "USD"
    prefs.EmailMessagesPrefs.EstimateMessage.Subject = "Your estimate"
    prefs.save(qb=qb)
    again = Preferences.get(qb=qb)
    assert again.EmailMessagesPrefs.EstimateMessage.Subject == "Your estimate"
    assert again.SyncToken == "1"
    with pytest.raises(QuickbooksException) as stale:
        prefs.save(qb=qb)  # still SyncToken 0
    assert code_of(stale) == 5010


def test_turning_custom_numbers_off_through_the_api_moves_the_companys_setting(qb):
    prefs = Preferences.get(qb=qb)
    prefs.SalesFormsPrefs.CustomTxnNumbers = False
    prefs.save(qb=qb)
    assert controls(f"companies/{US}")["preferences"]["custom_txn_numbers"] is False
    controls(f"companies/{US}/preferences", "PATCH", json={"custom_txn_numbers": True})
    assert Preferences.get(qb=qb).SalesFormsPrefs.CustomTxnNumbers is True


# Invoices: link, discounts, deposit, stock -------------------------------------------------
def test_invoice_link_is_answered_when_the_invoice_can_be_paid_online(qb):
    who = customer(qb, "Online Payer")
    email = EmailAddress()
    email.Address = "payer@example.com"
    payable = invoice(qb, who.Id, sales_line("50"), AllowOnlineCreditCardPayment=True,
                      BillEmail=email)
    plain = invoice(qb, who.Id, sales_line("50"))
    linked = Invoice.get(payable.Id, qb=qb, params={"include": "invoiceLink"})
    assert linked.InvoiceLink.startswith("https://")
    assert Invoice.get(payable.Id, qb=qb).InvoiceLink in ("", None)
    assert Invoice.get(plain.Id, qb=qb, params={"include": "invoiceLink"}).InvoiceLink in (
        "", None)


def discount_line(*, percent: str | None = None, amount: str | None = None,
                  account_id: str | None = None) -> DiscountLine:
    line = DiscountLine()
    line.DiscountLineDetail = DiscountLineDetail()
    if percent is not None:
        line.DiscountLineDetail.PercentBased = True
        line.DiscountLineDetail.DiscountPercent = Decimal(percent)
    if amount is not None:
        line.Amount = Decimal(amount)
    if account_id:
        line.DiscountLineDetail.Discount = None
        line.DiscountLineDetail.DiscountAccountRef = ref(account_id)
    return line


@pytest.fixture
def qb_ca(auth_client):
    return quickbooks_for(connect(auth_client, CA), CA)


def test_percent_discount_is_taken_before_tax_in_canada(qb_ca):
    given = account(qb_ca, "Discounts given", "DiscountsRefundsGiven")
    who = customer(qb_ca, "Discounted")
    saved = invoice(qb_ca, who.Id, sales_line("200", tax_code="1"),
                    discount_line(percent="10"))
    discount = next(line for line in saved.Line if line.DetailType == "DiscountLineDetail")
    assert discount.Amount == Decimal("20")
    assert discount.DiscountLineDetail.DiscountAccountRef.value == given.Id  # the default
    assert saved.TxnTaxDetail.TotalTax == Decimal("9")  # 5% GST of 180
    assert saved.TotalAmt == Decimal("189") and saved.Balance == Decimal("189")


def test_amount_discount_and_a_deposit_on_the_invoice(qb):
    checking = account(qb, "Checking", "Checking")
    who = customer(qb, "Deposit Client")
    saved = invoice(qb, who.Id, sales_line("100"), sales_line("50"),
                    discount_line(amount="15"), Deposit=Decimal("35"),
                    DepositToAccountRef=ref(checking.Id))
    assert saved.TotalAmt == Decimal("135") and saved.Balance == Decimal("100")
    assert Customer.get(who.Id, qb=qb).Balance == Decimal("100")
    with pytest.raises(QuickbooksException) as too_much:
        invoice(qb, who.Id, sales_line("10"), discount_line(amount="11"))
    assert code_of(too_much) == 6000


def inventory_item(qb, name: str = "Pump", qty: int = 10) -> Item:
    income = account(qb, f"{name} sales", "SalesOfProductIncome")
    cogs = account(qb, f"{name} cost", "SuppliesMaterialsCogs")
    asset = account(qb, f"{name} stock", "Inventory")
    item = Item()
    item.Name, item.Type, item.TrackQtyOnHand = name, "Inventory", True
    item.QtyOnHand, item.InvStartDate, item.Sku = qty, "2024-01-01", "PMP-1"
    item.IncomeAccountRef = income.to_ref()
    item.ExpenseAccountRef = cogs.to_ref()
    item.AssetAccountRef = asset.to_ref()
    return item.save(qb=qb)


def test_inventory_item_needs_its_accounts_and_moves_with_sales(qb):
    pump = inventory_item(qb)
    read = Item.get(pump.Id, qb=qb)
    assert (read.Type, read.TrackQtyOnHand, read.QtyOnHand) == ("Inventory", True, 10)
    assert [i.Id for i in Item.filter(Type="Inventory", qb=qb)] == [pump.Id]
    who = customer(qb, "Pump Buyer")
    sold = invoice(qb, who.Id, sales_line("30", item_id=pump.Id, qty=3))
    assert Item.get(pump.Id, qb=qb).QtyOnHand == 7
    sold.void(qb=qb)
    assert Item.get(pump.Id, qb=qb).QtyOnHand == 10
    again = invoice(qb, who.Id, sales_line("20", item_id=pump.Id, qty=2))
    assert Item.get(pump.Id, qb=qb).QtyOnHand == 8
    again.delete(qb=qb)
    assert Item.get(pump.Id, qb=qb).QtyOnHand == 10
    bare = Item()
    bare.Name, bare.Type, bare.TrackQtyOnHand, bare.QtyOnHand = "Loose", "Inventory", True, 1
    bare.InvStartDate = "2024-01-01"
    bare.IncomeAccountRef = ref("1")
    with pytest.raises(QuickbooksException) as missing:
        bare.save(qb=qb)
    assert code_of(missing) == 2020


# Payments: where money lands, and how ----------------------------------------------------
def test_payment_lands_in_undeposited_funds_unless_told_and_names_its_method(qb):
    undeposited = account(qb, "Undeposited Funds", "UndepositedFunds")
    checking = account(qb, "Checking", "Checking")
    check = PaymentMethod()
    check.Name = "Check"
    check = check.save(qb=qb)
    who = customer(qb, "Payer")
    owed = invoice(qb, who.Id, sales_line("80"))

    def pay(amount: str, **fields) -> Payment:
        payment = Payment()
        payment.CustomerRef = ref(who.Id)
        payment.TotalAmt = Decimal(amount)
        line = PaymentLine()
        line.Amount = Decimal(amount)
        link = LinkedTxn()
        link.TxnId, link.TxnType = owed.Id, "Invoice"
        line.LinkedTxn.append(link)
        payment.Line.append(line)
        for key, value in fields.items():
            setattr(payment, key, value)
        return payment.save(qb=qb)

    first = pay("30", PaymentMethodRef=check.to_ref())
    assert first.DepositToAccountRef.value == undeposited.Id
    assert first.PaymentMethodRef.name == "Check"
    second = pay("50", DepositToAccountRef=ref(checking.Id))
    assert second.DepositToAccountRef.value == checking.Id
    assert Invoice.get(owed.Id, qb=qb).Balance == 0
    with pytest.raises(QuickbooksException) as bad:
        pay("0", DepositToAccountRef=ref("1"))  # an income account
    assert code_of(bad) == 2500
    with pytest.raises(QuickbooksException) as unknown:
        pay("0", PaymentMethodRef=ref("999"))
    assert code_of(unknown) == 2500  # Invalid Reference Id, as for a customer or an item


def test_a_payment_naming_an_inactive_payment_method_is_refused_as_intuit_does(qb):
    who = customer(qb, "Payer")
    owed = invoice(qb, who.Id, sales_line("80"))
    method = PaymentMethod()
    method.Name = "Old card"
    method = method.save(qb=qb)
    method.Active = False
    method.save(qb=qb)
    payment = Payment()
    payment.CustomerRef = ref(who.Id)
    payment.TotalAmt = Decimal("80")
    line = PaymentLine()
    line.Amount = Decimal("80")
    link = LinkedTxn()
    link.TxnId, link.TxnType = owed.Id, "Invoice"
    line.LinkedTxn.append(link)
    payment.Line.append(line)
    payment.PaymentMethodRef = ref(method.Id)
    with pytest.raises(QuickbooksException) as refused:
        payment.save(qb=qb)
    assert code_of(refused) == 2500
    assert "inactive" in str(refused.value.detail)


# Sales receipts, refunds, credit memos ----------------------------------------------------
def test_sales_receipt_is_paid_at_once_and_voids_as_intuit_does(qb):
    account(qb, "Undeposited Funds", "UndepositedFunds")
    receipt = SalesReceipt()
    line = sales_line("100", qty=1)
    receipt.Line = [line]
    saved = receipt.save(qb=qb)
    read = SalesReceipt.get(saved.Id, qb=qb)
    assert (read.TotalAmt, read.Balance) == (Decimal("100"), 0)
    assert read.DepositToAccountRef.name == "Undeposited Funds"
    assert "Voided" not in read.PrivateNote
    saved.void(qb=qb)
    voided = SalesReceipt.get(saved.Id, qb=qb)
    assert voided.TotalAmt == 0 and "Voided" in voided.PrivateNote


def test_refund_receipt_needs_the_account_the_money_leaves_from(qb):
    checking = account(qb, "Checking", "Checking")
    refund = RefundReceipt()
    refund.DocNumber = "R-1"
    refund.TotalAmt = 100  # ignored: QuickBooks adds up the lines
    line = sales_line("200")
    refund.Line.append(line)
    with pytest.raises(QuickbooksException) as missing:
        refund.save(qb=qb)
    assert code_of(missing) == 2020
    refund.DepositToAccountRef = checking.to_ref()
    saved = RefundReceipt.get(refund.save(qb=qb).Id, qb=qb)
    assert saved.DocNumber == "R-1" and saved.TotalAmt == Decimal("200")
    assert saved.Line[0].Amount == Decimal("200")
    assert saved.DepositToAccountRef.value == checking.Id


def test_credit_memo_lowers_the_customers_balance_and_can_be_updated(qb):
    who = customer(qb, "Credit Client")
    invoice(qb, who.Id, sales_line("100"))
    memo = CreditMemo()
    memo.CustomerRef = who.to_ref()
    line = sales_line("40")
    line.Description = "Returned prints"
    memo.Line.append(line)
    saved = memo.save(qb=qb)
    read = CreditMemo.get(saved.Id, qb=qb)
    assert read.Line[0].LineNum == 1 and read.Line[0].Description == "Returned prints"
    assert read.RemainingCredit == Decimal("40")
    assert Customer.get(who.Id, qb=qb).Balance == Decimal("60")
    read.PrivateNote = "Test"
    read.save(qb=qb)
    assert CreditMemo.get(saved.Id, qb=qb).PrivateNote == "Test"
    nobody = CreditMemo()
    nobody.Line.append(sales_line("1"))
    with pytest.raises(QuickbooksException) as missing:
        nobody.save(qb=qb)
    assert code_of(missing) == 2020


# Deposits and expenses -------------------------------------------------------------------
def test_deposit_moves_a_payment_from_undeposited_funds_once(qb):
    account(qb, "Undeposited Funds", "UndepositedFunds")
    checking = account(qb, "Checking", "Checking")
    savings = account(qb, "Savings", "Savings")
    who = customer(qb, "Depositor")
    payment = Payment()
    payment.CustomerRef, payment.TotalAmt = who.to_ref(), Decimal("25")
    payment = payment.save(qb=qb)

    def deposit_of(line: DepositLine) -> Deposit:
        deposit = Deposit()
        deposit.DepositToAccountRef = checking.to_ref()
        deposit.Line.append(line)
        return deposit.save(qb=qb)

    linked = DepositLine()
    linked.Amount = Decimal("25")
    link = LinkedTxn()
    link.TxnId, link.TxnType, link.TxnLineId = payment.Id, "Payment", "0"
    linked.LinkedTxn.append(link)
    first = deposit_of(linked)
    assert Deposit.get(first.Id, qb=qb).TotalAmt == Decimal("25")
    with pytest.raises(QuickbooksException) as twice:
        deposit_of(linked)
    assert code_of(twice) == 6000
    transfer = DepositLine()
    transfer.Amount = Decimal("20")
    transfer.DetailType = "DepositLineDetail"
    transfer.DepositLineDetail = DepositLineDetail()
    transfer.DepositLineDetail.AccountRef = savings.to_ref()
    assert Deposit.get(deposit_of(transfer).Id, qb=qb).TotalAmt == Decimal("20")


def test_purchase_pays_an_expense_from_the_right_kind_of_account(qb):
    visa = account(qb, "Visa", "CreditCard")
    fees = account(qb, "Merchant fees", "BankCharges")
    pump = inventory_item(qb)
    who = customer(qb, "Job Client")
    purchase = Purchase()
    purchase.PaymentType, purchase.AccountRef = "CreditCard", visa.to_ref()
    purchase.DocNumber = "Doc123"
    fee = AccountBasedExpenseLine()
    fee.Amount = Decimal("3.20")
    fee.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    fee.AccountBasedExpenseLineDetail.AccountRef = fees.to_ref()
    stock = ItemBasedExpenseLine()
    stock.Amount = Decimal("100")
    stock.ItemBasedExpenseLineDetail = ItemBasedExpenseLineDetail()
    stock.ItemBasedExpenseLineDetail.ItemRef = pump.to_ref()
    stock.ItemBasedExpenseLineDetail.Qty = 2
    stock.ItemBasedExpenseLineDetail.UnitPrice = 50
    stock.ItemBasedExpenseLineDetail.CustomerRef = who.to_ref()
    stock.ItemBasedExpenseLineDetail.TaxCodeRef = ref("NON")
    purchase.Line = [fee, stock]
    saved = purchase.save(qb=qb, params={"include": "allowduplicatedocnum"})
    read = Purchase.get(saved.Id, qb=qb)
    assert read.TotalAmt == Decimal("103.2") and read.AccountRef.value == visa.Id
    assert read.Line[1].ItemBasedExpenseLineDetail.TaxCodeRef.value == "NON"
    assert Item.get(pump.Id, qb=qb).QtyOnHand == 12
    read.delete(qb=qb)
    assert Item.get(pump.Id, qb=qb).QtyOnHand == 10
    cash = Purchase()
    cash.PaymentType, cash.AccountRef = "Cash", visa.to_ref()
    cash.Line = [fee]
    with pytest.raises(QuickbooksException) as wrong:
        cash.save(qb=qb)
    assert code_of(wrong) == 6000


# US tax codes ----------------------------------------------------------------------------
def test_us_tax_code_query_returns_the_system_codes_beyond_maxresults(qb, auth_client):
    company = controls("companies", "POST", json={
        "name": "Taxed US", "country": "US", "tax_codes": [{"name": "California", "rate": 8}]})
    realm = company["realm_id"]
    taxed = quickbooks_for(connect(auth_client, realm), realm)
    codes = TaxCode.all(max_results=1, qb=taxed)
    assert [c.Id for c in codes][:3] == ["TAX", "NON", "CustomSalesTax"] and len(codes) == 4
    assert codes[0].Name == codes[0].to_ref().value == "TAX"
    assert TaxCode.get("NON", qb=taxed).Taxable is False


def test_cdc_and_batch_cover_the_new_entities(qb):
    vendor = Vendor()
    vendor.DisplayName = "CDC Vendor"
    saved = vendor.save(qb=qb)
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    changed = qb.change_data_capture(["Vendor", "Term"], since)
    assert [v["Id"] for v in changed["CDCResponse"][0]["QueryResponse"][0]["Vendor"]] == [
        saved.Id]
    batch = qb.batch_operation('{"BatchItemRequest": [{"bId": "1", "operation": "create", '
                               '"Class": {"Name": "Batch Class"}}]}')
    assert batch["BatchItemResponse"][0]["Class"]["Name"] == "Batch Class"


def test_made_active_again_a_customer_or_item_gets_its_name_back(qb):
    who = customer(qb, "Returning Client")
    who.Active = False
    gone = who.save(qb=qb)
    assert gone.DisplayName == "Returning Client (deleted)"
    body = {"Id": gone.Id, "SyncToken": gone.SyncToken, "sparse": True, "Active": True}
    back = qb.update_object("Customer", json.dumps(body))["Customer"]
    assert back["DisplayName"] == "Returning Client" and back["Active"] is True


def test_a_discount_covers_the_lines_above_it_not_a_tip_after_it(auth_client):
    from .conftest import GB

    qb_gb = quickbooks_for(connect(auth_client, GB), GB)
    who = customer(qb_gb, "Tipping Client")
    tip = SalesItemLine()
    tip.Amount = Decimal("15")
    tip.SalesItemLineDetail = SalesItemLineDetail()
    tip.SalesItemLineDetail.ItemRef = ref("GRATUITY_ITEM_ID")
    saved = invoice(qb_gb, who.Id, sales_line("100", tax_code="1"), discount_line(percent="10"),
                    tip)
    discount = next(line for line in saved.Line if line.DetailType == "DiscountLineDetail")
    assert discount.Amount == Decimal("10")
    assert saved.TxnTaxDetail.TotalTax == Decimal("18")  # 20% of 90: the tip is untaxed
    assert saved.TotalAmt == Decimal("123")  # 100 - 10 + 18 + 15
