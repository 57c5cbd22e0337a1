"""Invoices in another currency reach QuickBooks as QuickBooks' multicurrency wants them,
through the local sandbox, one by one and in an import's batches: multicurrency must be on,
the currency in the company's list (hatsync adds it), a customer per currency ("Ana Silva
(USD)"), CurrencyRef and ExchangeRate on the invoice, payment, refund and fee, and the rate
QuickBooks holds for the date read once (the owner's own rate on the invoice wins)."""

from datetime import date
from decimal import Decimal

import pytest

from integrations.models import ExchangeRateRead, QuickBooksConnection, SyncRecord
from integrations.services.company_settings import connection_check_settings
from invoices import services
from tests.factories import make_contact, make_invoice, make_product, make_tax_rate
from tests.integrations.refund_fee_helpers import push_all, set_up_books
from tests.integrations.test_bulk import import_all, run_drain
from tests.sandbox_helpers import CA_REALM, GB_REALM, connect_through_consent_page, record_for

pytestmark = pytest.mark.django_db
PAID_ON = date(2026, 11, 20)
# The sandbox's default table (qbo_sandbox/currencies.py): 0.73 US dollars per Canadian one.
CAD_PER_USD = (Decimal("1") / Decimal("0.73")).quantize(Decimal("0.000001"))


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def multicurrency_on(sandbox, realm: str = CA_REALM) -> None:
    sandbox.control("PATCH", f"companies/{realm}/preferences", json={"multicurrency": True})


@pytest.fixture
def studio(sandbox, account_for, client):
    """A Toronto studio whose QuickBooks company has multicurrency on, connected after."""
    def make(*, multicurrency: bool = True, country: str = "CA", realm: str = CA_REALM):
        account = account_for(country, realm, connect=False)
        if multicurrency:
            multicurrency_on(sandbox, realm)
        connect_through_consent_page(client, realm)
        books = set_up_books(sandbox, account)
        return books
    return make


def usd_invoice(account, *, number="US-1", contact=None, amount="100.00", rate=None,
                issued=date(2026, 11, 1)):
    tax = account.tax_rates.filter(name="GST").first() or make_tax_rate(
        account=account, name="GST", percentage="5")
    contact = contact or make_contact(account=account, first_name="Ana", last_name="Silva")
    if contact.billing_currency != "USD":
        contact.billing_currency = "USD"
        contact.save()
    product = make_product(account=account, display_name="Wedding day", rate=amount)
    invoice = make_invoice(account=account, contact=contact, number=number,
                           lines=[(product, "1", amount, tax)], issue_date=issued)
    if rate is not None:
        invoice = services.invoice_update(
            invoice=invoice, number=invoice.number, contact=contact,
            issue_date=invoice.issue_date, due_date=invoice.due_date,
            lines=[services.LineInput(product, Decimal("1"), Decimal(amount), tax)],
            exchange_rate=Decimal(rate))
    return services.invoice_send(invoice=invoice)


def rate_reads(sandbox) -> list:
    return [c for c in sandbox.api_calls("/exchangerate") if c.request.method == "GET"]


# multicurrency must be on ---------------------------------------------------------------

def test_a_foreign_invoice_waits_with_a_sentence_while_multicurrency_is_off(studio, sandbox):
    books = studio(multicurrency=False)
    invoice = usd_invoice(books.account)
    push_all(books.account)

    record = record_for(invoice)
    assert record.state == SyncRecord.State.BLOCKED
    assert "multicurrency is off in QuickBooks" in record.last_error
    assert "cannot be turned off again" in record.last_error
    assert sandbox.entities(CA_REALM, "Invoice") == []
    assert sandbox.entities(CA_REALM, "Customer") == []  # nothing made for it


# the currency, the customer and the rate --------------------------------------------------

def test_a_usd_invoice_goes_in_usd_to_a_usd_customer_at_quickbooks_rate_for_its_date(
    studio, sandbox
):
    books = studio()
    invoice = usd_invoice(books.account)
    push_all(books.account)

    assert record_for(invoice).state == SyncRecord.State.SYNCED, record_for(invoice).last_error
    [currency] = sandbox.entities(CA_REALM, "CompanyCurrency")
    assert currency["Code"] == "USD"  # hatsync added it
    [qbo_invoice] = sandbox.entities(CA_REALM, "Invoice")
    assert qbo_invoice["CurrencyRef"]["value"] == "USD"
    assert Decimal(str(qbo_invoice["ExchangeRate"])) == CAD_PER_USD
    assert money(qbo_invoice["HomeTotalAmt"]) == money(Decimal("105.00") * CAD_PER_USD)
    [customer] = sandbox.entities(CA_REALM, "Customer")
    assert customer["DisplayName"] == "Ana Silva (USD)"
    assert customer["CurrencyRef"]["value"] == "USD"
    assert [c.request.params["asofdate"] for c in rate_reads(sandbox)] == ["2026-11-01"]


def test_the_rate_of_a_currency_and_date_is_read_once(studio, sandbox):
    books = studio()
    contact = make_contact(account=books.account, first_name="Ana", last_name="Silva")
    first = usd_invoice(books.account, number="US-1", contact=contact)
    second = usd_invoice(books.account, number="US-2", contact=contact)
    push_all(books.account)

    assert {record_for(first).state, record_for(second).state} == {SyncRecord.State.SYNCED}
    assert len(rate_reads(sandbox)) == 1
    assert ExchangeRateRead.objects.get(currency="USD").rate == CAD_PER_USD


def test_the_rate_entered_on_the_invoice_wins_and_nothing_is_read(studio, sandbox):
    books = studio()
    invoice = usd_invoice(books.account, rate="1.40")
    push_all(books.account)

    [qbo_invoice] = sandbox.entities(CA_REALM, "Invoice")
    assert Decimal(str(qbo_invoice["ExchangeRate"])) == Decimal("1.40")
    assert money(qbo_invoice["HomeTotalAmt"]) == Decimal("147.00")
    assert rate_reads(sandbox) == []
    assert record_for(invoice).state == SyncRecord.State.SYNCED


def test_a_contact_billed_in_a_second_currency_gets_a_second_customer(studio, sandbox):
    books = studio()
    gst = make_tax_rate(account=books.account, name="GST", percentage="5")
    contact = make_contact(account=books.account, first_name="Ana", last_name="Silva")
    assert contact.billing_currency == "CAD"
    product = make_product(account=books.account)
    cad = make_invoice(account=books.account, contact=contact, number="CA-1",
                       lines=[(product, "1", "100.00", gst)], send=True)
    push_all(books.account)
    usd = usd_invoice(books.account, contact=contact)
    push_all(books.account)

    customers = {c["DisplayName"]: c["CurrencyRef"]["value"]
                 for c in sandbox.entities(CA_REALM, "Customer")}
    assert customers == {"Ana Silva": "CAD", "Ana Silva (USD)": "USD"}
    by_number = {i["DocNumber"]: i for i in sandbox.entities(CA_REALM, "Invoice")}
    assert "CurrencyRef" not in sent_body(sandbox, "CA-1")  # home currency: as before
    assert by_number["CA-1"]["CurrencyRef"]["value"] == "CAD"
    assert by_number["US-1"]["CurrencyRef"]["value"] == "USD"
    assert {cad.currency, usd.currency} == {"CAD", "USD"}


def sent_body(sandbox, doc_number: str) -> dict:
    import json

    for call in sandbox.api_calls("/invoice"):
        if call.request.method == "POST" and call.request.body:
            body = json.loads(call.request.body)
            if body.get("DocNumber") == doc_number:
                return body
    raise AssertionError(f"no invoice {doc_number} was sent")


# payments, refunds and fees follow the currency -------------------------------------------

def test_a_usd_payment_refund_and_fee_go_in_usd(studio, sandbox):
    books = studio()
    books.connection.deposit_account_id = books.checking
    books.connection.fee_account_id = books.fees
    books.connection.save()
    invoice = usd_invoice(books.account)
    payment = services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("105.00"),
                                      processor_fee=Decimal("3.35"))
    push_all(books.account)
    services.refund_record(payment=payment, date=date(2026, 11, 25), amount=Decimal("21.00"))
    outcomes = push_all(books.account)
    assert all(o.state == "synced" for o in outcomes), [o.message for o in outcomes]

    [qbo_payment] = sandbox.entities(CA_REALM, "Payment")
    assert qbo_payment["CurrencyRef"]["value"] == "USD"
    assert Decimal(str(qbo_payment["ExchangeRate"])) == CAD_PER_USD
    assert qbo_payment["DepositToAccountRef"]["value"] == books.checking  # a CAD account
    [receipt] = sandbox.entities(CA_REALM, "RefundReceipt")
    assert receipt["CurrencyRef"]["value"] == "USD"
    assert Decimal(str(receipt["ExchangeRate"])) == CAD_PER_USD  # its payment's rate
    [fee] = sandbox.entities(CA_REALM, "Purchase")
    assert fee["CurrencyRef"]["value"] == "USD"
    assert money(fee["TotalAmt"]) == Decimal("3.35")
    [qbo_invoice] = sandbox.entities(CA_REALM, "Invoice")
    assert money(qbo_invoice["Balance"]) == Decimal("0.00")


def test_a_usd_payment_is_not_deposited_to_an_account_in_a_third_currency(studio, sandbox):
    books = studio()
    sandbox.api_post(books.account, "CompanyCurrency", {"Code": "EUR"})
    euros = sandbox.api_post(books.account, "Account", {
        "Name": "Euro account", "AccountType": "Bank", "AccountSubType": "Checking",
        "CurrencyRef": {"value": "EUR"}})["Id"]
    connection = QuickBooksConnection.objects.get(account=books.account)
    connection_check_settings(connection=connection)
    connection.deposit_account_id = euros
    connection.save()
    invoice = usd_invoice(books.account)
    payment = services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("50.00"))
    push_all(books.account)

    record = record_for(payment, "payment")
    assert record.state == SyncRecord.State.SYNCED, record.last_error
    assert "Euro account is in EUR" in record.warning
    [qbo_payment] = sandbox.entities(CA_REALM, "Payment")
    assert qbo_payment["DepositToAccountRef"]["value"] != euros


def test_a_home_currency_invoice_is_sent_as_before_in_a_multicurrency_company(studio, sandbox):
    books = studio()
    gst = make_tax_rate(account=books.account, name="GST", percentage="5")
    invoice = make_invoice(account=books.account, number="CA-7", send=True,
                           lines=[(make_product(account=books.account), "1", "80.00", gst)])
    services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("84.00"))
    push_all(books.account)

    assert "CurrencyRef" not in sent_body(sandbox, "CA-7")
    assert "ExchangeRate" not in sent_body(sandbox, "CA-7")
    assert sandbox.entities(CA_REALM, "CompanyCurrency") == []
    assert rate_reads(sandbox) == []


# the import's batches ----------------------------------------------------------------------

def test_an_import_sends_foreign_invoices_and_payments_in_batches_in_their_currency(
    studio, sandbox
):
    books = studio(country="GB", realm=GB_REALM)
    vat = make_tax_rate(account=books.account, name="20.0% S", percentage="20")
    product = make_product(account=books.account, display_name="Planning")
    euros = make_contact(account=books.account, first_name="Claire", last_name="Dubois")
    euros.billing_currency = "EUR"
    euros.save()
    home = make_contact(account=books.account, first_name="Tom", last_name="Hale")
    made = [make_invoice(account=books.account, contact=who, number=f"B-{n}", send=True,
                         lines=[(product, "1", "100.00", vat)])
            for n, who in enumerate([euros, euros, home, euros])]
    for invoice in made:
        services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("60.00"))
    SyncRecord.objects.filter(account=books.account).delete()  # waiting for Import Invoices
    sandbox.rsps.calls.reset()
    import_all(books.account)
    run_drain(books.account)

    states = SyncRecord.objects.filter(account=books.account, kind__in=["invoice", "payment"])
    assert {r.state for r in states} == {"synced"}, [r.last_error for r in states]
    import json
    batched = [item for call in sandbox.api_calls("/batch")
               for item in json.loads(call.request.body)["BatchItemRequest"]]
    sent = {(kind, body.get("DocNumber") or body.get("DisplayName") or "payment",
             (body.get("CurrencyRef") or {}).get("value", ""))
            for item in batched for kind, body in item.items() if kind in (
                "Invoice", "Customer", "Payment")}
    assert ("Customer", "Claire Dubois (EUR)", "EUR") in sent
    assert ("Customer", "Tom Hale", "") in sent
    assert ("Invoice", "B-0", "EUR") in sent and ("Invoice", "B-2", "") in sent
    assert ("Payment", "payment", "EUR") in sent
    assert sum(kind == "Invoice" for kind, _, _ in sent) == 4
    assert sum(kind == "Payment" for kind, _, _ in sent) >= 2
    eur_invoices = [i for i in sandbox.entities(GB_REALM, "Invoice")
                    if i["CurrencyRef"]["value"] == "EUR"]
    assert len(eur_invoices) == 3
    assert {Decimal(str(i["ExchangeRate"])) for i in eur_invoices} == {
        (Decimal("1.08") / Decimal("1.27")).quantize(Decimal("0.000001"))}
    assert len(rate_reads(sandbox)) == 2  # one per date: the invoices' and the payments'


# reconcile ---------------------------------------------------------------------------------

def test_reconcile_finds_a_foreign_invoice_and_payment_as_synced_and_checks_home_totals(
    studio, sandbox
):
    from integrations.services.reconcile import reconcile_account

    books = studio()
    invoice = usd_invoice(books.account)
    services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("40.00"))
    push_all(books.account)
    assert reconcile_account(account=books.account).differences == []

    # someone books the invoice at another rate in QuickBooks
    [qbo_invoice] = sandbox.entities(CA_REALM, "Invoice")
    sandbox.api_post(books.account, "Invoice", {
        "Id": qbo_invoice["Id"], "SyncToken": qbo_invoice["SyncToken"], "sparse": True,
        "ExchangeRate": 1})
    [difference] = reconcile_account(account=books.account).differences
    assert difference["problem"] == "home_total"
    assert difference["message"] == (
        f"In CAD it is {money(Decimal('105.00') * CAD_PER_USD)} in hatsync (at "
        f"{CAD_PER_USD.normalize():f} CAD per USD) but 105.00 in QuickBooks (at 1 CAD per "
        "USD).")


# the settings checklist --------------------------------------------------------------------

def test_the_checklist_says_multicurrency_is_off_and_that_turning_it_on_is_for_good(
    studio, client
):
    books = studio(multicurrency=False)
    page = client.get("/settings/integrations/").content.decode()
    assert "Multi-currency: not on in this QuickBooks company" in page
    assert "Needed only to bill a contact in another currency than CAD." in page
    assert "Once on it cannot be turned off, and QuickBooks Simple Start does not have it." \
        in page
    assert "Needs attention" not in page.split("Multi-currency")[1][:400]

    usd_invoice(books.account)
    page = client.get("/settings/integrations/").content.decode()
    assert "Contacts here are billed in USD: their invoices wait until it is on." in page
    assert "Needs attention" in page.split("Multi-currency")[1][:400]


def test_the_checklist_names_the_home_currency_and_the_currencies_in_use(
    studio, client, sandbox
):
    books = studio()
    page = client.get("/settings/integrations/").content.decode()
    assert "Multi-currency: on (home currency CAD; other currencies: none yet)" in page
    usd_invoice(books.account)
    push_all(books.account)
    page = client.get("/settings/integrations/").content.decode()
    assert "Multi-currency: on (home currency CAD; other currencies: USD)" in page
    assert "“Ana Silva (USD)”" in page


# inbound: a payment entered in QuickBooks --------------------------------------------------

def test_a_usd_payment_entered_in_quickbooks_comes_back_in_usd_and_reconciles(
    studio, sandbox, client, settings
):
    from integrations.services.reconcile import reconcile_account
    from invoices.models import Payment
    from tests.integrations.test_changes_from_quickbooks import TOKEN, Webhooks, deliver_and_process

    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    books = studio()
    invoice = usd_invoice(books.account)
    push_all(books.account)
    hooks = Webhooks(sandbox)
    [qbo_invoice] = sandbox.entities(CA_REALM, "Invoice")
    sandbox.api_post(books.account, "Payment", {
        "CustomerRef": qbo_invoice["CustomerRef"], "TotalAmt": 60, "TxnDate": "2026-11-21",
        "CurrencyRef": {"value": "USD"}, "ExchangeRate": 1.36,
        "Line": [{"Amount": 60, "LinkedTxn": [{"TxnId": qbo_invoice["Id"],
                                               "TxnType": "Invoice"}]}]})
    deliver_and_process(client, hooks)

    [payment] = Payment.objects.filter(invoice=invoice)
    assert payment.recorded_in_quickbooks and payment.amount == Decimal("60.00")
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("45.00")  # of the USD invoice's 105.00
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "US$45.00" in page
    assert reconcile_account(account=books.account).differences == []


# undo --------------------------------------------------------------------------------------

def test_undo_of_a_usd_invoice_removes_it_and_its_payment_and_a_resync_reuses_the_customer(
    studio, sandbox
):
    from tests.integrations.test_undo_import import run_undo

    books = studio()
    invoice = usd_invoice(books.account)
    services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("30.00"))
    push_all(books.account)
    [customer] = sandbox.entities(CA_REALM, "Customer")

    progress = run_undo(books.account, [invoice.pk])
    assert sandbox.entities(CA_REALM, "Invoice") == []
    assert sandbox.entities(CA_REALM, "Payment") == []
    assert progress["done"] == 1, progress

    from integrations.services.imports import sync_many

    sync_many(account=books.account, user=None, invoice_ids=[invoice.pk])
    push_all(books.account)
    [again] = sandbox.entities(CA_REALM, "Invoice")
    assert again["CurrencyRef"]["value"] == "USD"
    assert again["CustomerRef"]["value"] == customer["Id"]  # the same USD customer
    assert [c["Id"] for c in sandbox.entities(CA_REALM, "Customer")] == [customer["Id"]]
    assert sandbox.entities(CA_REALM, "Payment")[0]["CurrencyRef"]["value"] == "USD"


# discounts and tips follow the currency -----------------------------------------------------

def test_a_us_studios_cad_invoice_with_a_discount_and_a_tipped_payment_reconciles(
    studio, sandbox
):
    from integrations.services.reconcile import reconcile_account
    from tests.sandbox_helpers import US_REALM

    books = studio(country="US", realm=US_REALM)
    contact = make_contact(account=books.account, first_name="Luc", last_name="Roy")
    contact.billing_currency = "CAD"
    contact.save()
    product = make_product(account=books.account, display_name="Portrait")
    invoice = services.invoice_create(
        account=books.account, number="CAD-1", contact=contact, issue_date=date(2026, 11, 1),
        due_date=date(2026, 11, 15), discount_kind="percent", discount_value=Decimal("10"),
        lines=[services.LineInput(product, Decimal(2), Decimal("150.00"), None)])
    invoice = services.invoice_send(invoice=invoice)
    services.payment_record(invoice=invoice, date=PAID_ON, amount=Decimal("270.00"),
                            tip_amount=Decimal("20.00"))
    outcomes = push_all(books.account)
    assert all(o.state == "synced" for o in outcomes), [o.message for o in outcomes]

    [qbo_invoice] = sandbox.entities(US_REALM, "Invoice")
    assert qbo_invoice["CurrencyRef"]["value"] == "CAD"
    assert money(qbo_invoice["TotalAmt"]) in (Decimal("270.00"), Decimal("290.00"))
    [qbo_payment] = sandbox.entities(US_REALM, "Payment")
    assert qbo_payment["CurrencyRef"]["value"] == "CAD"
    assert money(qbo_payment["TotalAmt"]) == Decimal("290.00")
    assert reconcile_account(account=books.account).differences == []


def test_a_currency_made_inactive_in_quickbooks_blocks_with_a_sentence(studio, sandbox):
    books = studio()
    listed = sandbox.api_post(books.account, "CompanyCurrency", {"Code": "USD"})
    sandbox.api_post(books.account, "CompanyCurrency", {
        "Id": listed["Id"], "SyncToken": listed["SyncToken"], "sparse": True, "Active": False})
    invoice = usd_invoice(books.account)
    push_all(books.account)

    record = record_for(invoice)
    assert record.state == SyncRecord.State.BLOCKED
    assert record.last_error == (
        "USD is in this QuickBooks company's currencies but made inactive there. Make it "
        "active (Settings > Currencies), press Re-check settings, then Sync.")
    assert sandbox.entities(CA_REALM, "Invoice") == []
