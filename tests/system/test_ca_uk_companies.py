"""System stories for Canadian and UK companies: tax codes matched by name, through the worker."""

from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection
from tests.factories import make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import CA_REALM, GB_REALM
from tests.system.helpers import connected_account, settled, synced

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def _sales_lines(qbo_invoice: dict) -> list[dict]:
    return [line for line in qbo_invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def _code_ids(realm_summary: dict) -> dict[str, str]:
    return {code["name"]: str(code["id"]) for code in realm_summary["tax_codes"]}


def test_canadian_lines_carry_the_quickbooks_tax_code_whose_name_matches(sandbox, client):
    account = connected_account(client, "CA", CA_REALM)
    hst = make_tax_rate(account=account, name="hst  on", percentage="13")  # case, spacing
    gst = make_tax_rate(account=account, name="GST", percentage="5")
    product = make_product(account=account)
    invoice = send(make_invoice(account=account, number="C-1", lines=[
        (product, "1", "100.00", hst), (product, "2", "50.00", gst)]))

    synced(invoice)
    codes = _code_ids(sandbox.control("GET", f"companies/{CA_REALM}"))
    [qbo] = sandbox.invoices(CA_REALM, "C-1")
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in _sales_lines(qbo)] \
        == [codes["HST ON"], codes["GST"]]
    assert Decimal(str(qbo["TxnTaxDetail"]["TotalTax"])) == Decimal("18.00")  # 13 + 5
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("218.00")
    sandbox.assert_exactly_once(CA_REALM)


def test_a_canadian_tax_rate_quickbooks_does_not_have_is_blocked_naming_it(sandbox, client):
    account = connected_account(client, "CA", CA_REALM)
    qst = make_tax_rate(account=account, name="QST", percentage="9.975")
    invoice = send(make_invoice(account=account, number="C-2",
                                lines=[(make_product(account=account), "1", "100.00", qst)]))

    record = settled(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith(
        "This GST/HST rate has no QuickBooks tax code: QST. Choose one for it in Account "
        "Settings > Integrations > Match GST/HST rates to QuickBooks")
    assert sandbox.invoices(CA_REALM, "C-2") == []


def test_a_canadian_line_without_a_tax_rate_is_blocked(sandbox, client):
    account = connected_account(client, "CA", CA_REALM)
    gst = make_tax_rate(account=account, name="GST", percentage="5")
    product = make_product(account=account, display_name="Prints")
    untaxed = make_product(account=account, display_name="Travel")
    invoice = send(make_invoice(account=account, number="C-3", lines=[
        (product, "1", "100.00", gst), (untaxed, "1", "40.00", None)]))

    record = settled(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith("In Canada every line needs a GST/HST rate")
    assert record.last_error.endswith("Lines without one: Travel. Edit the invoice, choose "
                                      "one on each, and it syncs.")
    assert sandbox.entities(CA_REALM, "Invoice") == []


def test_a_canadian_tip_stays_unapplied_because_canada_has_no_tips_setting(sandbox, client):
    account = connected_account(client, "CA", CA_REALM)
    gst = make_tax_rate(account=account, name="GST", percentage="5")
    invoice = send(make_invoice(account=account, number="C-4",
                                lines=[(make_product(account=account), "1", "100.00", gst)]))
    synced(invoice)
    payment = pay(invoice, "105.00", tip="10.00")

    record = synced(payment, "payment")
    assert record.warning.startswith("QuickBooks Canada has no tips setting, so the 10.00 tip")
    [qbo_payment] = sandbox.entities(CA_REALM, "Payment")
    assert Decimal(str(qbo_payment["TotalAmt"])) == Decimal("115.00")
    assert Decimal(str(qbo_payment["UnappliedAmt"])) == Decimal("10.00")
    [qbo_invoice] = sandbox.invoices(CA_REALM, "C-4")
    assert Decimal(str(qbo_invoice["Balance"])) == Decimal("0")


def test_a_uk_invoice_at_standard_rate_syncs_and_quickbooks_computes_the_vat(sandbox, client):
    account = connected_account(client, "GB", GB_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.country == "GB"
    vat = make_tax_rate(account=account, name="20.0% S", percentage="20")
    zero = make_tax_rate(account=account, name="0.0% Z", percentage="0")
    product = make_product(account=account)
    invoice = send(make_invoice(account=account, number="UK-1", lines=[
        (product, "1", "100.00", vat), (product, "1", "30.00", zero)]))

    synced(invoice)
    codes = _code_ids(sandbox.control("GET", f"companies/{GB_REALM}"))
    [qbo] = sandbox.invoices(GB_REALM, "UK-1")
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in _sales_lines(qbo)] \
        == [codes["20.0% S"], codes["0.0% Z"]]
    assert Decimal(str(qbo["TxnTaxDetail"]["TotalTax"])) == Decimal("20.00")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("150.00")
    assert Decimal(str(qbo["TotalAmt"])) == invoice.total
    sandbox.assert_exactly_once(GB_REALM)
