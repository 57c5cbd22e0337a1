"""The control API's company management and the QBO-like HTML pages."""

from __future__ import annotations

import requests

from .conftest import BASE, CA, GB, US, api_for, control, sales_line


def test_reset_recreates_the_samples_or_empties_everything(us):
    us.customer("Gone after reset")
    control("POST", "reset")
    assert control("GET", f"companies/{US}/entities/Customer")["Customer"] == []
    assert control("POST", "reset", {"empty": True})["companies"] == []


def test_a_created_company_gets_its_country_default_tax_codes_and_preferences(rsps):
    made = control("POST", "companies", {
        "country": "CA", "name": "Maple Photo",
        "preferences": {"custom_txn_numbers": False, "gratuity": True},
    })
    assert made["realm_id"].isdigit() and len(made["realm_id"]) == 16
    assert [c["name"] for c in made["tax_codes"]] == ["GST", "HST ON", "PST BC", "Zero-rated",
                                                      "Exempt"]
    assert made["preferences"]["custom_txn_numbers"] is False
    assert made["preferences"]["gratuity"] is False  # Canada has no tips setting


def test_a_company_can_be_given_its_own_tax_codes(rsps):
    made = control("POST", "companies", {"country": "GB", "name": "Custom VAT",
                                         "tax_codes": [{"name": "Standard", "rate": 20}]})
    assert made["tax_codes"] == [{"id": "1", "name": "Standard", "rate": 20}]


def test_patching_preferences_changes_what_the_api_reports(us):
    control("PATCH", f"companies/{US}/preferences", {"custom_txn_numbers": False,
                                                     "sales_tax": False})
    prefs = us.get("preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    assert prefs["TaxPrefs"]["UsingSalesTax"] is False


def test_unknown_country_or_preference_is_a_400(rsps):
    assert requests.post(f"{BASE}/_sandbox/companies",
                         json={"name": "X", "country": "FR"}).status_code == 400
    assert requests.patch(f"{BASE}/_sandbox/companies/{US}/preferences",
                          json={"tips": True}).status_code == 400


def in_company(realm: str) -> requests.Session:
    """A browser whose current QuickBooks company is `realm` (Switch company)."""
    browser = requests.Session()
    switched = browser.get(f"{BASE}/app/switchCompany", params={"companyId": realm},
                           allow_redirects=False)
    assert switched.status_code == 303 and switched.headers["Location"] == "/app/homepage"
    return browser


def test_invoice_deep_link_shows_number_customer_total_and_status(us):
    customer = us.customer("Page Person")
    invoice = us.invoice(customer["Id"], [sales_line(99)], DocNumber="P-1").json()["Invoice"]
    page = in_company(US).get(f"{BASE}/app/invoice", params={"txnId": invoice["Id"]})
    assert page.status_code == 200
    assert "P-1" in page.text and "Page Person" in page.text and "99.00" in page.text
    assert "Open" in page.text and "Sandbox Studio US" in page.text


def _colliding_invoices(us) -> tuple[dict, dict]:
    """A Canadian and a US invoice with the same Id (Ids are per company, as on Intuit)."""
    ca = api_for(CA)
    ca_invoice = ca.invoice(ca.customer("Canuck")["Id"], [sales_line(10, tax_code="1")],
                            DocNumber="CA-1").json()["Invoice"]
    us_invoice = us.invoice(us.customer("Yank")["Id"], [sales_line(10)],
                            DocNumber="US-1").json()["Invoice"]
    assert ca_invoice["Id"] == us_invoice["Id"]
    return ca_invoice, us_invoice


def test_a_deep_link_opens_in_the_browsers_current_company_whatever_it_carries(us, rsps):
    ca_invoice, _ = _colliding_invoices(us)
    browser = in_company(US)
    # Intuit documents no parameter naming the company in a deep link: none is honoured.
    for named in ({}, {"realmId": CA}, {"companyId": CA}):
        page = browser.get(f"{BASE}/app/invoice", params={"txnId": ca_invoice["Id"], **named})
        assert page.status_code == 200
        assert "US-1" in page.text and "Sandbox Studio US" in page.text
        assert "CA-1" not in page.text
    browser.get(f"{BASE}/app/switchCompany", params={"companyId": CA})
    page = browser.get(f"{BASE}/app/invoice", params={"txnId": ca_invoice["Id"]})
    assert "CA-1" in page.text and "US-1" not in page.text


def test_a_txn_id_the_current_company_lacks_is_not_found_there_not_another_companys(us, rsps):
    ca = api_for(CA)
    ca_invoice = ca.invoice(ca.customer("Only in Canada")["Id"], [sales_line(10, tax_code="1")],
                            DocNumber="CA-ONLY").json()["Invoice"]
    page = in_company(GB).get(f"{BASE}/app/invoice", params={"txnId": ca_invoice["Id"]})
    assert page.status_code == 404
    assert "CA-ONLY" not in page.text and "Only in Canada" not in page.text
    assert "Sandbox Studio UK" in page.text and "Switch company" in page.text


def test_a_browser_with_no_current_company_is_asked_to_choose_one(us, rsps):
    page = requests.get(f"{BASE}/app/invoice", params={"txnId": "1"})
    assert page.status_code == 200 and "Choose a company" in page.text
    assert f"/app/switchCompany?companyId={CA}" in page.text
    unknown = requests.get(f"{BASE}/app/switchCompany", params={"companyId": "123"})
    assert unknown.status_code == 404 and "Choose a company" in unknown.text


def test_homepage_lists_invoices_with_links(us):
    customer = us.customer("Home")
    us.invoice(customer["Id"], [sales_line(5)], DocNumber="H-1")
    page = requests.get(f"{BASE}/app/homepage", params={"realmId": US})
    assert "H-1" in page.text and "/app/invoice?txnId=" in page.text


def test_index_page_lists_the_companies(rsps):
    page = requests.get(BASE + "/")
    assert "Sandbox Studio US" in page.text and "/_sandbox/" in page.text


def test_unknown_invoice_link_is_a_404_page(rsps):
    assert in_company(US).get(f"{BASE}/app/invoice",
                              params={"txnId": "999"}).status_code == 404
