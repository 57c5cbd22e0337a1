"""The unchanged python-quickbooks client against the sandbox: objects, queries, faults, batch."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.batch import batch_create
from quickbooks.exceptions import (
    ObjectNotFoundException,
    QuickbooksException,
    ValidationException,
)
from quickbooks.objects.base import LinkedTxn
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.taxcode import TaxCode

from .conftest import BASE, CA, connect, quickbooks_for, ref


def make_customer(qb, name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer.save(qb=qb)


def make_item(qb, name: str) -> Item:
    item = Item()
    item.Name = name
    item.Type = "Service"
    item.IncomeAccountRef = ref("1")
    return item.save(qb=qb)


def make_invoice(qb, customer_id: str, amount: str, doc_number: str | None = None,
                 tax_code: str = "NON", item_id: str = "1") -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = ref(customer_id)
    if doc_number:
        invoice.DocNumber = doc_number
    line = SalesItemLine()
    line.Amount = Decimal(amount)
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = ref(item_id)
    line.SalesItemLineDetail.TaxCodeRef = ref(tax_code)
    invoice.Line.append(line)
    return invoice.save(qb=qb)


def test_client_is_pointed_at_the_sandbox_by_setting_api_url_v3_on_the_instance(qb):
    assert qb.sandbox is False  # environment is a discovery URL, not "sandbox"
    assert qb.api_url == BASE + "/v3"
    info = CompanyInfo.get(qb.company_id, qb=qb)
    assert info.CompanyName == "Sandbox Studio US" and info.Country == "US"


def test_customer_create_query_and_update_with_sync_token(qb):
    saved = make_customer(qb, "Ana Lima")
    assert saved.Id and saved.SyncToken == "0"
    found = Customer.filter(DisplayName="ana lima", qb=qb)
    assert [c.Id for c in found] == [saved.Id]
    saved.PrimaryEmailAddr = None
    saved.Notes = "VIP"
    updated = saved.save(qb=qb)
    assert updated.SyncToken == "1" and updated.Notes == "VIP"


def test_stale_sync_token_surfaces_as_quickbooks_exception_5010(qb):
    saved = make_customer(qb, "Ben")
    saved.Notes = "first"
    saved.save(qb=qb)
    saved.Notes = "second"  # still SyncToken 0
    with pytest.raises(QuickbooksException) as error:
        saved.save(qb=qb)
    assert error.value.error_code == 5010


def test_duplicate_customer_name_is_6240(qb):
    make_customer(qb, "Carla Diaz")
    with pytest.raises(QuickbooksException) as error:
        make_customer(qb, "CARLA DIAZ")
    assert error.value.error_code == 6240
    assert "Another customer, vendor or employee is already using this name" in error.value.detail


def test_duplicate_invoice_number_is_6140_naming_the_holder(qb):
    customer = make_customer(qb, "Dora")
    first = make_invoice(qb, customer.Id, "100.00", doc_number="1042")
    with pytest.raises(QuickbooksException) as error:
        make_invoice(qb, customer.Id, "50.00", doc_number="1042")
    assert error.value.error_code == 6140
    assert error.value.detail.endswith(
        f"DocNumber=1042 is assigned to TxnType=Invoice with TxnId={first.Id}"
    )


def test_unknown_reference_is_a_validation_exception_2500(qb):
    with pytest.raises(ValidationException) as error:
        make_invoice(qb, "999", "10.00")
    assert error.value.error_code == 2500


def test_missing_object_is_object_not_found_610(qb):
    with pytest.raises(ObjectNotFoundException) as error:
        Customer.get(12345, qb=qb)
    assert error.value.error_code == 610


def test_missing_required_field_is_a_validation_exception_2020(qb):
    with pytest.raises(ValidationException) as error:
        Item().save(qb=qb)
    assert error.value.error_code == 2020


def test_invoice_totals_payment_and_balance(qb):
    customer = make_customer(qb, "Eve")
    item = make_item(qb, "Photography Session")
    invoice = make_invoice(qb, customer.Id, "250.00", doc_number="INV-1", item_id=item.Id)
    assert invoice.TotalAmt == Decimal("250") and invoice.Balance == Decimal("250")
    payment = Payment()
    payment.CustomerRef = ref(customer.Id)
    payment.TotalAmt = Decimal("300.00")
    payment.PaymentRefNum = "CHK-7"
    line = PaymentLine()
    line.Amount = Decimal("250.00")
    link = LinkedTxn()
    link.TxnId = invoice.Id
    link.TxnType = "Invoice"
    line.LinkedTxn.append(link)
    payment.Line.append(line)
    saved = payment.save(qb=qb)
    assert saved.UnappliedAmt == Decimal("50")
    paid = Invoice.get(invoice.Id, qb=qb)
    assert paid.Balance == Decimal("0")
    assert Customer.get(customer.Id, qb=qb).Balance == Decimal("-50")


def test_void_invoice_zeroes_amounts(qb):
    customer = make_customer(qb, "Finn")
    invoice = make_invoice(qb, customer.Id, "80.00", doc_number="V-1")
    answer = invoice.void(qb=qb)
    voided = answer["Invoice"]
    assert voided["TotalAmt"] == 0 and voided["Balance"] == 0
    assert voided["PrivateNote"] == "Voided" and voided["SyncToken"] == "1"


def test_batch_create_reports_successes_and_faults_per_item(qb):
    make_customer(qb, "Taken")
    customers = []
    for name in ("Gus", "Hana", "Taken"):
        customer = Customer()
        customer.DisplayName = name
        customers.append(customer)
    result = batch_create(customers, qb=qb)
    assert sorted(c.DisplayName for c in result.successes) == ["Gus", "Hana"]
    assert len(result.faults) == 1
    assert result.faults[0].Error[0].code == "6240"


def test_count_and_paging_queries(qb):
    for n in range(5):
        make_customer(qb, f"Person {n}")
    assert Customer.count(qb=qb) == 5
    page = Customer.where("", order_by="DisplayName DESC", start_position=2, max_results=2, qb=qb)
    assert [c.DisplayName for c in page] == ["Person 3", "Person 2"]


def test_preferences_expose_custom_numbers_gratuity_and_sales_tax(qb):
    prefs = Preferences.get(qb=qb)
    assert prefs.SalesFormsPrefs.CustomTxnNumbers is True
    assert prefs.TaxPrefs.UsingSalesTax is True
    values = {nv.Name: nv.Value for nv in prefs.OtherPrefs.NameValue}
    assert values["SalesFormsPrefs.AllowGratuity"] == "true"


def test_canadian_tax_codes_are_listed_with_their_names(auth_client):
    qb = quickbooks_for(connect(auth_client, CA), CA)
    names = {code.Name for code in TaxCode.all(qb=qb)}
    assert {"GST", "HST ON", "PST BC", "Zero-rated", "Exempt"} <= names
    gst = TaxCode.filter(Name="GST", qb=qb)[0]
    assert gst.SalesTaxRateList.TaxRateDetail[0].TaxRateRef.value


def test_request_id_replay_through_the_client_creates_nothing_new(qb):
    customer = Customer()
    customer.DisplayName = "Ivy"
    first = customer.save(qb=qb, request_id="req-1")
    again = Customer()
    again.DisplayName = "Ivy"
    second = again.save(qb=qb, request_id="req-1")
    assert first.Id == second.Id
    assert Customer.count(qb=qb) == 1
