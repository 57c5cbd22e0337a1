"""US sales tax in the sandbox: automated sales tax (AST) and older companies' tax codes,
answered with `TxnTaxDetail.TaxLine`s as Intuit's service does."""

from decimal import Decimal

import pytest

from qbo_sandbox.companies import create_company
from qbo_sandbox.entities import Books
from qbo_sandbox.faults import QBOFault


def books_for(app, **options) -> Books:
    made = create_company(app.store, app.clock.now(), name="US Studio", country="US",
                          **options)
    return Books(app.store, app.store.company(made["realm_id"]), app.clock.now())


def invoice(books: Books, *, tax_detail: dict | None = None, code: str = "TAX") -> dict:
    payload = {
        "DocNumber": "1001", "CustomerRef": {"value": books.create(
            "Customer", {"DisplayName": f"Ann {code}"}, {})["Id"]},
        "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": 100,
             "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": code}}},
            {"DetailType": "SalesItemLineDetail", "Amount": 50,
             "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": "NON"}}},
        ],
    }
    if tax_detail is not None:
        payload["TxnTaxDetail"] = tax_detail
    return books.create("Invoice", payload, {})


def test_preferences_say_whether_the_company_uses_automated_sales_tax(app):
    assert books_for(app).preferences()["TaxPrefs"]["PartnerTaxEnabled"] is True
    older = books_for(app, preferences={"automated_sales_tax": False})
    assert older.preferences()["TaxPrefs"]["PartnerTaxEnabled"] is False


def test_an_older_company_comes_with_its_own_us_tax_codes(app):
    older = books_for(app, preferences={"automated_sales_tax": False})
    assert [c["Name"] for c in older.all("TaxCode")] == ["California", "Out of state"]
    assert books_for(app).all("TaxCode") == []  # AST: QuickBooks keeps the rates itself


def test_ast_total_tax_sent_overrides_and_is_spread_over_the_rates_as_tax_lines(app):
    books = books_for(app, tax_codes=[{"name": "Tucson", "rate": 7.6}])
    made = invoice(books, tax_detail={"TotalTax": 7.61})
    detail = made["TxnTaxDetail"]
    assert detail["TotalTax"] == 7.61
    assert detail["TxnTaxCodeRef"] == {"value": "1"}
    [line] = detail["TaxLine"]
    assert line["Amount"] == 7.61 and line["DetailType"] == "TaxLineDetail"
    assert line["TaxLineDetail"] == {
        "TaxRateRef": {"value": "1", "name": "Tucson (sales)"}, "PercentBased": True,
        "TaxPercent": 7.6, "NetAmountTaxable": 100}
    assert made["TotalAmt"] == 157.61


def test_ast_without_a_figure_works_the_tax_out_from_its_rate(app):
    books = books_for(app, tax_codes=[{"name": "Tucson", "rate": 7.6}])
    assert invoice(books)["TxnTaxDetail"]["TotalTax"] == 7.6


def test_an_older_company_taxes_through_the_tax_code_the_invoice_names(app):
    books = books_for(app, preferences={"automated_sales_tax": False})
    made = invoice(books, tax_detail={"TxnTaxCodeRef": {"value": "1"}})
    assert made["TxnTaxDetail"]["TotalTax"] == 8
    assert made["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["TaxPercent"] == 8
    assert Decimal(str(made["TotalAmt"])) == Decimal("158")


def test_an_older_company_without_a_tax_code_on_the_invoice_records_no_tax(app):
    books = books_for(app, preferences={"automated_sales_tax": False})
    assert invoice(books, tax_detail={"TotalTax": 8})["TxnTaxDetail"]["TotalTax"] == 0


def test_an_unknown_tax_code_is_refused(app):
    books = books_for(app, preferences={"automated_sales_tax": False})
    with pytest.raises(QBOFault) as raised:
        invoice(books, tax_detail={"TxnTaxCodeRef": {"value": "99"}})
    assert raised.value.code == "2500"


def test_without_sales_tax_set_up_quickbooks_records_no_tax(app):
    books = books_for(app, preferences={"sales_tax": False})
    made = invoice(books, tax_detail={"TotalTax": 8})
    assert made["TxnTaxDetail"] == {"TotalTax": 0} and made["TotalAmt"] == 150
