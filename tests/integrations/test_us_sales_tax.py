"""US sales tax as real US companies keep it: automated sales tax (lines TAX/NON, our total
overrides QuickBooks' figure) and older companies (a tax code of the rate's name)."""

import json
from decimal import Decimal

import pytest

from integrations.models import QuickBooksConnection
from integrations.services import company_settings, reconcile
from tests.factories import make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import run_outbox, send
from tests.integrations.test_reconcile import problems, qbo_write
from tests.sandbox_helpers import record_for

pytestmark = pytest.mark.django_db


def us_company(sandbox, *, automated: bool, sales_tax: bool = True, **extra) -> str:
    return sandbox.control("POST", "companies", json={
        "name": "US Studio", "country": "US", **extra,
        "preferences": {"automated_sales_tax": automated, "sales_tax": sales_tax}})["realm_id"]


def sent_invoices(sandbox) -> list[dict]:
    return [json.loads(c.request.body) for c in sandbox.api_calls("/invoice?")
            if c.request.method == "POST"]


def qbo_invoice(sandbox, realm: str, number: str) -> dict:
    [found] = sandbox.invoices(realm, number)
    return found


def test_the_settings_read_say_whether_quickbooks_automates_sales_tax(sandbox, account_for):
    older = account_for("US", us_company(sandbox, automated=False))
    snapshot = QuickBooksConnection.objects.get(account=older).settings_snapshot
    assert snapshot["automated_sales_tax"] is False
    assert {"California", "Out of state"} <= set(snapshot["tax_codes"])
    ast = account_for("US", us_company(sandbox, automated=True))
    assert QuickBooksConnection.objects.get(account=ast).settings_snapshot[
        "automated_sales_tax"] is True


def test_with_automated_sales_tax_our_total_overrides_and_quickbooks_spreads_it(
        sandbox, account_for):
    realm = us_company(sandbox, automated=True, tax_codes=[{"name": "Tucson", "rate": 7.6}])
    account = account_for("US", realm)
    tax = make_tax_rate(account=account, name="Sales Tax", percentage="7.5")
    invoice = send(make_invoice(account=account, number="A-1",
                                lines=[(make_product(account=account), "1", "100", tax)]))
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    [payload] = sent_invoices(sandbox)
    assert payload["TxnTaxDetail"] == {"TotalTax": "7.50"}  # no tax code: QuickBooks picks
    detail = qbo_invoice(sandbox, realm, "A-1")["TxnTaxDetail"]
    assert detail["TotalTax"] == 7.5 and detail["TaxLine"][0]["Amount"] == 7.5
    assert reconcile.reconcile_account(account=account).differences == []


def test_an_older_company_takes_the_tax_code_of_the_rates_name(sandbox, account_for):
    realm = us_company(sandbox, automated=False)
    account = account_for("US", realm)
    tax = make_tax_rate(account=account, name="california", percentage="8")
    invoice = send(make_invoice(account=account, number="L-1",
                                lines=[(make_product(account=account), "1", "100", tax)]))
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    codes = QuickBooksConnection.objects.get(account=account).settings_snapshot["tax_codes"]
    [payload] = sent_invoices(sandbox)
    assert payload["TxnTaxDetail"] == {"TotalTax": "8.00",
                                       "TxnTaxCodeRef": {"value": codes["California"]}}
    assert payload["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    found = qbo_invoice(sandbox, realm, "L-1")
    assert Decimal(str(found["TotalAmt"])) == Decimal("108.00")
    assert found["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["TaxPercent"] == 8


def test_an_older_company_blocks_a_rate_without_a_tax_code_and_the_checklist_names_it(
        sandbox, account_for):
    account = account_for("US", us_company(sandbox, automated=False))
    tax = make_tax_rate(account=account, name="Brooklyn", percentage="8.875")
    make_tax_rate(account=account, name="No tax", percentage="0")  # goes as NON: no code
    invoice = send(make_invoice(account=account, number="L-2",
                                lines=[(make_product(account=account), "1", "100", tax)]))
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert record.last_error == (
        "This sales tax rate has no QuickBooks tax code: Brooklyn. Choose one for it in "
        "Account Settings > Integrations > Match sales tax rates to QuickBooks, and the "
        "invoice syncs.")
    assert sent_invoices(sandbox) == []
    connection = QuickBooksConnection.objects.get(account=account)
    [names] = [i for i in company_settings.connection_checklist(connection=connection)
               if i["key"] == "tax_names"]
    assert not names["ok"] and names["detail"] == "Brooklyn"


def test_an_older_company_takes_one_rate_per_invoice(sandbox, account_for):
    account = account_for("US", us_company(sandbox, automated=False))
    one = make_tax_rate(account=account, name="California", percentage="8")
    other = make_tax_rate(account=account, name="Out of state", percentage="1")
    product = make_product(account=account)
    invoice = send(make_invoice(account=account, number="L-3",
                                lines=[(product, "1", "100", one), (product, "1", "10", other)]))
    run_outbox(account)
    assert record_for(invoice).state == "blocked"
    assert "one sales tax rate per invoice" in record_for(invoice).last_error


def test_the_automated_company_needs_no_tax_code_names(sandbox, account_for):
    account = account_for("US", us_company(sandbox, automated=True))
    make_tax_rate(account=account, name="Brooklyn", percentage="8.875")
    connection = QuickBooksConnection.objects.get(account=account)
    keys = [i["key"] for i in company_settings.connection_checklist(connection=connection)]
    assert "tax_names" not in keys


def test_tax_without_sales_tax_set_up_in_quickbooks_is_blocked_with_a_sentence(
        sandbox, account_for):
    account = account_for("US", us_company(sandbox, automated=True, sales_tax=False))
    tax = make_tax_rate(account=account, name="Sales Tax", percentage="10")
    product = make_product(account=account)
    taxed = send(make_invoice(account=account, number="N-1",
                              lines=[(product, "1", "100", tax)]))
    untaxed = send(make_invoice(account=account, number="N-2",
                                lines=[(product, "1", "100", None)]))
    run_outbox(account)
    assert record_for(taxed).state == "blocked"
    assert record_for(taxed).last_error.startswith(
        "This invoice charges sales tax, but sales tax is not set up in QuickBooks")
    assert record_for(untaxed).state == "synced"


@pytest.mark.parametrize("automated", [True, False])
def test_reconcile_reports_tax_changed_in_quickbooks(sandbox, account_for, automated):
    realm = us_company(sandbox, automated=automated,
                       **({"tax_codes": [{"name": "California", "rate": 8}]} if automated
                          else {}))
    account = account_for("US", realm)
    tax = make_tax_rate(account=account, name="California", percentage="8")
    invoice = send(make_invoice(account=account, number="T-1",
                                lines=[(make_product(account=account), "1", "100", tax)]))
    run_outbox(account)
    assert reconcile.reconcile_account(account=account).differences == []
    found = qbo_invoice(sandbox, realm, "T-1")
    found["TxnTaxDetail"] = {"TotalTax": "5.00", **(
        {} if automated else {"TxnTaxCodeRef": found["TxnTaxDetail"]["TxnTaxCodeRef"]})}
    qbo_write(account, "Invoice", found)
    assert ("Invoice T-1", "tax") in problems(reconcile.reconcile_account(account=account))
    assert record_for(invoice).qbo_id == found["Id"]
