"""Multicurrency as QuickBooks keeps it: CurrencyPrefs, CompanyCurrency, ExchangeRate, fixed
customer currencies, home amounts, an A/R account per currency, and the faults."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from quickbooks.objects.companycurrency import CompanyCurrency
from quickbooks.objects.exchangerate import ExchangeRate

from .conftest import BASE, CA, GB, US, control, fault_of, sales_line

GST = "1"  # the bare Canadian company's GST 5% code
VAT = "1"  # the bare UK company's 20.0% S code


def multicurrency_on(realm: str) -> None:
    control("PATCH", f"companies/{realm}/preferences", {"multicurrency": True})


def currency_prefs(api) -> dict:
    return api.get("preferences").json()["Preferences"]["CurrencyPrefs"]


def add_currency(api, code: str) -> dict:
    return api.create("CompanyCurrency", {"Code": code})


def usd_customer(api, name: str = "Ana Silva (USD)") -> dict:
    return api.create("Customer", {"DisplayName": name, "CurrencyRef": {"value": "USD"}})


def bank(api, name: str, currency: str | None = None) -> dict:
    body = {"Name": name, "AccountType": "Bank", "AccountSubType": "Checking"}
    if currency:
        body["CurrencyRef"] = {"value": currency}
    return api.create("Account", body)


@pytest.fixture
def ca_usd(ca):
    """The Canadian studio with multicurrency on and US dollars in its currency list."""
    multicurrency_on(CA)
    add_currency(ca, "USD")
    return ca


def usd_invoice(api, customer_id: str, amount: str = "100.00", **fields) -> requests.Response:
    return api.invoice(customer_id, [sales_line(amount, tax_code=GST)],
                       CurrencyRef={"value": "USD"}, **fields)


# Preferences ---------------------------------------------------------------------------

def test_multicurrency_is_off_by_default_and_the_home_currency_is_the_countrys(us, ca, gb):
    assert currency_prefs(us) == {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}}
    assert currency_prefs(ca)["HomeCurrency"] == {"value": "CAD"}
    assert currency_prefs(gb)["HomeCurrency"] == {"value": "GBP"}


def test_the_control_api_turns_multicurrency_on_and_preferences_show_it(ca):
    multicurrency_on(CA)
    assert currency_prefs(ca) == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "CAD"}}


def test_multicurrency_cannot_be_turned_off_through_the_control_api(ca):
    multicurrency_on(CA)
    answer = requests.patch(f"{BASE}/_sandbox/companies/{CA}/preferences",
                            json={"multicurrency": False})
    assert answer.status_code == 400 and "cannot be turned off" in answer.text
    assert currency_prefs(ca)["MultiCurrencyEnabled"] is True


def test_a_preferences_update_turns_multicurrency_on_but_never_off(ca):
    prefs = ca.get("preferences").json()["Preferences"]
    turned_on = ca.post("preferences", {"Id": "1", "SyncToken": prefs["SyncToken"],
                                        "sparse": True,
                                        "CurrencyPrefs": {"MultiCurrencyEnabled": True}})
    assert turned_on.status_code == 200, turned_on.text
    assert turned_on.json()["Preferences"]["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    sync_token = turned_on.json()["Preferences"]["SyncToken"]
    off = ca.post("preferences", {"Id": "1", "SyncToken": sync_token, "sparse": True,
                                  "CurrencyPrefs": {"MultiCurrencyEnabled": False}})
    assert off.status_code == 400
    assert fault_of(off)["code"] == "6000" and "can't be turned off" in fault_of(off)["Detail"]
    assert currency_prefs(ca)["MultiCurrencyEnabled"] is True


def test_the_home_currency_never_changes(ca):
    prefs = ca.get("preferences").json()["Preferences"]
    answer = ca.post("preferences", {"Id": "1", "SyncToken": prefs["SyncToken"],
                                     "sparse": True,
                                     "CurrencyPrefs": {"HomeCurrency": {"value": "USD"}}})
    assert answer.status_code == 400 and fault_of(answer)["element"] == "HomeCurrency"
    assert currency_prefs(ca)["HomeCurrency"] == {"value": "CAD"}


def test_simple_start_cannot_have_multicurrency(ca):
    control("POST", f"companies/{CA}/status", {"plan": "simple_start"})
    answer = requests.patch(f"{BASE}/_sandbox/companies/{CA}/preferences",
                            json={"multicurrency": True})
    assert answer.status_code == 400 and "Simple Start" in answer.text
    prefs = ca.get("preferences").json()["Preferences"]
    by_api = ca.post("preferences", {"Id": "1", "SyncToken": prefs["SyncToken"],
                                     "sparse": True,
                                     "CurrencyPrefs": {"MultiCurrencyEnabled": True}})
    assert by_api.status_code == 400 and fault_of(by_api)["code"] == "5020"
    assert currency_prefs(ca)["MultiCurrencyEnabled"] is False


def test_a_multicurrency_company_cannot_move_to_simple_start(ca):
    multicurrency_on(CA)
    answer = requests.post(f"{BASE}/_sandbox/companies/{CA}/status",
                           json={"plan": "simple_start"})
    assert answer.status_code == 400


# CompanyCurrency -----------------------------------------------------------------------

def test_company_currency_needs_multicurrency_on(ca):
    answer = ca.post("companycurrency", {"Code": "USD"})
    assert answer.status_code == 400 and fault_of(answer)["code"] == "6000"
    assert "Multicurrency is not turned on" in fault_of(answer)["Detail"]
    assert ca.query("select * from CompanyCurrency").json()["QueryResponse"] == {}


def test_company_currency_is_created_read_queried_and_made_inactive(ca):
    multicurrency_on(CA)
    usd = add_currency(ca, "usd")
    assert (usd["Code"], usd["Name"], usd["Active"], usd["SyncToken"]) == (
        "USD", "United States Dollar", True, "0")
    add_currency(ca, "EUR")
    assert ca.get(f"companycurrency/{usd['Id']}").json()["CompanyCurrency"]["Code"] == "USD"
    found = ca.query("select * from CompanyCurrency where Code = 'EUR'").json()
    assert [c["Name"] for c in found["QueryResponse"]["CompanyCurrency"]] == ["Euro"]
    inactive = ca.post("companycurrency", {"Id": usd["Id"], "SyncToken": "0", "sparse": True,
                                           "Active": False})
    assert inactive.status_code == 200 and inactive.json()["CompanyCurrency"]["Active"] is False


def test_the_home_currency_is_not_a_company_currency_and_codes_are_unique(ca):
    multicurrency_on(CA)
    home = ca.post("companycurrency", {"Code": "CAD"})
    assert home.status_code == 400 and fault_of(home)["code"] == "6000"
    add_currency(ca, "USD")
    again = ca.post("companycurrency", {"Code": "USD"})
    assert again.status_code == 400 and "already in the currency list" in fault_of(again)[
        "Detail"]
    unknown = ca.post("companycurrency", {"Code": "XYZ"})
    assert unknown.status_code == 400 and fault_of(unknown)["code"] == "2500"


# ExchangeRate --------------------------------------------------------------------------

def test_exchange_rate_reads_the_default_table_for_a_date(ca):
    multicurrency_on(CA)
    answer = ca.get("exchangerate", sourcecurrencycode="USD", asofdate="2026-11-30")
    rate = answer.json()["ExchangeRate"]
    assert (rate["SourceCurrencyCode"], rate["TargetCurrencyCode"], rate["AsOfDate"]) == (
        "USD", "CAD", "2026-11-30")
    assert Decimal(str(rate["Rate"])) > 1  # more Canadian dollars than one US dollar


def test_a_rate_set_for_a_date_is_read_back_for_that_date_and_after(ca):
    multicurrency_on(CA)
    set_rate = ca.post("exchangerate", {"SourceCurrencyCode": "USD", "AsOfDate": "2026-11-01",
                                        "Rate": 1.4})
    assert set_rate.status_code == 200, set_rate.text
    assert set_rate.json()["ExchangeRate"]["Rate"] == 1.4
    later = ca.get("exchangerate", sourcecurrencycode="USD", asofdate="2026-11-15")
    assert later.json()["ExchangeRate"]["Rate"] == 1.4
    before = ca.get("exchangerate", sourcecurrencycode="USD", asofdate="2026-10-31")
    assert before.json()["ExchangeRate"]["Rate"] != 1.4


def test_exchange_rates_are_queried_by_source_currency(ca):
    multicurrency_on(CA)
    rows = ca.query("select * from exchangerate where SourceCurrencyCode='EUR'").json()
    [rate] = rows["QueryResponse"]["ExchangeRate"]
    assert (rate["SourceCurrencyCode"], rate["TargetCurrencyCode"]) == ("EUR", "CAD")


def test_exchange_rates_need_multicurrency_on(ca):
    answer = ca.get("exchangerate", sourcecurrencycode="USD")
    assert answer.status_code == 400 and fault_of(answer)["code"] == "6000"
    assert ca.post("exchangerate", {"SourceCurrencyCode": "USD", "Rate": 1.3}).status_code == 400
    assert ca.query("select * from ExchangeRate").json()["QueryResponse"] == {}


def test_a_rate_must_be_positive_and_against_the_home_currency(ca):
    multicurrency_on(CA)
    zero = ca.post("exchangerate", {"SourceCurrencyCode": "USD", "Rate": 0})
    assert zero.status_code == 400 and fault_of(zero)["element"] == "Rate"
    other = ca.post("exchangerate", {"SourceCurrencyCode": "USD", "TargetCurrencyCode": "EUR",
                                     "Rate": 1.3})
    assert other.status_code == 400 and fault_of(other)["element"] == "TargetCurrencyCode"
    missing = ca.get("exchangerate")
    assert missing.status_code == 400 and fault_of(missing)["code"] == "2020"


# customers -----------------------------------------------------------------------------

def test_a_customer_is_in_the_home_currency_by_default(ca):
    customer = ca.customer("Local Client")
    assert customer["CurrencyRef"] == {"value": "CAD", "name": "Canadian Dollar"}


def test_a_foreign_customer_needs_multicurrency_and_the_currency_in_the_list(ca):
    off = ca.post("customer", {"DisplayName": "Early", "CurrencyRef": {"value": "USD"}})
    assert off.status_code == 400 and fault_of(off)["code"] == "6000"
    multicurrency_on(CA)
    unlisted = ca.post("customer", {"DisplayName": "Early", "CurrencyRef": {"value": "USD"}})
    assert unlisted.status_code == 400 and "currency list" in fault_of(unlisted)["Detail"]
    add_currency(ca, "USD")
    assert usd_customer(ca, "Early")["CurrencyRef"]["value"] == "USD"


def test_a_customers_currency_is_fixed_once_it_has_transactions(ca_usd):
    customer = ca_usd.customer("Ben Ode")
    changed = ca_usd.post("customer", {**customer, "CurrencyRef": {"value": "USD"}})
    assert changed.status_code == 200  # no transactions yet: it may change
    customer = changed.json()["Customer"]
    assert usd_invoice(ca_usd, customer["Id"]).status_code == 200
    back = ca_usd.post("customer", {**customer, "CurrencyRef": {"value": "CAD"}})
    assert back.status_code == 400 and fault_of(back)["code"] == "6000"
    assert "can't be changed" in fault_of(back)["Detail"]
    renamed = ca_usd.post("customer", {**customer, "DisplayName": "Ben Ode (USD)"})
    assert renamed.status_code == 200  # other changes are fine; the currency stays
    assert renamed.json()["Customer"]["CurrencyRef"]["value"] == "USD"


# transactions --------------------------------------------------------------------------

def test_a_foreign_invoice_carries_currency_rate_and_home_amounts(ca_usd):
    customer = usd_customer(ca_usd)
    answer = usd_invoice(ca_usd, customer["Id"], "100.00", ExchangeRate=1.3579)
    invoice = answer.json()["Invoice"]
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert invoice["ExchangeRate"] == 1.3579
    assert invoice["TotalAmt"] == 105  # 100 + GST 5%
    assert invoice["HomeTotalAmt"] == 142.58  # 105 x 1.3579 = 142.5795, to the cent
    assert invoice["HomeBalance"] == 142.58


def test_a_foreign_invoice_without_a_rate_is_booked_at_1(ca_usd):
    customer = usd_customer(ca_usd)
    invoice = usd_invoice(ca_usd, customer["Id"]).json()["Invoice"]
    assert invoice["ExchangeRate"] == 1 and invoice["HomeTotalAmt"] == invoice["TotalAmt"]


def test_home_amounts_are_read_only(ca_usd):
    customer = usd_customer(ca_usd)
    invoice = usd_invoice(ca_usd, customer["Id"], ExchangeRate=1.35, HomeTotalAmt=1,
                          HomeBalance=1).json()["Invoice"]
    assert invoice["HomeTotalAmt"] == 141.75 and invoice["HomeBalance"] == 141.75


def test_an_invoice_takes_its_customers_currency_when_none_is_sent(ca_usd):
    customer = usd_customer(ca_usd)
    answer = ca_usd.invoice(customer["Id"], [sales_line("10.00", tax_code=GST)])
    assert answer.json()["Invoice"]["CurrencyRef"]["value"] == "USD"


def test_a_transaction_in_another_currency_than_its_customers_is_refused(ca_usd):
    local = ca_usd.customer("Local Client")
    answer = usd_invoice(ca_usd, local["Id"])
    assert answer.status_code == 400 and fault_of(answer)["code"] == "6000"
    assert fault_of(answer)["element"] == "CurrencyRef"
    receipt = ca_usd.post("salesreceipt", {"CustomerRef": {"value": local["Id"]},
                                           "CurrencyRef": {"value": "USD"},
                                           "Line": [sales_line("10.00", tax_code=GST)]})
    assert receipt.status_code == 400 and fault_of(receipt)["element"] == "CurrencyRef"


def test_a_foreign_transaction_needs_multicurrency_and_the_company_currency(ca):
    customer = ca.customer("Tom")
    off = ca.invoice(customer["Id"], [sales_line("10.00", tax_code=GST)],
                     CurrencyRef={"value": "USD"})
    assert off.status_code == 400 and "Multicurrency is not turned on" in fault_of(off)["Detail"]
    multicurrency_on(CA)
    add_currency(ca, "USD")
    usd = usd_customer(ca, "Tom (USD)")
    [listed] = ca.query("select * from CompanyCurrency where Code = 'USD'").json()[
        "QueryResponse"]["CompanyCurrency"]
    ca.post("companycurrency", {"Id": listed["Id"], "SyncToken": listed["SyncToken"],
                                "sparse": True, "Active": False})
    inactive = usd_invoice(ca, usd["Id"])
    assert inactive.status_code == 400 and "currency list" in fault_of(inactive)["Detail"]


def test_the_first_foreign_invoice_makes_an_ar_account_in_that_currency(ca_usd):
    customer = usd_customer(ca_usd)
    first = usd_invoice(ca_usd, customer["Id"]).json()["Invoice"]
    second = usd_invoice(ca_usd, customer["Id"]).json()["Invoice"]
    receivables = ca_usd.query(
        "select * from Account where AccountType = 'Accounts Receivable'").json()[
        "QueryResponse"]["Account"]
    [usd_ar] = [a for a in receivables if a["CurrencyRef"]["value"] == "USD"]
    assert usd_ar["Name"] == "Accounts Receivable (A/R) - USD"
    assert first["ARAccountRef"]["value"] == second["ARAccountRef"]["value"] == usd_ar["Id"]


def test_a_foreign_payment_reduces_the_home_balance_at_the_invoices_rate(ca_usd):
    customer = usd_customer(ca_usd)
    invoice = usd_invoice(ca_usd, customer["Id"], ExchangeRate=1.4).json()["Invoice"]
    payment = ca_usd.post("payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 50, "ExchangeRate": 1.38,
        "CurrencyRef": {"value": "USD"},
        "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    })
    assert payment.status_code == 200, payment.text
    paid = payment.json()["Payment"]
    assert paid["CurrencyRef"]["value"] == "USD" and paid["ExchangeRate"] == 1.38
    assert paid["HomeTotalAmt"] == 69
    after = ca_usd.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert after["Balance"] == 55 and after["HomeBalance"] == 77


def test_a_payment_cannot_be_applied_across_currencies(ca_usd):
    customer = usd_customer(ca_usd)
    invoice = usd_invoice(ca_usd, customer["Id"]).json()["Invoice"]
    answer = ca_usd.post("payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 10,
        "CurrencyRef": {"value": "CAD"},
        "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    })
    assert answer.status_code == 400 and fault_of(answer)["code"] == "6000"


def test_a_foreign_payment_is_deposited_to_a_home_or_same_currency_account(ca_usd):
    add_currency(ca_usd, "EUR")
    customer = usd_customer(ca_usd)
    invoice = usd_invoice(ca_usd, customer["Id"], "10.00").json()["Invoice"]

    def pay(account_id: str) -> requests.Response:
        return ca_usd.post("payment", {
            "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 1,
            "DepositToAccountRef": {"value": account_id},
            "Line": [{"Amount": 1, "LinkedTxn": [{"TxnId": invoice["Id"],
                                                  "TxnType": "Invoice"}]}]})

    euro = pay(bank(ca_usd, "Euro account", "EUR")["Id"])
    assert euro.status_code == 400 and fault_of(euro)["element"] == "DepositToAccountRef"
    assert "home currency or the transaction currency" in fault_of(euro)["Detail"]
    assert pay(bank(ca_usd, "Chequing")["Id"]).status_code == 200
    assert pay(bank(ca_usd, "US dollar account", "USD")["Id"]).status_code == 200


def test_a_foreign_refund_receipt_and_credit_memo_carry_the_currency(ca_usd):
    customer = usd_customer(ca_usd)
    usd_bank = bank(ca_usd, "US dollar account", "USD")
    refund = ca_usd.post("refundreceipt", {
        "CustomerRef": {"value": customer["Id"]}, "ExchangeRate": 1.25,
        "DepositToAccountRef": {"value": usd_bank["Id"]},
        "Line": [sales_line("20.00", tax_code=GST)]})
    assert refund.status_code == 200, refund.text
    body = refund.json()["RefundReceipt"]
    assert body["CurrencyRef"]["value"] == "USD" and body["HomeTotalAmt"] == 26.25
    memo = ca_usd.post("creditmemo", {"CustomerRef": {"value": customer["Id"]},
                                      "Line": [sales_line("10.00", tax_code=GST)]})
    assert memo.json()["CreditMemo"]["CurrencyRef"]["value"] == "USD"


def test_an_expense_takes_its_accounts_currency(ca_usd):
    usd_bank = bank(ca_usd, "US dollar account", "USD")
    body = {"PaymentType": "Cash", "AccountRef": {"value": usd_bank["Id"]}, "ExchangeRate": 1.3,
            "Line": [{"Amount": 10, "DetailType": "AccountBasedExpenseLineDetail",
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "1"}}}]}
    expense = ca_usd.post("purchase", body).json()["Purchase"]
    assert expense["CurrencyRef"]["value"] == "USD" and expense["HomeTotalAmt"] == 13
    euro = ca_usd.post("purchase", {**body, "CurrencyRef": {"value": "EUR"}})
    assert euro.status_code == 400  # EUR is not in the list, and the account is in USD


def test_income_accounts_stay_in_the_home_currency(ca_usd):
    answer = ca_usd.post("account", {"Name": "US income", "AccountType": "Income",
                                     "CurrencyRef": {"value": "USD"}})
    assert answer.status_code == 400 and fault_of(answer)["element"] == "CurrencyRef"


def test_home_currency_transactions_are_unchanged_with_multicurrency_on(gb):
    multicurrency_on(GB)
    customer = gb.customer("Local")
    invoice = gb.invoice(customer["Id"], [sales_line("100.00", tax_code=VAT)]).json()["Invoice"]
    assert invoice["CurrencyRef"] == {"value": "GBP", "name": "British Pound Sterling"}
    assert invoice["ExchangeRate"] == 1 and invoice["HomeTotalAmt"] == invoice["TotalAmt"] == 120
    assert "ARAccountRef" not in invoice


def test_a_uk_studio_bills_a_french_wedding_in_euros(gb):
    multicurrency_on(GB)
    add_currency(gb, "EUR")
    gb.post("exchangerate", {"SourceCurrencyCode": "EUR", "AsOfDate": "2026-11-20", "Rate": 0.85})
    rate = gb.get("exchangerate", sourcecurrencycode="EUR", asofdate="2026-11-20").json()[
        "ExchangeRate"]["Rate"]
    customer = gb.create("Customer", {"DisplayName": "Marie Dupont (EUR)",
                                      "CurrencyRef": {"value": "EUR"}})
    invoice = gb.invoice(customer["Id"], [sales_line("1000.00", tax_code=VAT)],
                         ExchangeRate=rate, TxnDate="2026-11-20").json()["Invoice"]
    assert invoice["TotalAmt"] == 1200 and invoice["HomeTotalAmt"] == 1020
    assert invoice["ARAccountRef"]["name"] == "Accounts Receivable (A/R) - EUR"


# the python-quickbooks objects (what its own integration tests do, in third_party/) -----

def test_python_quickbooks_reads_company_currencies_by_id_and_lists_them(qb):
    multicurrency_on(US)
    currency = CompanyCurrency()
    currency.Code = "CAD"
    currency.save(qb=qb)
    assert CompanyCurrency.get(id=1, qb=qb).Name == "Canadian Dollar"
    assert [c.Code for c in CompanyCurrency.all(qb=qb)] == ["CAD"]


def test_python_quickbooks_queries_and_sets_an_exchange_rate(qb):
    multicurrency_on(US)
    rate = ExchangeRate.where("SourceCurrencyCode = 'EUR'", qb=qb)[0]
    assert (rate.SourceCurrencyCode, rate.TargetCurrencyCode) == ("EUR", "USD")
    rate.Rate = rate.Rate + 1
    rate.save(qb=qb)
    again = ExchangeRate.where("SourceCurrencyCode = 'EUR'", qb=qb)[0]
    assert again.Rate == rate.Rate and again.AsOfDate == rate.AsOfDate


def test_a_batch_follows_the_same_currency_rules_item_by_item(ca_usd):
    usd = usd_customer(ca_usd)
    local = ca_usd.customer("Local Client")

    def invoice_item(bid: str, customer_id: str) -> dict:
        return {"bId": bid, "operation": "create", "Invoice": {
            "CustomerRef": {"value": customer_id}, "CurrencyRef": {"value": "USD"},
            "ExchangeRate": 1.4, "Line": [sales_line("10.00", tax_code=GST)]}}

    answer = ca_usd.post("batch", {"BatchItemRequest": [invoice_item("1", usd["Id"]),
                                                        invoice_item("2", local["Id"])]})
    first, second = answer.json()["BatchItemResponse"]
    assert first["Invoice"]["HomeTotalAmt"] == 14.7
    assert second["Fault"]["Error"][0]["element"] == "CurrencyRef"


def test_customers_in_different_currencies_cannot_be_merged(ca_usd):
    usd = usd_customer(ca_usd)
    local = ca_usd.customer("Ana Silva")
    answer = requests.post(f"{BASE}/_sandbox/companies/{CA}/merge",
                           json={"entity": "Customer", "survivor": local["Id"],
                                 "deleted": usd["Id"]})
    assert answer.status_code == 400 and "same currency" in answer.text


def test_a_foreign_invoices_page_names_its_currency_and_home_total(ca_usd, app):
    from werkzeug.test import Client

    customer = usd_customer(ca_usd)
    invoice = usd_invoice(ca_usd, customer["Id"], ExchangeRate=1.35).json()["Invoice"]
    browser = Client(app)
    browser.get(f"/app/switchCompany?companyId={CA}")  # the invoice opens in this company
    page = browser.get(f"/app/invoice?txnId={invoice['Id']}").get_data(as_text=True)
    assert "Total (USD)" in page and "Balance due (USD)" in page
    assert "Total in CAD at 1.35 CAD per USD" in page and "141.75" in page
