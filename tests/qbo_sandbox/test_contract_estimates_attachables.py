"""The unchanged python-quickbooks client against the sandbox's estimates (and the invoices made
from them), attachables (notes and multipart uploads), time activities, recurring templates,
tax agencies and TaxService (issue 25). Bare companies; everything built through the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from quickbooks.exceptions import QuickbooksException
from quickbooks.helpers import qb_datetime_utc_offset_format
from quickbooks.objects.account import Account
from quickbooks.objects.attachable import Attachable
from quickbooks.objects.base import AttachableRef, LinkedTxn
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    DiscountLine,
    DiscountLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.employee import Employee
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.recurringtransaction import (
    RecurringBill,
    RecurringInfo,
    RecurringInvoice,
    RecurringTransaction,
    ScheduleInfo,
)
from quickbooks.objects.taxagency import TaxAgency
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.taxrate import TaxRate
from quickbooks.objects.taxservice import TaxRateDetails, TaxService
from quickbooks.objects.timeactivity import TimeActivity
from quickbooks.objects.vendor import Vendor

from .conftest import code_of, control, ref


def customer(qb, name: str = "Amy's Bird Sanctuary") -> Customer:
    new = Customer()
    new.DisplayName = name
    return new.save(qb=qb)


def vendor(qb, name: str = "Norton Lumber") -> Vendor:
    new = Vendor()
    new.DisplayName = name
    return new.save(qb=qb)


def sales_line(amount, qty: int = 1) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(str(amount))
    line.Description = "Pest Control Services"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = ref("1")
    line.SalesItemLineDetail.TaxCodeRef = ref("NON")
    line.SalesItemLineDetail.Qty = qty
    line.SalesItemLineDetail.UnitPrice = Decimal(str(amount)) / qty
    return line


def estimate(qb, customer_id: str, *lines) -> Estimate:
    new = Estimate()
    new.CustomerRef = ref(customer_id)
    new.Line.extend(lines)
    return new.save(qb=qb)


def sandbox_today() -> date:
    return datetime.fromtimestamp(control("GET", "clock")["now"], UTC).date()


# Estimate -------------------------------------------------------------------------------------
def test_estimate_totals_like_an_invoice_with_its_discount_and_posts_nothing(qb):
    amy = customer(qb)
    discount = DiscountLine()
    discount.Amount = Decimal("3.5")
    discount.DiscountLineDetail = DiscountLineDetail()
    discount.DiscountLineDetail.PercentBased = True
    discount.DiscountLineDetail.DiscountPercent = 10
    saved = estimate(qb, amy.Id, sales_line(35), discount)
    read = Estimate.get(saved.Id, qb=qb)
    assert (read.TotalAmt, read.TxnStatus, read.DocNumber) == (Decimal("31.5"), "Pending",
                                                               "1001")
    assert [line.DetailType for line in read.Line] == [
        "SalesItemLineDetail", "DiscountLineDetail", "SubTotalLineDetail"]
    assert Customer.get(amy.Id, qb=qb).Balance == 0  # an estimate is not owed
    assert [e.Id for e in Estimate.where("TxnStatus = 'Pending'", qb=qb)] == [saved.Id]


def test_invoice_made_from_an_estimate_links_both_ways_and_closes_it(qb):
    amy = customer(qb)
    quote = estimate(qb, amy.Id, sales_line(120))
    invoice = Invoice()
    invoice.CustomerRef = amy.to_ref()
    invoice.Line.append(sales_line(120))
    link = LinkedTxn()
    link.TxnId, link.TxnType = quote.Id, "Estimate"
    invoice.LinkedTxn.append(link)
    made = invoice.save(qb=qb)
    assert [(lt.TxnId, lt.TxnType) for lt in Invoice.get(made.Id, qb=qb).LinkedTxn] == [
        (quote.Id, "Estimate")]
    closed = Estimate.get(quote.Id, qb=qb)
    assert closed.TxnStatus == "Closed"
    assert [(lt.TxnId, lt.TxnType) for lt in closed.LinkedTxn] == [(made.Id, "Invoice")]
    Invoice.get(made.Id, qb=qb).void(qb=qb)
    reopened = Estimate.get(quote.Id, qb=qb)
    assert (reopened.TxnStatus, reopened.LinkedTxn) == ("Pending", [])


def test_invoice_cannot_link_another_customers_estimate(qb):
    quote = estimate(qb, customer(qb, "Bill's Windsurf Shop").Id, sales_line(10))
    invoice = Invoice()
    invoice.CustomerRef = customer(qb).to_ref()
    invoice.Line.append(sales_line(10))
    link = LinkedTxn()
    link.TxnId, link.TxnType = quote.Id, "Estimate"
    invoice.LinkedTxn.append(link)
    with pytest.raises(QuickbooksException) as refused:
        invoice.save(qb=qb)
    assert code_of(refused) == 6000
    assert Estimate.get(quote.Id, qb=qb).TxnStatus == "Pending"


# Attachable -----------------------------------------------------------------------------------
def test_note_is_linked_to_a_vendor_updated_queried_and_deleted(qb):
    norton = vendor(qb)
    note = Attachable()
    link = AttachableRef()
    link.EntityRef = norton.to_ref()
    note.AttachableRef.append(link)
    note.Note = "Called about the invoice"
    saved = note.save(qb=qb)
    read = Attachable.get(saved.Id, qb=qb)
    assert (read.Note, read.AttachableRef[0].EntityRef.value) == ("Called about the invoice",
                                                                  norton.Id)
    assert read.AttachableRef[0].EntityRef.type == "Vendor"
    read.Note = "Called twice"
    read.save(qb=qb)
    assert Attachable.get(saved.Id, qb=qb).Note == "Called twice"
    found = Attachable.where(f"AttachableRef.EntityRef.Type = 'vendor' AND "
                             f"AttachableRef.EntityRef.value = '{norton.Id}'", qb=qb)
    assert [a.Id for a in found] == [saved.Id]
    Attachable.get(saved.Id, qb=qb).delete(qb=qb)
    assert Attachable.all(qb=qb) == []


def test_note_on_an_entity_that_does_not_exist_is_refused(qb):
    note = Attachable()
    link = AttachableRef()
    link.EntityRef = ref("999", "Vendor")
    note.AttachableRef.append(link)
    note.Note = "Nobody"
    with pytest.raises(QuickbooksException) as refused:
        note.save(qb=qb)
    assert code_of(refused) == 2500


def test_file_uploaded_as_python_quickbooks_sends_it_multipart_base64(qb, tmp_path):
    norton = vendor(qb)
    path = tmp_path / "receipt.txt"
    path.write_bytes(b"Lumber, 12 boards\n")
    upload = Attachable()
    link = AttachableRef()
    link.EntityRef = norton.to_ref()
    upload.AttachableRef.append(link)
    upload.FileName = path.name
    upload._FilePath = str(path)
    upload.ContentType = "text/plain"
    saved = upload.save(qb=qb)
    read = Attachable.get(saved.Id, qb=qb)
    assert (read.FileName, read.ContentType, read.Size) == ("receipt.txt", "text/plain", 18)
    assert read.AttachableRef[0].EntityRef.value == norton.Id


def test_upload_of_raw_bytes_with_a_filename_needs_no_metadata(us):
    body = (b"--xyz\r\nContent-Disposition: form-data; name=\"file_content_01\"; "
            b"filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\x01"
            b"\r\n--xyz--\r\n")
    answer = requests.post(us.url("upload"), data=body, params={"minorversion": "75"},
                           headers={**us.headers(),
                                    "Content-Type": "multipart/form-data; boundary=xyz"})
    assert answer.status_code == 200, answer.text
    [item] = answer.json()["AttachableResponse"]
    assert (item["Attachable"]["FileName"], item["Attachable"]["Size"]) == ("photo.png", 6)


# TimeActivity ---------------------------------------------------------------------------------
def test_time_activity_of_an_employee_is_created_read_and_updated(qb):
    worker = Employee()
    worker.GivenName, worker.FamilyName = "Emily", "Platt"
    worker = worker.save(qb=qb)
    activity = TimeActivity()
    activity.NameOf = "Employee"
    activity.EmployeeRef = worker.to_ref()
    activity.Description = "Pruning"
    activity.StartTime = qb_datetime_utc_offset_format(datetime(2026, 7, 22, 10, 0), "-07:00")
    activity.EndTime = qb_datetime_utc_offset_format(datetime(2026, 7, 22, 11, 0), "-07:00")
    activity.CostRate = 50
    saved = activity.save(qb=qb)
    read = TimeActivity.get(saved.Id, qb=qb)
    assert (read.NameOf, read.EmployeeRef.value, read.CostRate, read.BillableStatus) == (
        "Employee", worker.Id, 50, "NotBillable")
    read.Description, read.CostRate = "Pruning, more", 75
    read.save(qb=qb)
    assert TimeActivity.get(saved.Id, qb=qb).CostRate == 75


def test_time_activity_needs_its_worker_and_some_time(qb):
    activity = TimeActivity()
    activity.NameOf = "Vendor"
    activity.VendorRef = ref("999")
    activity.Hours = 2
    with pytest.raises(QuickbooksException) as unknown:
        activity.save(qb=qb)
    assert code_of(unknown) == 2500
    activity.VendorRef = vendor(qb).to_ref()
    activity.Hours = None
    with pytest.raises(QuickbooksException) as no_time:
        activity.save(qb=qb)
    assert code_of(no_time) == 2020


# RecurringTransaction -------------------------------------------------------------------------
def recurring_invoice(qb, customer_id: str, name: str, amount=100) -> RecurringTransaction:
    template = RecurringInvoice()
    template.Line.append(sales_line(amount))
    template.CustomerRef = ref(customer_id)
    info = RecurringInfo()
    info.Active, info.RecurType, info.Name = True, "Automated", name
    info.ScheduleInfo = ScheduleInfo()
    info.ScheduleInfo.StartDate = sandbox_today().isoformat()
    info.ScheduleInfo.MaxOccurrences = 6
    info.ScheduleInfo.IntervalType = "Monthly"
    info.ScheduleInfo.DayOfMonth = 1
    info.ScheduleInfo.NumInterval = 1
    template.RecurringInfo = info
    recurring = RecurringTransaction()
    recurring.Invoice = template
    return recurring.save(qb=qb)


def test_recurring_invoice_holds_a_template_and_a_schedule_and_posts_nothing(qb):
    amy = customer(qb)
    saved = recurring_invoice(qb, amy.Id, "Monthly care")
    assert (saved.Invoice.Line[0].Amount, saved.Invoice.TotalAmt) == (100, 100)
    schedule = saved.Invoice.RecurringInfo.ScheduleInfo
    assert (schedule.IntervalType, schedule.DayOfMonth, schedule.MaxOccurrences) == (
        "Monthly", 1, 6)
    today = sandbox_today()
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1) \
        if today.day > 1 else today
    assert schedule.NextDate == first.isoformat()
    assert Invoice.all(qb=qb) == []  # a template is no invoice
    assert Customer.get(amy.Id, qb=qb).Balance == 0
    read = RecurringTransaction.get(saved.Invoice.Id, qb=qb)
    read.Invoice.RecurringInfo.ScheduleInfo.DayOfMonth = 15
    read.Invoice.Line[0].Amount = 250
    read.Invoice.Line[0].SalesItemLineDetail.UnitPrice = 250
    read.save(qb=qb)
    again = RecurringTransaction.get(saved.Invoice.Id, qb=qb)
    assert (again.Invoice.RecurringInfo.ScheduleInfo.DayOfMonth, again.Invoice.Line[0].Amount,
            again.Invoice.SyncToken) == (15, 250, "1")
    again.delete(qb=qb)
    assert RecurringTransaction.all(qb=qb) == []


def test_recurring_bill_is_weekly_and_queries_filter_on_type(qb):
    amy = customer(qb)
    recurring_invoice(qb, amy.Id, "Care")
    supplies = Account()
    supplies.Name, supplies.AccountSubType = "Supplies", "SuppliesMaterials"
    supplies = supplies.save(qb=qb)
    template = RecurringBill()
    line = AccountBasedExpenseLine()
    line.Amount = 500
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = supplies.to_ref()
    template.Line.append(line)
    template.VendorRef = vendor(qb).to_ref()
    info = RecurringInfo()
    info.Active, info.Name = True, "Weekly lumber"
    info.ScheduleInfo = ScheduleInfo()
    start = sandbox_today()
    info.ScheduleInfo.StartDate = start.isoformat()
    info.ScheduleInfo.EndDate = (start + timedelta(weeks=12)).isoformat()
    info.ScheduleInfo.NumInterval, info.ScheduleInfo.DaysBefore = 1, 3
    info.ScheduleInfo.IntervalType, info.ScheduleInfo.DayOfWeek = "Weekly", "Friday"
    template.RecurringInfo = info
    recurring = RecurringTransaction()
    recurring.Bill = template
    saved = recurring.save(qb=qb)
    read = RecurringTransaction.get(saved.Bill.Id, qb=qb)
    assert read.Bill.RecurringInfo.ScheduleInfo.EndDate == (start + timedelta(weeks=12)
                                                           ).isoformat()
    assert date.fromisoformat(read.Bill.RecurringInfo.ScheduleInfo.NextDate).weekday() == 4
    bills = RecurringTransaction.where("Type = 'Bill'", qb=qb)
    assert [hasattr(r, "Bill") for r in bills] == [True]
    assert {("Invoice" if hasattr(r, "Invoice") else "Bill")
            for r in RecurringTransaction.all(qb=qb)} == {"Invoice", "Bill"}


def test_recurring_template_checks_its_transaction_and_its_name(qb):
    amy = customer(qb)
    recurring_invoice(qb, amy.Id, "Care")
    with pytest.raises(QuickbooksException) as same_name:
        recurring_invoice(qb, amy.Id, "CARE")
    assert code_of(same_name) == 6240
    with pytest.raises(QuickbooksException) as bad_customer:
        recurring_invoice(qb, "999", "Other")
    assert code_of(bad_customer) == 2500


# TaxAgency and TaxService ---------------------------------------------------------------------
def test_tax_agency_is_created_read_and_queried_not_duplicated(qb):
    agency = TaxAgency()
    agency.DisplayName = "Arizona Dept. of Revenue"
    saved = agency.save(qb=qb)
    assert TaxAgency.get(saved.Id, qb=qb).DisplayName == "Arizona Dept. of Revenue"
    assert "Arizona Dept. of Revenue" in [a.DisplayName for a in TaxAgency.all(qb=qb)]
    again = TaxAgency()
    again.DisplayName = "arizona dept. of revenue"
    with pytest.raises(QuickbooksException) as duplicate:
        again.save(qb=qb)
    assert code_of(duplicate) == 6240


def test_tax_service_creates_a_tax_code_with_its_new_rate(qb):
    agency = TaxAgency()
    agency.DisplayName = "City of Tucson"
    agency = agency.save(qb=qb)
    service = TaxService()
    service.TaxCode = "Tucson City"
    detail = TaxRateDetails()
    detail.TaxRateName, detail.RateValue = "Tucson City", 2
    detail.TaxAgencyId, detail.TaxApplicableOn = agency.Id, "Sales"
    service.TaxRateDetails.append(detail)
    created = service.save(qb=qb)
    assert created.TaxCode == "Tucson City"
    [answered] = created.TaxRateDetails
    assert (answered.TaxRateName, answered.RateValue, answered.TaxAgencyId,
            answered.TaxApplicableOn) == ("Tucson City", 2, agency.Id, "Sales")
    code = TaxCode.get(created.TaxCodeId, qb=qb)  # (the library copies Id, 0, into service)
    assert code.Name == "Tucson City"
    rate_id = code.SalesTaxRateList.TaxRateDetail[0].TaxRateRef.value
    assert rate_id == answered.TaxRateId
    assert TaxRate.get(rate_id, qb=qb).RateValue == 2


def test_tax_service_refuses_an_unknown_agency(qb):
    service = TaxService()
    service.TaxCode = "Nowhere"
    detail = TaxRateDetails()
    detail.TaxRateName, detail.RateValue, detail.TaxAgencyId = "Nowhere", 1, "999"
    service.TaxRateDetails.append(detail)
    with pytest.raises(QuickbooksException) as refused:
        service.save(qb=qb)
    assert code_of(refused) == 2500
    assert "Nowhere" not in [c.Name for c in TaxCode.all(qb=qb)]
