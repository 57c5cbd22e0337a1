"""Invoice discounts in QuickBooks: the synced invoice's total, tax and balance are hatsync's
to the cent, in the US, Canada and the UK, for percent and amount discounts."""

import json
from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection
from integrations.services.company_settings import connection_check_settings
from invoices import services
from tests.factories import make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import CA_REALM, GB_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db

REALMS = {"US": US_REALM, "CA": CA_REALM, "GB": GB_REALM}
# Two tax rates per country, named as the sandbox company's tax codes are.
RATES = {
    "US": [("Sales Tax", "8.875"), ("City Tax", "13")],
    "CA": [("HST ON", "13"), ("GST", "5")],
    "GB": [("20.0% S", "20"), ("5.0% R", "5")],
}
DISCOUNTS = [("percent", "33.33"), ("percent", "10"), ("amount", "10.01"),
             ("amount", "0.03")]


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def qbo_invoice(sandbox, realm: str, invoice) -> dict:
    return next(i for i in sandbox.entities(realm, "Invoice") if i["Id"] == record_for(invoice)
                .qbo_id)


def discounted_invoice(account, country: str, kind: str, value: str, number: str):
    (name_a, pct_a), (name_b, pct_b) = RATES[country]
    rate_a = make_tax_rate(account=account, name=name_a, percentage=pct_a)
    rate_b = make_tax_rate(account=account, name=name_b, percentage=pct_b)
    product = make_product(account=account, display_name="Prints", rate="19.99")
    album = make_product(account=account, display_name="Album", rate="7.35")
    invoice = make_invoice(account=account, number=number, lines=[
        (product, "3", "19.99", rate_a), (album, "3", "19.99", rate_b),
        (album, "1", "7.35", rate_a),
    ])
    services.invoice_update(
        invoice=invoice, number=number, contact=invoice.contact,
        issue_date=invoice.issue_date, due_date=invoice.due_date,
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate)
               for line in invoice.lines.all()],
        discount_kind=kind, discount_value=Decimal(value))
    invoice.refresh_from_db()
    return invoice


def assert_same_money(qbo: dict, invoice) -> None:
    assert money(qbo["TotalAmt"]) == invoice.total
    assert money(qbo["TxnTaxDetail"]["TotalTax"]) == invoice.tax_total
    assert money(qbo["Balance"]) == invoice.balance


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
@pytest.mark.parametrize(("kind", "value"), DISCOUNTS)
def test_a_discounted_invoice_has_hatsyncs_total_tax_and_balance_in_quickbooks(
    sandbox, account_for, country, kind, value
):
    account = account_for(country, REALMS[country])
    invoice = send(discounted_invoice(account, country, kind, value, "D-1"))
    assert invoice.discount_amount > 0
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    qbo = qbo_invoice(sandbox, REALMS[country], invoice)
    [line] = [ln for ln in qbo["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert money(line["Amount"]) == invoice.discount_amount
    assert line["DiscountLineDetail"]["PercentBased"] is (kind == "percent")
    assert_same_money(qbo, invoice)


def test_the_discount_line_is_sent_after_the_sales_lines_with_its_percent(
    sandbox, account_for
):
    account = account_for("US", US_REALM)
    invoice = send(discounted_invoice(account, "US", "percent", "33.33", "D-2"))
    run_outbox(account)
    [sent] = [json.loads(c.request.body) for c in sandbox.api_calls("/invoice?")
              if c.request.method == "POST"]
    assert [line["DetailType"] for line in sent["Line"]] == [
        "SalesItemLineDetail", "SalesItemLineDetail", "SalesItemLineDetail",
        "DiscountLineDetail"]
    assert sent["Line"][-1] == {
        "DetailType": "DiscountLineDetail", "Amount": f"{invoice.discount_amount}",
        "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": "33.33"},
    }  # a bare company has no "Discounts given" account: QuickBooks picks its own
    assert sent["TxnTaxDetail"] == {"TotalTax": f"{invoice.tax_total}"}


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
def test_changing_the_discount_updates_the_synced_invoice(sandbox, account_for, country):
    account = account_for(country, REALMS[country])
    invoice = send(discounted_invoice(account, country, "percent", "10", "D-3"))
    run_outbox(account)
    before = qbo_invoice(sandbox, REALMS[country], invoice)

    services.invoice_update(
        invoice=invoice, number="D-3", contact=invoice.contact, issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate)
               for line in invoice.lines.all()],
        discount_kind="amount", discount_value=Decimal("25.55"))
    invoice.refresh_from_db()
    run_outbox(account)

    after = qbo_invoice(sandbox, REALMS[country], invoice)
    assert after["Id"] == before["Id"] and after["SyncToken"] != before["SyncToken"]
    assert money(after["TotalAmt"]) != money(before["TotalAmt"])
    assert_same_money(after, invoice)
    [line] = [ln for ln in after["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert money(line["Amount"]) == Decimal("25.55")


def test_removing_the_discount_removes_the_discount_line(sandbox, account_for):
    account = account_for("CA", CA_REALM)
    invoice = send(discounted_invoice(account, "CA", "amount", "10.01", "D-4"))
    run_outbox(account)
    services.invoice_update(
        invoice=invoice, number="D-4", contact=invoice.contact, issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate)
               for line in invoice.lines.all()],
        discount_kind="")
    invoice.refresh_from_db()
    run_outbox(account)
    after = qbo_invoice(sandbox, CA_REALM, invoice)
    assert not [ln for ln in after["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert_same_money(after, invoice)


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
def test_paying_the_discounted_total_leaves_nothing_owing_in_quickbooks(
    sandbox, account_for, country
):
    account = account_for(country, REALMS[country])
    invoice = send(discounted_invoice(account, country, "percent", "33.33", "D-5"))
    pay(invoice, str(invoice.total))
    run_outbox(account)
    invoice.refresh_from_db()
    assert invoice.balance == 0
    qbo = qbo_invoice(sandbox, REALMS[country], invoice)
    assert money(qbo["Balance"]) == Decimal("0.00")
    assert money(qbo["TotalAmt"]) == invoice.total


def test_the_discount_goes_to_discounts_given_or_the_account_chosen(sandbox, account_for):
    account = account_for("US", US_REALM)
    given = sandbox.api_post(account, "Account", {
        "Name": "Discounts given", "AccountType": "Income",
        "AccountSubType": "DiscountsRefundsGiven"})
    other = sandbox.api_post(account, "Account", {
        "Name": "Promotions", "AccountType": "Income", "AccountSubType": "ServiceFeeIncome"})
    connection = QuickBooksConnection.objects.get(account=account)
    connection_check_settings(connection=connection)

    first = send(discounted_invoice(account, "US", "amount", "5.00", "D-6"))
    run_outbox(account)
    [line] = [ln for ln in qbo_invoice(sandbox, US_REALM, first)["Line"]
              if ln["DetailType"] == "DiscountLineDetail"]
    assert line["DiscountLineDetail"]["DiscountAccountRef"]["value"] == given["Id"]

    connection.refresh_from_db()
    connection.discount_account_id = other["Id"]
    connection.save(update_fields=["discount_account_id"])
    services.invoice_update(
        invoice=first, number="D-6", contact=first.contact, issue_date=first.issue_date,
        due_date=first.due_date, memo="Edited",
        lines=[services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate)
               for line in first.lines.all()])
    run_outbox(account)
    [line] = [ln for ln in qbo_invoice(sandbox, US_REALM, first)["Line"]
              if ln["DetailType"] == "DiscountLineDetail"]
    assert line["DiscountLineDetail"]["DiscountAccountRef"]["value"] == other["Id"]


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
def test_line_discounts_with_an_invoice_discount_are_hatsyncs_figures_in_quickbooks(
    sandbox, account_for, country
):
    account = account_for(country, REALMS[country])
    invoice = discounted_invoice(account, country, "percent", "10", "LD-1")
    lines = [services.LineInput(line.product, line.quantity, line.unit_price, line.tax_rate,
                                discount_percent=Decimal(pct))
             for line, pct in zip(invoice.lines.all(), ("15", "0", "33.33"), strict=True)]
    services.invoice_update(invoice=invoice, number="LD-1", contact=invoice.contact,
                            issue_date=invoice.issue_date, due_date=invoice.due_date,
                            lines=lines, discount_kind="percent", discount_value=Decimal("10"))
    invoice = send(invoice)
    first = invoice.lines.all()[0]
    assert first.gross_amount == Decimal("59.97") and first.line_discount == Decimal("9.00")
    assert first.amount == Decimal("50.97")
    run_outbox(account)
    assert record_for(invoice).state == "synced", record_for(invoice).last_error
    qbo = qbo_invoice(sandbox, REALMS[country], invoice)
    assert_same_money(qbo, invoice)
    sent = qbo["Line"][0]
    assert money(sent["Amount"]) == Decimal("50.97") and "15% off 19.99" in sent["Description"]
