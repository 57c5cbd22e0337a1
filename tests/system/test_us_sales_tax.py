"""System story: one invoice with sales tax, synced through the real worker to a US company
with automated sales tax and to an older one that keeps its own tax codes."""

from decimal import Decimal

import pytest

from tests.factories import make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import send
from tests.system.helpers import connected_account, synced

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("automated", [True, False])
def test_a_taxed_invoice_lands_with_our_tax_and_quickbooks_tax_lines(sandbox, client,
                                                                     automated):
    realm = sandbox.control("POST", "companies", json={
        "name": "US Studio", "country": "US",
        "preferences": {"automated_sales_tax": automated},
        **({"tax_codes": [{"name": "California", "rate": 8}]} if automated else {}),
    })["realm_id"]
    account = connected_account(client, "US", realm)
    tax = make_tax_rate(account=account, name="California", percentage="8")
    invoice = send(make_invoice(account=account, number="US-1",
                                lines=[(make_product(account=account), "1", "250.00", tax)]))

    synced(invoice)
    [qbo] = sandbox.invoices(realm, "US-1")
    detail = qbo["TxnTaxDetail"]
    assert Decimal(str(detail["TotalTax"])) == Decimal("20.00")
    assert Decimal(str(qbo["TotalAmt"])) == Decimal("270.00")
    [line] = detail["TaxLine"]
    assert line["DetailType"] == "TaxLineDetail"
    assert line["TaxLineDetail"]["TaxPercent"] == 8
    assert Decimal(str(line["TaxLineDetail"]["NetAmountTaxable"])) == Decimal("250")
    sandbox.assert_exactly_once(realm)
