"""Account Settings > Integrations: the accounts deposits, discounts and processing fees go
to, read from QuickBooks, chosen by the owner, and used by what syncs afterwards."""

import json

import pytest

from integrations.models import QuickBooksConnection
from integrations.services import accounts
from tests.factories import make_invoice
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import CA_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db
SETTINGS_URL = "/settings/integrations/"
CHOOSE_URL = "/integrations/quickbooks/accounts/"


def add_chart(sandbox, account) -> dict[str, str]:
    """The accounts a real company has (a bare sandbox company has income accounts only),
    then Re-check settings. Returns their ids by name."""
    ids = {}
    for name, kind, sub in [
        ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
        ("Checking", "Bank", "Checking"),
        ("Savings", "Bank", "Savings"),
        ("Refunds-Allowances", "Income", "DiscountsRefundsGiven"),
        ("Discounts given", "Income", "DiscountsRefundsGiven"),
        ("Bank Charges", "Expense", "BankCharges"),
        ("Merchant account fees", "Expense", "BankCharges"),
        ("Advertising", "Expense", "AdvertisingPromotional"),
    ]:
        made = sandbox.api_post(account, "Account", {"Name": name, "AccountType": kind,
                                                     "AccountSubType": sub})
        ids[name] = made["Id"]
    return ids


def recheck(client) -> None:
    assert client.post("/integrations/quickbooks/recheck/").status_code == 302


def connection_of(account) -> QuickBooksConnection:
    return QuickBooksConnection.objects.get(account=account)


def test_connecting_reads_the_accounts_and_finds_the_defaults(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    assert {a["name"] for a in connection_of(account).settings_snapshot["accounts"]} >= {
        "Services"}
    ids = add_chart(sandbox, account)
    recheck(client)

    connection = connection_of(account)
    stored = {a["name"]: a for a in connection.settings_snapshot["accounts"]}
    assert stored["Checking"] == {"id": ids["Checking"], "name": "Checking", "type": "Bank",
                                  "sub_type": "Checking"}
    assert accounts.deposit_account_id(connection) == ids["Undeposited Funds"]
    assert accounts.discount_account_id(connection) == ids["Discounts given"]
    assert accounts.fee_account_id(connection) == ids["Merchant account fees"]
    reads = [c for c in sandbox.api_calls("/query")
             if "from Account" in f"{c.request.url} {c.request.body}"]
    assert len(reads) == 2  # one query at connect, one at the re-check


def test_without_those_accounts_every_id_is_empty(sandbox, account_for):
    connection = connection_of(account_for("US", US_REALM))
    assert accounts.deposit_account_id(connection) == ""
    assert accounts.discount_account_id(connection) == ""
    assert accounts.fee_account_id(connection) == ""


def test_the_page_lists_the_choices_with_the_defaults_marked(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    add_chart(sandbox, account)
    recheck(client)
    page = client.get(SETTINGS_URL).content.decode()
    assert "Payments are deposited to: Undeposited Funds (QuickBooks&#x27; default)" in page
    assert "Discounts are booked to: Discounts given (QuickBooks&#x27; default)" in page
    assert "Processing fees are booked to: Merchant account fees (QuickBooks&#x27; default)" \
        in page
    form = AccountChoicesFormView(page)
    assert form.options("deposit") == ["Undeposited Funds (default)", "Checking", "Savings"]
    assert form.options("discount")[:2] == ["Discounts given (default)", "Refunds-Allowances"]
    assert "Services" in form.options("discount")
    assert form.options("fee") == ["Merchant account fees (default)", "Bank Charges",
                                   "Advertising"]


def test_choosing_checking_sends_later_payments_there_and_leaves_earlier_ones(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    ids = add_chart(sandbox, account)
    recheck(client)
    invoice = send(make_invoice(account=account, number="A-1"))
    earlier = pay(invoice, "40.00")
    run_outbox(account)
    first = next(p for p in sandbox.entities(US_REALM, "Payment")
                 if p["Id"] == record_for(earlier, "payment").qbo_id)
    assert first["DepositToAccountRef"]["value"] == ids["Undeposited Funds"]

    response = client.post(CHOOSE_URL, {"deposit": ids["Checking"],
                                        "discount": ids["Discounts given"],
                                        "fee": ids["Merchant account fees"]}, follow=True)
    assert ("Payments recorded from now on go to Checking; payments already in QuickBooks "
            "stay where they are.") in response.content.decode()
    connection = connection_of(account)
    assert connection.deposit_account_id == ids["Checking"]
    assert connection.discount_account_id == ""  # the default: left to QuickBooks
    assert accounts.deposit_account_id(connection) == ids["Checking"]

    later = pay(invoice, "60.00")
    run_outbox(account)
    [sent] = [json.loads(c.request.body) for c in sandbox.api_calls("/payment?")
              if c.request.method == "POST" and "60.00" in str(c.request.body)]
    assert sent["DepositToAccountRef"] == {"value": ids["Checking"]}
    payments = {p["Id"]: p for p in sandbox.entities(US_REALM, "Payment")}
    assert payments[record_for(later, "payment").qbo_id]["DepositToAccountRef"]["value"] \
        == ids["Checking"]
    assert payments[first["Id"]]["DepositToAccountRef"]["value"] == ids["Undeposited Funds"]
    assert payments[first["Id"]]["SyncToken"] == first["SyncToken"]


def test_with_no_deposit_account_chosen_the_payment_leaves_it_to_quickbooks(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(make_invoice(account=account, number="A-2"))
    pay(invoice, "10.00")
    run_outbox(account)
    [sent] = [json.loads(c.request.body) for c in sandbox.api_calls("/payment?")
              if c.request.method == "POST"]
    assert "DepositToAccountRef" not in sent


def test_only_accounts_listed_for_the_purpose_are_accepted(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    ids = add_chart(sandbox, account)
    recheck(client)
    for bad in [{"deposit": ids["Advertising"]}, {"fee": ids["Checking"]},
                {"discount": ids["Savings"]}, {"deposit": "99999"}]:
        response = client.post(CHOOSE_URL, bad, follow=True)
        assert "Choose the accounts from the lists" in response.content.decode()
    connection = connection_of(account)
    assert (connection.deposit_account_id, connection.discount_account_id,
            connection.fee_account_id) == ("", "", "")


def test_the_form_changes_only_the_signed_in_accounts_connection(sandbox, account_for, client):
    mine = account_for("US", US_REALM)
    add_chart(sandbox, mine)
    only_mine = sandbox.api_post(mine, "Account", {"Name": "Petty cash", "AccountType": "Bank",
                                                   "AccountSubType": "CashOnHand"})["Id"]
    recheck(client)
    theirs = account_for("CA", CA_REALM)  # now signed in as the other account's owner
    their_ids = add_chart(sandbox, theirs)
    recheck(client)

    response = client.post(CHOOSE_URL, {"deposit": only_mine}, follow=True)
    assert "Choose the accounts from the lists" in response.content.decode()
    client.post(CHOOSE_URL, {"deposit": their_ids["Savings"]})
    assert connection_of(theirs).deposit_account_id == their_ids["Savings"]
    assert connection_of(mine).deposit_account_id == ""


def test_choosing_needs_a_post(sandbox, account_for, client):
    account_for("US", US_REALM)
    assert client.get(CHOOSE_URL).status_code == 405


def test_without_a_connection_nothing_is_saved(db, client):
    from tests.factories import make_account, make_user

    client.force_login(make_user(account=make_account(country="US")))
    response = client.post(CHOOSE_URL, {"deposit": "35"}, follow=True)
    assert "Connect to QuickBooks" in response.content.decode()


class AccountChoicesFormView:
    """The options of the account choice form, as the page shows them."""

    def __init__(self, page: str):
        self.page = page

    def options(self, name: str) -> list[str]:
        import re

        select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', self.page, re.S)
        assert select, name
        return [label.strip() for label in re.findall(r"<option[^>]*>(.*?)</option>",
                                                      select.group(1), re.S)]
