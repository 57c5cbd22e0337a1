"""The sandbox answers hatsync's own writes in the shape Intuit's real answers have: every key
path of a recorded (trimmed) real answer in fixtures/ is in the sandbox's answer, with the
same JSON type. What still differs is listed in KNOWN and in qbo_sandbox/README.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from qbo_sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from qbo_sandbox.testing import serve

FIXTURES = Path(__file__).parent / "fixtures"
# Key paths of the recorded answers the sandbox does not answer (see its README).
KNOWN = {
    "Payment.DepositToAccountRef", "Payment.DepositToAccountRef.value",
}


def key_paths(answer, prefix: str = "") -> dict[str, str]:
    """Every key path with its JSON type; a list's items share one path (`Line[]`). The same
    rule as hatsync's live check (integrations/services/live_check.py), kept here so the
    sandbox's tests import nothing of hatsync."""
    paths: dict[str, str] = {}
    if isinstance(answer, dict):
        for key, value in answer.items():
            path = f"{prefix}.{key}" if prefix else key
            paths[path] = ("object" if isinstance(value, dict) else "array"
                           if isinstance(value, list) else "boolean" if isinstance(value, bool)
                           else "number" if isinstance(value, int | float) else "null"
                           if value is None else "string")
            paths.update(key_paths(value, path))
    elif isinstance(answer, list):
        for item in answer:
            paths.update(key_paths(item, f"{prefix}[]"))
    return paths


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}_answer.json").read_text())


class Api:
    def __init__(self, base: str, country: str = "US") -> None:
        self.base = base
        self.realm = requests.post(f"{base}/_sandbox/companies", timeout=10, json={
            "name": "Shapes", "country": country}).json()["realm_id"]
        code = requests.post(f"{base}/_sandbox/authorize", timeout=10, json={
            "realm_id": self.realm, "redirect_uri": "http://x/cb"}).json()["code"]
        token = requests.post(f"{base}/oauth2/v1/tokens/bearer", timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": "http://x/cb"},
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def post(self, entity: str, body: dict) -> dict:
        return requests.post(f"{self.base}/v3/company/{self.realm}/{entity.lower()}",
                             params={"minorversion": "75"}, json=body, headers=self.headers,
                             timeout=10).json()

    def get(self, path: str, **params: str) -> dict:
        return requests.get(f"{self.base}/v3/company/{self.realm}/{path}", params=params,
                            headers=self.headers, timeout=10).json()


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, dict]:
    """A customer, an item, an invoice and a part payment, written as hatsync writes them."""
    with serve(tmp_path_factory.mktemp("shapes"), sample_data=False) as base:
        api = Api(base)
        customer = api.post("Customer", {
            "DisplayName": "King's Groceries", "PrimaryEmailAddr": {"Address": "k@example.com"},
            "BillAddr": {"Line1": "123 Main Street", "City": "Mountain View", "Country": "USA",
                         "CountrySubDivisionCode": "CA", "PostalCode": "94042"}})
        account = api.get("query", query="select * from Account where AccountType = 'Income'")
        item = api.post("Item", {"Name": "Lesson", "Type": "Service", "IncomeAccountRef": {
            "value": account["QueryResponse"]["Account"][0]["Id"]}})
        invoice = api.post("Invoice", {
            "DocNumber": "1037", "CustomerRef": {"value": customer["Customer"]["Id"]},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 71, "Description": "Lesson",
                      "SalesItemLineDetail": {"ItemRef": {"value": item["Item"]["Id"]},
                                              "Qty": 1, "UnitPrice": 71,
                                              "TaxCodeRef": {"value": "NON"}}}]})
        payment = api.post("Payment", {
            "CustomerRef": {"value": customer["Customer"]["Id"]}, "TotalAmt": 55,
            "Line": [{"Amount": 55, "LinkedTxn": [{"TxnId": invoice["Invoice"]["Id"],
                                                   "TxnType": "Invoice"}]}]})
        read_payment = api.get(f"payment/{payment['Payment']['Id']}")
        read_invoice = api.get(f"invoice/{invoice['Invoice']['Id']}")
        gb = Api(base, "GB")
        gb_customer = gb.post("Customer", {"DisplayName": "Jones"})
    return {"customer": customer, "invoice": invoice, "payment": payment,
            "read_payment": read_payment, "read_invoice": read_invoice,
            "gb_customer": gb_customer}


def missing_or_different(real: dict, ours: dict) -> list[str]:
    theirs, mine = key_paths(real), key_paths(ours)
    return sorted(f"{path}: Intuit {kind}, sandbox {mine.get(path, 'missing')}"
                  for path, kind in theirs.items()
                  if path != "time" and path not in KNOWN and mine.get(path) != kind)


@pytest.mark.parametrize("name, answer", [
    ("customer", "customer"), ("invoice", "invoice"), ("invoice", "read_invoice"),
    ("payment", "payment"), ("payment", "read_payment"),
])
def test_every_key_path_of_a_real_answer_is_answered(answers, name, answer):
    assert missing_or_different(recorded(name), answers[answer]) == []


def test_metadata_times_are_in_the_company_time_zone(answers):
    # Intuit writes MetaData (and the answer's `time`) in the company's own offset.
    created = answers["invoice"]["Invoice"]["MetaData"]["CreateTime"]
    assert created[-6:] in ("-08:00", "-07:00"), created  # a US sandbox company: Pacific
    assert answers["invoice"]["time"][-6:] == created[-6:]
    assert answers["gb_customer"]["Customer"]["MetaData"]["CreateTime"][-6:] in (
        "+00:00", "+01:00")


def test_payment_line_ex_names_the_invoice_and_its_open_balance(answers):
    line = answers["payment"]["Payment"]["Line"][0]
    pairs = {a["value"]["Name"]: a["value"]["Value"] for a in line["LineEx"]["any"]}
    invoice = answers["invoice"]["Invoice"]
    assert pairs == {"txnId": invoice["Id"], "txnOpenBalance": "71.00",
                     "txnReferenceNumber": "1037"}
    assert answers["payment"]["Payment"]["CurrencyRef"] == {
        "value": "USD", "name": "United States Dollar"}


def test_addresses_carry_an_id_and_no_lat_long(answers):
    address = answers["customer"]["Customer"]["BillAddr"]
    assert address["Id"].isdigit()
    assert "Lat" not in address and "Long" not in address
    assert address["Country"] == "USA"


def test_an_expense_carries_purchase_ex_and_a_tax_code_on_each_line(tmp_path):
    with serve(tmp_path, sample_data=False) as base:
        api = Api(base)
        bank = api.post("Account", {"Name": "Checking", "AccountType": "Bank"})["Account"]
        cost = api.post("Account", {"Name": "Supplies", "AccountType": "Expense"})["Account"]
        purchase = api.post("Purchase", {
            "PaymentType": "Cash", "AccountRef": {"value": bank["Id"]},
            "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": 3,
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": cost["Id"]}}}]})
    answer = purchase["Purchase"]
    assert [a["value"]["Name"] for a in answer["PurchaseEx"]["any"]] == ["TxnType"]
    line = answer["Line"][0]["AccountBasedExpenseLineDetail"]
    assert line["TaxCodeRef"] == {"value": "NON"}
    assert answer["CurrencyRef"]["name"] == "United States Dollar"


@pytest.mark.parametrize("country, iso3", [("US", "USA"), ("CA", "CAN"), ("GB", "GBR")])
def test_company_info_addresses_name_the_country_in_three_letters(tmp_path, country, iso3):
    # Intuit's 2025 change: the company, customer-communication and legal addresses answer
    # `Country` as an ISO 3-letter code, without Lat/Long; CompanyInfo's own `Country` stays
    # the 2-letter code (what hatsync reads at connect).
    with serve(tmp_path / "qbo", sample_data=False) as base:
        api = Api(base, country)
        info = api.get(f"companyinfo/{api.realm}")["CompanyInfo"]
    assert info["Country"] == country
    for name in ("CompanyAddr", "CustomerCommunicationAddr", "LegalAddr"):
        assert info[name]["Country"] == iso3, name
        assert "Lat" not in info[name] and "Long" not in info[name]
