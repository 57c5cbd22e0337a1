"""The default accounts found in a company's chart, as QuickBooks itself would pick them."""

from integrations.services import accounts

CHART = accounts.accounts_from_qbo([
    {"Id": "4", "Name": "Undeposited Funds", "AccountType": "Other Current Asset",
     "AccountSubType": "UndepositedFunds"},
    {"Id": "6", "Name": "Refunds-Allowances", "AccountType": "Income",
     "AccountSubType": "DiscountsRefundsGiven"},
    {"Id": "8", "Name": "Bank Charges", "AccountType": "Expense", "AccountSubType": "BankCharges"},
    {"Id": "35", "Name": "Checking", "AccountType": "Bank", "AccountSubType": "Checking"},
    {"Id": "56", "Name": "Fuel", "FullyQualifiedName": "Automobile:Fuel",
     "AccountType": "Expense", "AccountSubType": "Auto"},
    {"Id": "86", "Name": "Discounts given", "AccountType": "Income",
     "AccountSubType": "DiscountsRefundsGiven"},
    {"Id": "91", "Name": "Merchant account fees", "AccountType": "Expense",
     "AccountSubType": "BankCharges"},
])


def ids(found):
    return found["id"] if found else None


def test_a_sub_account_keeps_its_full_name():
    assert {"id": "56", "name": "Automobile:Fuel", "type": "Expense", "sub_type": "Auto"} \
        in CHART


def test_the_deposit_default_is_undeposited_funds():
    assert ids(accounts.default_deposit_account(CHART)) == "4"


def test_the_discount_default_is_the_one_named_discounts_given():
    assert ids(accounts.default_discount_account(CHART)) == "86"
    without = [a for a in CHART if a["id"] != "86"]
    assert ids(accounts.default_discount_account(without)) == "6"


def test_the_fee_default_is_merchant_fees_else_bank_charges_else_none():
    assert ids(accounts.default_fee_account(CHART)) == "91"
    assert ids(accounts.default_fee_account([a for a in CHART if a["id"] != "91"])) == "8"
    assert accounts.default_fee_account([a for a in CHART if a["type"] != "Expense"]) is None


def test_each_purpose_lists_only_its_kind_of_account_default_first():
    def listed(purpose):
        return [a["id"] for a in accounts.accounts_allowed(purpose, CHART)]

    assert listed(accounts.DEPOSIT) == ["4", "35"]
    assert listed(accounts.DISCOUNT) == ["86", "6"]
    assert listed(accounts.FEE) == ["91", "8", "56"]
