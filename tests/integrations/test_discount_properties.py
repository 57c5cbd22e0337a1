"""For any lines, tax rates and discount: the total QuickBooks computes for the synced invoice
is hatsync's, to the cent (in-process sandbox; Canada and the UK let QuickBooks compute the
tax, the US takes hatsync's)."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoices import services
from tests.factories import make_contact, make_product, make_tax_rate
from tests.integrations.conftest import run_outbox
from tests.sandbox_helpers import CA_REALM, GB_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db

CODES = {"US": (US_REALM, [("Sales Tax", "8.875"), ("City Tax", "13")]),
         "CA": (CA_REALM, [("HST ON", "13"), ("GST", "5"), ("PST BC", "7")]),
         "GB": (GB_REALM, [("20.0% S", "20"), ("5.0% R", "5")])}
PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
QUANTITIES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("12"), places=2)
LINES = st.lists(st.tuples(QUANTITIES, PRICES, st.integers(0, 2)), min_size=1, max_size=4)
PERCENTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
SHARES = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1"), places=4)
_numbers = itertools.count(1)


@pytest.mark.parametrize("country", ["US", "CA", "GB"])
def test_quickbooks_total_equals_hatsync_total_for_any_discount(sandbox, account_for, country):
    realm, codes = CODES[country]
    account = account_for(country, realm)
    rates = [make_tax_rate(account=account, name=n, percentage=p) for n, p in codes]
    product = make_product(account=account, display_name="Session")
    contact = make_contact(account=account)

    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(lines=LINES, percent=st.booleans(), pct=PERCENTS, share=SHARES)
    def check(lines, percent, pct, share):
        inputs = [services.LineInput(product, qty, price, rates[i % len(rates)])
                  for qty, price, i in lines]
        subtotal = sum(((q * p).quantize(Decimal("0.01")) for q, p, _ in lines), Decimal(0))
        value = pct if percent else (subtotal * share).quantize(Decimal("0.01"))
        number = f"P-{next(_numbers)}"
        invoice = services.invoice_create(
            account=account, number=number, contact=contact, issue_date=date(2026, 11, 1),
            due_date=date(2026, 11, 15), lines=inputs,
            discount_kind="percent" if percent else "amount", discount_value=value)
        services.invoice_send(invoice=invoice)
        run_outbox(account)
        record = record_for(invoice)
        assert record.state == "synced", record.last_error
        qbo = next(i for i in sandbox.entities(realm, "Invoice") if i["Id"] == record.qbo_id)
        invoice.refresh_from_db()
        assert Decimal(str(qbo["TotalAmt"])).quantize(Decimal("0.01")) == invoice.total
        tax = Decimal(str(qbo["TxnTaxDetail"]["TotalTax"])).quantize(Decimal("0.01"))
        assert tax == invoice.tax_total

    check()
    assert len(sandbox.entities(realm, "Invoice")) >= 10  # the examples really ran
