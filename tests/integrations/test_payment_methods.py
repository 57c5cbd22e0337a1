"""A payment's method reaches QuickBooks as the company's PaymentMethod of that name (read
with the settings, never per payment); a payment whose method the company lacks goes
without one, and is never held back for it. Refund receipts name theirs too."""

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.test import Client

from integrations import payloads, rules
from integrations.models import SyncRecord
from integrations.services import inbound
from integrations.services.company_settings import connection_check_settings
from integrations.services.payments import update_body
from invoices import services
from invoices.models import Payment
from tests.factories import make_invoice, make_product
from tests.integrations.refund_fee_helpers import push_all, set_up_books
from tests.qbo_sandbox.test_transaction_pages import show
from tests.sandbox_helpers import US_REALM

Method = Payment.Method

# Intuit's sample company's list (qbo_sandbox/samples.py PAYMENT_METHODS), as the snapshot
# keeps it.
SAMPLE_METHODS = [
    {"id": "1", "name": "Cash", "type": "NON_CREDIT_CARD"},
    {"id": "2", "name": "Check", "type": "NON_CREDIT_CARD"},
    {"id": "3", "name": "Visa", "type": "CREDIT_CARD"},
    {"id": "4", "name": "MasterCard", "type": "CREDIT_CARD"},
    {"id": "5", "name": "Discover", "type": "CREDIT_CARD"},
    {"id": "6", "name": "American Express", "type": "CREDIT_CARD"},
    {"id": "7", "name": "Diners Club", "type": "CREDIT_CARD"},
]


# the rule ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "expected"), [
    (Method.CASH, "1"),
    (Method.CHECK, "2"),
    (Method.CARD, "3"),  # no "Credit Card": the first credit card method, Visa
    (Method.BANK_TRANSFER, ""),  # the sample company has no bank transfer method
    (Method.OTHER, ""),
])
def test_each_method_is_the_sample_companys_method_of_that_name(method, expected):
    assert rules.payment_method_id_for(method, SAMPLE_METHODS) == expected


def test_a_method_named_for_cards_in_general_is_chosen_before_a_card_brand():
    methods = [*SAMPLE_METHODS, {"id": "9", "name": "Credit  card", "type": "NON_CREDIT_CARD"}]
    assert rules.payment_method_id_for(Method.CARD, methods) == "9"


def test_cheque_eft_and_direct_deposit_are_found_without_regard_to_case():
    methods = [{"id": "1", "name": "CHEQUE", "type": "NON_CREDIT_CARD"},
               {"id": "2", "name": "eft", "type": "NON_CREDIT_CARD"}]
    assert rules.payment_method_id_for(Method.CHECK, methods) == "1"
    assert rules.payment_method_id_for(Method.BANK_TRANSFER, methods) == "2"
    deposit = [{"id": "5", "name": "Direct deposit", "type": "NON_CREDIT_CARD"}]
    assert rules.payment_method_id_for(Method.BANK_TRANSFER, deposit) == "5"


def test_a_bank_transfer_is_never_sent_as_a_credit_card_method():
    methods = [{"id": "1", "name": "Bank transfer", "type": "CREDIT_CARD"}]
    assert rules.payment_method_id_for(Method.BANK_TRANSFER, methods) == ""


def test_a_company_without_payment_methods_gets_none():
    for method in Method.values:
        assert rules.payment_method_id_for(method, []) == ""


def test_the_snapshot_keeps_active_methods_in_quickbooks_order():
    found = [{"Id": "10", "Name": "EFT", "Type": "NON_CREDIT_CARD", "Active": True},
             {"Id": "2", "Name": "Check", "Type": "NON_CREDIT_CARD", "Active": True},
             {"Id": "3", "Name": "Old card", "Type": "CREDIT_CARD", "Active": False}]
    assert rules.payment_methods_from_quickbooks(found) == [
        {"id": "2", "name": "Check", "type": "NON_CREDIT_CARD"},
        {"id": "10", "name": "EFT", "type": "NON_CREDIT_CARD"}]


@pytest.mark.parametrize("method", [Method.CASH, Method.CHECK, Method.CARD])
def test_a_method_sent_comes_back_as_the_same_method(method):
    """Payments entered in QuickBooks map back by the method's name, also when the answer
    gives only its Id."""
    sent = rules.payment_method_id_for(method, SAMPLE_METHODS)
    assert inbound.payment_method_for({"PaymentMethodRef": {"value": sent}},
                                      SAMPLE_METHODS) == method


def test_a_bank_transfer_method_comes_back_as_a_bank_transfer():
    methods = [{"id": "8", "name": "Direct deposit", "type": "NON_CREDIT_CARD"}]
    sent = rules.payment_method_id_for(Method.BANK_TRANSFER, methods)
    assert inbound.payment_method_for({"PaymentMethodRef": {"value": sent}},
                                      methods) == Method.BANK_TRANSFER


# the payloads --------------------------------------------------------------------------------

def _payment(method=Method.CASH):
    return Payment(date=date(2026, 11, 20), amount=Decimal("100.00"), tip_amount=Decimal("0"),
                   method=method)


def test_the_payment_payload_names_its_payment_method():
    payload = payloads.payment_payload(payment=_payment(), customer_id="7",
                                       invoice_qbo_id="42", ref_number="", tip_applied=False,
                                       payment_method_id="1")
    assert payload["PaymentMethodRef"] == {"value": "1"}


def test_without_a_payment_method_the_payload_has_no_reference():
    payload = payloads.payment_payload(payment=_payment(), customer_id="7",
                                       invoice_qbo_id="42", ref_number="", tip_applied=False)
    assert "PaymentMethodRef" not in payload


def test_a_method_taken_away_here_is_cleared_by_a_full_update():
    """A sparse update cannot clear a reference (see update_body)."""
    current = {"Id": "5", "SyncToken": "2", "PaymentMethodRef": {"value": "1", "name": "Cash"},
               "TotalAmt": 100, "MetaData": {}, "domain": "QBO", "sparse": False}
    body = update_body(current, {"TotalAmt": "100.00"})
    assert body["sparse"] is False and "PaymentMethodRef" not in body
    assert body["SyncToken"] == "2"
    kept = update_body(current, {"TotalAmt": "100.00", "PaymentMethodRef": {"value": "2"}})
    assert kept["sparse"] is True and kept["PaymentMethodRef"] == {"value": "2"}


# through the local QuickBooks ----------------------------------------------------------------

@pytest.fixture
def books(sandbox, account_for):
    return set_up_books(sandbox, account_for("US", US_REALM))


@pytest.fixture
def invoice(books):
    product = make_product(account=books.account, display_name="Portrait Session",
                           rate="100.00")
    return make_invoice(account=books.account, number="1042",
                        lines=[(product, "1", "100.00", None)], send=True)


def add_methods(sandbox, books, *names_and_types):
    """Payment methods made in QuickBooks, then Re-check settings (as a person would)."""
    made = {name: sandbox.api_post(books.account, "PaymentMethod", {"Name": name, "Type": kind})
            for name, kind in names_and_types}
    connection_check_settings(connection=books.connection)
    books.connection.refresh_from_db()
    return {name: entity["Id"] for name, entity in made.items()}


def pay(invoice, method, amount="100.00"):
    return services.payment_record(invoice=invoice, date=date(2026, 11, 20),
                                   amount=Decimal(amount), method=method)


def qbo_payments(sandbox):
    return sandbox.entities(US_REALM, "Payment")


@pytest.mark.django_db
def test_a_cash_payment_reaches_quickbooks_as_cash_and_its_page_shows_it(sandbox, books,
                                                                          invoice):
    ids = add_methods(sandbox, books, ("Cash", "NON_CREDIT_CARD"), ("Visa", "CREDIT_CARD"))
    pay(invoice, Method.CASH)
    push_all(books.account)

    [payment] = qbo_payments(sandbox)
    assert payment["PaymentMethodRef"] == {"value": ids["Cash"], "name": "Cash"}
    page = show(Client(sandbox.app), "/app/recvpayment", US_REALM, payment["Id"])
    assert page.facts["Payment method"] == "Cash"


@pytest.mark.django_db
def test_the_methods_are_read_with_the_settings_never_per_payment(sandbox, books, invoice):
    add_methods(sandbox, books, ("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"))
    pay(invoice, Method.CASH, "40.00")
    pay(invoice, Method.CHECK, "60.00")
    push_all(books.account)

    methods = {p["PaymentMethodRef"]["name"] for p in qbo_payments(sandbox)}
    assert methods == {"Cash", "Check"}
    queries = [c for c in sandbox.api_calls("/query")
               if "from PaymentMethod" in f"{c.request.url} {c.request.body}"]
    assert len(queries) == 2  # one at connect, one at the re-check; none per payment


@pytest.mark.django_db
def test_a_company_without_a_matching_method_syncs_the_payment_without_one(sandbox, books,
                                                                          invoice):
    add_methods(sandbox, books, ("Cash", "NON_CREDIT_CARD"))
    pay(invoice, Method.BANK_TRANSFER)
    push_all(books.account)

    [payment] = qbo_payments(sandbox)
    assert "PaymentMethodRef" not in payment
    record = SyncRecord.objects.get(kind=SyncRecord.Kind.PAYMENT)
    assert record.state == SyncRecord.State.SYNCED and record.last_error == ""


@pytest.mark.django_db
def test_a_company_without_payment_methods_syncs_payments_as_before(sandbox, books, invoice):
    pay(invoice, Method.CARD)
    push_all(books.account)

    [payment] = qbo_payments(sandbox)
    assert "PaymentMethodRef" not in payment
    assert books.connection.settings_snapshot["payment_methods"] == []


@pytest.mark.django_db
def test_a_method_made_inactive_in_quickbooks_since_the_check_does_not_hold_the_payment(
    sandbox, books, invoice
):
    ids = add_methods(sandbox, books, ("Check", "NON_CREDIT_CARD"))
    current = sandbox.entities(US_REALM, "PaymentMethod")[0]
    sandbox.api_post(books.account, "PaymentMethod", {**current, "Active": False})
    pay(invoice, Method.CHECK)
    push_all(books.account)

    [payment] = qbo_payments(sandbox)
    assert "PaymentMethodRef" not in payment
    record = SyncRecord.objects.get(kind=SyncRecord.Kind.PAYMENT)
    assert record.state == SyncRecord.State.SYNCED
    books.connection.refresh_from_db()  # the settings were read again
    assert ids["Check"] not in {m["id"] for m in
                                books.connection.settings_snapshot["payment_methods"]}


@pytest.mark.django_db
def test_an_edited_method_changes_in_quickbooks_and_one_it_lacks_is_cleared(sandbox, books,
                                                                            invoice):
    ids = add_methods(sandbox, books, ("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"))
    payment = pay(invoice, Method.CASH)
    push_all(books.account)

    def edit(method):
        services.payment_update(payment=payment, date=payment.date, amount=payment.amount,
                                method=method)
        push_all(books.account)
        [landed] = qbo_payments(sandbox)
        return landed

    assert edit(Method.CHECK)["PaymentMethodRef"]["value"] == ids["Check"]
    assert "PaymentMethodRef" not in edit(Method.OTHER)


@pytest.mark.django_db
def test_a_refund_receipt_names_the_refunds_method(sandbox, books, invoice):
    ids = add_methods(sandbox, books, ("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"))
    payment = pay(invoice, Method.CASH)
    push_all(books.account)
    services.refund_record(payment=payment, date=date(2026, 11, 25), amount=Decimal("30.00"),
                           method=Method.CHECK)
    push_all(books.account)

    [receipt] = sandbox.entities(US_REALM, "RefundReceipt")
    assert receipt["PaymentMethodRef"] == {"value": ids["Check"], "name": "Check"}
    page = show(Client(sandbox.app), "/app/refundreceipt", US_REALM, receipt["Id"])
    assert page.facts["Payment method"] == "Check"
