"""The Intuit-like sample companies: what client code written against Intuit's sandbox company
("Craig's Design and Landscaping Services") assumes, read through the unchanged
python-quickbooks client; totals and balances that add up; and the `sample_data` options."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
import requests
import responses
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.department import Department
from quickbooks.objects.employee import Employee
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.term import Term
from quickbooks.objects.trackingclass import Class
from quickbooks.objects.vendor import Vendor

from qbo_sandbox import create_app
from qbo_sandbox.companies import DEFAULT_TAX_CODES, create_company, summary
from qbo_sandbox.samples import SAMPLE_ENTITIES, SAMPLE_NAMES, fill_company
from qbo_sandbox.testing import mount, serve, start_subprocess

from .conftest import AU, CA, GB, US, connect, control, new_auth_client, quickbooks_for

REALMS = {"US": US, "CA": CA, "GB": GB, "AU": AU}


@pytest.fixture
def sample_rsps(sample_app):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mount(mock, sample_app)
        yield mock


@pytest.fixture
def qb(sample_rsps):
    return quickbooks_for(connect(new_auth_client(), US), US)


def entities(realm: str, entity: str) -> list[dict]:
    return control("GET", f"companies/{realm}/entities/{entity}")[entity]


def dec(value) -> Decimal:
    return Decimal(str(value))


def control_companies(app) -> list[dict]:
    return [summary(app.store, c) for c in app.store.companies()]


# what python-quickbooks' own integration tests and typical client code assume -------------

def test_the_us_company_is_craigs_design_and_landscaping(qb):
    info = CompanyInfo.get(qb.company_id, qb=qb)
    assert info.CompanyName == "Craig's Design and Landscaping Services" and info.Country == "US"


def test_account_queries_find_intuits_accounts(qb):
    income = Account.where("AccountType = 'Income' and AccountSubType = 'SalesOfProductIncome'",
                           max_results=1, qb=qb)
    cogs = Account.where("AccountSubType = 'SuppliesMaterialsCogs'", max_results=1, qb=qb)
    asset = Account.where("AccountSubType = 'Inventory'", max_results=1, qb=qb)
    assert [(a.Id, a.Name) for a in (income[0], cogs[0], asset[0])] == [
        ("79", "Sales of Product Income"), ("80", "Cost of Goods Sold"), ("81", "Inventory Asset")]
    banks = Account.filter(AccountType="Bank", max_results=2, qb=qb)
    assert [(a.Id, a.Name) for a in banks] == [("35", "Checking"), ("36", "Savings")]
    [checking] = Account.where("Name = 'checking'", max_results=1, qb=qb)
    assert checking.Id == "35" and checking.AccountSubType == "Checking"
    visa = Account.get(42, qb=qb)
    assert (visa.Name, visa.AccountType, visa.Classification) == ("Visa", "Credit Card",
                                                                  "Liability")
    [payable] = Account.where("AccountSubType = 'AccountsPayable'", qb=qb)
    assert payable.Id == "33"


@pytest.mark.parametrize(("account_id", "name", "kind", "sub_type", "classification"), [
    ("1", "Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("4", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("8", "Bank Charges", "Expense", "BankCharges", "Expense"),
    ("33", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "Liability"),
    ("35", "Checking", "Bank", "Checking", "Asset"),
    ("36", "Savings", "Bank", "Savings", "Asset"),
    ("41", "Mastercard", "Credit Card", "CreditCard", "Liability"),
    ("42", "Visa", "Credit Card", "CreditCard", "Liability"),
    ("79", "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("80", "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("81", "Inventory Asset", "Other Current Asset", "Inventory", "Asset"),
    ("84", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("86", "Discounts given", "Income", "DiscountsRefundsGiven", "Revenue"),
    ("90", "Board of Equalization Payable", "Other Current Liability", "GlobalTaxPayable",
     "Liability"),
])
def test_accounts_have_intuits_ids_and_types(sample_app, account_id, name, kind, sub_type,
                                             classification):
    account = sample_app.store.entity(US, "Account", account_id)
    assert (account["Name"], account["AccountType"], account["AccountSubType"],
            account["Classification"]) == (name, kind, sub_type, classification)
    assert account["SyncToken"] == "0" and account["Active"] is True
    assert account["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert {"FullyQualifiedName", "SubAccount", "CurrentBalance",
            "CurrentBalanceWithSubAccounts", "MetaData"} <= set(account)


def test_the_chart_has_intuits_other_accounts_and_sub_accounts(sample_app):
    accounts = {a["Id"]: a for a in sample_app.store.entities(US, "Account")}
    names = {a["FullyQualifiedName"] for a in accounts.values()}
    assert {"Advertising", "Automobile", "Automobile:Fuel", "Insurance",
            "Legal & Professional Fees", "Meals and Entertainment", "Office Expenses",
            "Rent or Lease", "Repair & Maintenance", "Utilities", "Merchant account fees",
            "Tips Income", "Design income", "Landscaping Services", "Opening Balance Equity",
            "Retained Earnings", "Prepaid Expenses", "Truck", "Notes Payable",
            "Uncategorized Income", "Uncategorized Expense", "Uncategorized Asset"} <= names
    fuel = next(a for a in accounts.values() if a["FullyQualifiedName"] == "Automobile:Fuel")
    assert fuel["SubAccount"] is True and fuel["ParentRef"] == {"value": "55"}
    assert fuel["Name"] == "Fuel"
    assert any(a.get("AcctNum") for a in accounts.values())
    assert len(accounts) >= 90
    assert len(names) == len(accounts)  # fully qualified names are unique


def test_new_objects_continue_after_the_sample_ids(qb):
    account = Account()
    account.Name = "Petty Cash"
    account.AccountSubType = "CashOnHand"
    account.save(qb=qb)
    assert int(account.Id) > 92
    customer = Customer()
    customer.DisplayName = "New Client"
    customer.save(qb=qb)
    assert int(customer.Id) > 57  # after the customers, vendors and employees, as in QBO


def test_first_customer_item_and_five_payments(qb):
    [customer] = Customer.all(max_results=1, qb=qb)
    assert (customer.Id, customer.DisplayName) == ("1", "Amy's Bird Sanctuary")
    assert customer.PrimaryEmailAddr.Address and customer.BillAddr.City == "Bayshore"
    [item] = Item.all(max_results=1, qb=qb)
    assert (item.Id, item.Name, item.Type) == ("1", "Services", "Service")
    assert len(Payment.all(max_results=5, qb=qb)) == 5
    assert len(Customer.all(qb=qb)) >= 25


def test_invoices_read_through_the_client(qb):
    [melton] = Invoice.filter(DocNumber="1007", qb=qb)  # partly paid, as in Intuit's company
    assert melton.CustomerRef.name == "John Melton"
    assert (melton.TotalAmt, melton.Balance) == (750, 450)
    assert melton.SalesTermRef.value == "3" and melton.LinkedTxn[0].TxnType == "Payment"
    assert len(Invoice.all(max_results=1000, qb=qb)) >= 30


def test_inventory_items_track_quantities_on_intuits_accounts(qb):
    inventory = Item.filter(Type="Inventory", qb=qb)
    assert {i.Name for i in inventory} == {"Rock Fountain", "Pump", "Sprinkler Heads",
                                          "Sprinkler Pipes"}
    for item in inventory:
        assert item.TrackQtyOnHand is True and item.QtyOnHand > 0
        assert (item.IncomeAccountRef.value, item.ExpenseAccountRef.value,
                item.AssetAccountRef.value) == ("79", "80", "81")
        assert item.Sku and item.InvStartDate and item.UnitPrice > 0
    [soil] = Item.filter(Name="Soil", qb=qb)
    assert soil.Type == "NonInventory" and soil.ExpenseAccountRef.value
    names = {i.Name for i in Item.all(max_results=100, qb=qb)}
    assert {"Hours", "Concrete", "Design", "Gardening", "Installation", "Lighting",
            "Maintenance & Repair", "Pest Control", "Refunds & Allowances", "Rocks", "Sod",
            "Trimming"} <= names


def test_payment_methods_terms_classes_and_departments(qb):
    methods = {m.Name: m for m in PaymentMethod.all(qb=qb)}
    assert list(methods) == ["Cash", "Check", "Visa", "MasterCard", "Discover",
                             "American Express", "Diners Club"]
    assert (methods["Cash"].Id, methods["Cash"].Type) == ("1", "NON_CREDIT_CARD")
    assert (methods["Visa"].Id, methods["Visa"].Type) == ("3", "CREDIT_CARD")
    net_30 = Term.get(3, qb=qb)
    assert (net_30.Name, net_30.DueDays, net_30.Type) == ("Net 30", 30, "STANDARD")
    assert {t.Name for t in Term.all(qb=qb)} >= {"Due on receipt", "Net 10", "Net 15",
                                                 "Net 30", "Net 60"}
    classes = Class.all(qb=qb)
    assert len(classes) >= 2 and all(c.SubClass is False and c.Active for c in classes)
    departments = Department.all(qb=qb)
    assert len(departments) >= 2 and all(d.SubDepartment is False for d in departments)


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
def test_every_sample_company_has_cash_check_and_card_payment_methods(sample_app, country):
    methods = {m["Name"]: m for m in sample_app.store.entities(REALMS[country],
                                                                "PaymentMethod")}
    assert {"Cash", "Check", "Visa", "MasterCard", "American Express"} <= set(methods)
    assert all(m["Active"] for m in methods.values())
    assert {m["Type"] for m in methods.values()} == {"CREDIT_CARD", "NON_CREDIT_CARD"}
    assert methods["Visa"]["Type"] == "CREDIT_CARD" and methods["Cash"]["Type"] == (
        "NON_CREDIT_CARD")


def test_vendors_and_employees(qb):
    vendors = Vendor.all(max_results=100, qb=qb)
    names = {v.DisplayName for v in vendors}
    assert len(vendors) >= 25
    assert {"Books by Bessie", "Hicks Hardware", "PG&E", "Tony Rondonuwu",
            "United States Treasury", "Bob's Burger Joint"} <= names
    [bessie] = Vendor.filter(DisplayName="Books by Bessie", qb=qb)
    assert bessie.Balance == 0 and bessie.Vendor1099 is False and bessie.PrintOnCheckName
    employees = {e.DisplayName: e for e in Employee.all(qb=qb)}
    assert {"Emily Platt", "John Johnson"} <= set(employees)
    assert employees["Emily Platt"].GivenName == "Emily"
    assert employees["Emily Platt"].BillableTime is False


def test_us_tax_codes_and_rates_are_intuits(qb, sample_app):
    california = TaxCode.get(2, qb=qb)
    assert california.Name == "California"
    [detail] = california.SalesTaxRateList.TaxRateDetail
    rate = sample_app.store.entity(US, "TaxRate", detail.TaxRateRef.value)
    assert (rate["Name"], rate["RateValue"]) == ("California", 8)
    tucson = sample_app.store.entity(US, "TaxCode", "3")
    assert tucson["Name"] == "Tucson" and len(tucson["SalesTaxRateList"]["TaxRateDetail"]) == 2
    assert {a["DisplayName"] for a in sample_app.store.entities(US, "TaxAgency")} == {
        "Board of Equalization", "Arizona Dept. of Revenue"}


# the numbers add up ----------------------------------------------------------------------

@pytest.mark.parametrize("country", ["US", "CA", "GB", "AU"])
def test_invoices_total_their_lines_and_tax_and_payments_explain_balances(sample_app, country):
    store, realm = sample_app.store, REALMS[country]
    invoices = store.entities(realm, "Invoice")
    assert len(invoices) >= 30
    numbers = [i["DocNumber"] for i in invoices]
    assert len(set(numbers)) == len(numbers)
    assert all(1001 <= int(n) <= 1037 for n in numbers) and "1001" in numbers
    applied: dict[str, Decimal] = defaultdict(Decimal)
    payments = store.entities(realm, "Payment")
    assert len(payments) >= 8
    for payment in payments:
        assert payment["PaymentMethodRef"]["value"] and payment["DepositToAccountRef"][
            "value"] in ("4", "35")
        for line in payment["Line"]:
            for link in line["LinkedTxn"]:
                applied[link["TxnId"]] += dec(line["Amount"])
    open_balance: dict[str, Decimal] = defaultdict(Decimal)
    today = date.today()
    states = {"paid": 0, "partial": 0, "open": 0, "past due": 0}
    codes = {c["Id"] for c in store.entities(realm, "TaxCode")}
    for invoice in invoices:
        sales = [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]
        discount = sum((dec(line["Amount"]) for line in invoice["Line"]
                        if line["DetailType"] == "DiscountLineDetail"), Decimal(0))
        subtotal = sum((dec(line["Amount"]) for line in sales), Decimal(0))
        tax = dec(invoice["TxnTaxDetail"]["TotalTax"])
        assert dec(invoice["TotalAmt"]) == subtotal - discount + tax
        assert dec(invoice["TotalAmt"]) - dec(invoice["Balance"]) == applied[invoice["Id"]]
        for line in sales:
            detail = line["SalesItemLineDetail"]
            assert dec(line["Amount"]) == dec(detail["Qty"]) * dec(detail["UnitPrice"])
            code = detail["TaxCodeRef"]["value"]
            assert code in (("TAX", "NON") if country == "US" else codes)
        open_balance[invoice["CustomerRef"]["value"]] += dec(invoice["Balance"])
        balance, total = dec(invoice["Balance"]), dec(invoice["TotalAmt"])
        states["paid" if balance == 0 else "open" if balance == total else "partial"] += 1
        if balance and date.fromisoformat(invoice["DueDate"]) < today:
            states["past due"] += 1
    assert all(count >= 2 for count in states.values()), states
    for memo in store.entities(realm, "CreditMemo"):
        open_balance[memo["CustomerRef"]["value"]] -= dec(memo["RemainingCredit"])
    for customer in store.entities(realm, "Customer"):
        assert dec(customer["Balance"]) == open_balance[customer["Id"]], customer["DisplayName"]
    receivable = store.entity(realm, "Account", "84")
    assert dec(receivable["CurrentBalance"]) == sum(open_balance.values())


def test_us_sales_tax_is_the_customers_state_rate(sample_app):
    for invoice in sample_app.store.entities(US, "Invoice"):
        taxed = sum((dec(line["Amount"]) for line in invoice["Line"]
                     if line.get("SalesItemLineDetail", {}).get("TaxCodeRef", {}).get("value")
                     == "TAX"), Decimal(0))
        code = invoice["TxnTaxDetail"].get("TxnTaxCodeRef", {}).get("value")
        rate = {"2": Decimal("0.08"), "3": Decimal("0.076")}.get(code, Decimal(0))
        assert dec(invoice["TxnTaxDetail"]["TotalTax"]) == (taxed * rate).quantize(
            Decimal("0.01"))
    assert any(dec(i["TxnTaxDetail"]["TotalTax"]) for i in sample_app.store.entities(US,
                                                                                       "Invoice"))


def test_names_are_unique_across_customers_vendors_and_employees(sample_app):
    for realm in REALMS.values():
        names = [e["DisplayName"].casefold() for kind in ("Customer", "Vendor", "Employee")
                 for e in sample_app.store.entities(realm, kind)]
        assert len(names) == len(set(names))


def test_a_new_customer_cannot_take_a_vendors_name(qb):
    customer = Customer()
    customer.DisplayName = "books by bessie"
    with pytest.raises(QuickbooksException) as raised:
        customer.save(qb=qb)
    assert raised.value.error_code == 6240


@pytest.mark.parametrize("country", ["CA", "GB", "AU"])
def test_other_countries_keep_their_tax_codes_and_use_their_currency(sample_app, country):
    realm = REALMS[country]
    codes = [(c["Id"], c["Name"]) for c in sample_app.store.entities(realm, "TaxCode")]
    assert codes == [(str(n), code["name"])
                     for n, code in enumerate(DEFAULT_TAX_CODES[country], start=1)]
    [summary] = [c for c in control_companies(sample_app) if c["realm_id"] == realm]
    assert [c["rate"] for c in summary["tax_codes"]] == [
        code["rate"] for code in DEFAULT_TAX_CODES[country]]
    assert summary["name"] == SAMPLE_NAMES[country]
    currency = {"CA": "CAD", "GB": "GBP", "AU": "AUD"}[country]
    assert sample_app.store.entity(realm, "Account", "35")["CurrencyRef"]["value"] == currency
    assert any(dec(i["TxnTaxDetail"]["TotalTax"]) for i in sample_app.store.entities(
        realm, "Invoice"))


def test_inventory_asset_and_bank_balances_follow_the_sample_data(sample_app):
    store = sample_app.store
    inventory = sum((dec(i["QtyOnHand"]) * dec(i["PurchaseCost"])
                     for i in store.entities(US, "Item") if i["Type"] == "Inventory"), Decimal(0))
    assert dec(store.entity(US, "Account", "81")["CurrentBalance"]) == inventory
    undeposited = dec(store.entity(US, "Account", "4")["CurrentBalance"])
    assert undeposited > 0
    truck = store.entity(US, "Account", "37")
    assert dec(truck["CurrentBalanceWithSubAccounts"]) == dec(
        store.entity(US, "Account", "38")["CurrentBalance"])


# the options -----------------------------------------------------------------------------

def test_reset_with_sample_data_false_makes_bare_companies_and_empty_none(sample_rsps):
    bare = control("POST", "reset", {"sample_data": False})["companies"]
    assert [c["name"] for c in bare] == ["Sandbox Studio US", "Sandbox Studio Canada",
                                         "Sandbox Studio UK", "Sandbox Studio Australia"]
    assert entities(US, "Customer") == [] and entities(US, "Invoice") == []
    assert [a["Name"] for a in entities(US, "Account")] == [
        "Services", "Sales of Product Income", "Tips Income"]
    assert control("POST", "reset", {"empty": True})["companies"] == []
    again = control("POST", "reset", {})["companies"]  # the app's setting: sample data
    assert again[0]["name"] == "Craig's Design and Landscaping Services"
    assert len(entities(US, "Customer")) >= 25
    answer = requests.post("http://qbo-sandbox.test/_sandbox/reset", json={"sample_data": "no"})
    assert answer.status_code == 400


def test_reset_of_a_bare_app_can_ask_for_sample_data(rsps):
    made = control("POST", "reset", {"sample_data": True})["companies"]
    assert made[0]["name"] == "Craig's Design and Landscaping Services"
    assert control("POST", "reset")["companies"][0]["name"] == "Sandbox Studio US"


def test_a_created_company_is_bare_unless_asked(rsps):
    bare = control("POST", "companies", {"name": "Plain Co", "country": "US"})
    assert entities(bare["realm_id"], "Customer") == []
    filled = control("POST", "companies", {"name": "Filled Co", "country": "GB",
                                           "sample_data": True})
    assert filled["name"] == "Filled Co"  # a created company keeps the name it was given
    assert [c["name"] for c in filled["tax_codes"]] == [
        c["name"] for c in DEFAULT_TAX_CODES["GB"]]
    assert len(entities(filled["realm_id"], "Invoice")) >= 30
    assert len(entities(filled["realm_id"], "Customer")) >= 25


def test_fill_company_fills_a_new_bare_company_and_reports_its_counts(app):
    made = create_company(app.store, app.clock.now(), name="Counted", country="AU")
    counts = fill_company(app.store, made["realm_id"], app.clock.now())
    assert set(counts) == set(SAMPLE_ENTITIES)
    assert (counts["Account"], counts["Customer"], counts["Vendor"], counts["Employee"],
            counts["Item"], counts["Invoice"], counts["Payment"]) == (92, 26, 26, 2, 18, 31, 14)
    assert counts["TaxCode"] == 2  # AU keeps its own GST and GST free


def test_serve_and_the_command_line_take_the_option(tmp_path):
    with serve(tmp_path / "served", sample_data=False) as base:
        names = [c["name"] for c in control("GET", "companies", base=base)["companies"]]
        assert names[0] == "Sandbox Studio US"
    process, base = start_subprocess(tmp_path / "cli", sample_data=False)
    try:
        answer = requests.get(f"{base}/_sandbox/companies", timeout=5).json()
        assert answer["companies"][0]["name"] == "Sandbox Studio US"
    finally:
        process.terminate()
        process.wait(timeout=10)
    app = create_app(tmp_path / "default")
    try:
        assert app.store.companies()[0]["name"] == "Craig's Design and Landscaping Services"
    finally:
        app.close()
