"""The demo with multicurrency: the Canadian studio's US-dollar client and the UK studio's
euro client reach the local QuickBooks (multicurrency on, as bin/demo turns it on) with
their invoices, payments and refund, and reconcile finds no difference after Sync all."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from integrations.models import SyncRecord
from integrations.services.reconcile import reconcile_account
from invoices.models import Contact, User
from tests.integrations.conftest import sandbox_for
from tests.integrations.refund_fee_helpers import push_all
from tests.integrations.test_bulk import import_all, run_drain
from tests.sandbox_helpers import CA_REALM, GB_REALM, connect_through_consent_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(tmp_path, settings):
    """The demo's local QuickBooks: companies with Intuit-like sample data."""
    yield from sandbox_for(tmp_path, settings, sample_data=True)


@pytest.mark.parametrize("username, realm, currency, home", [
    ("demo-ca", CA_REALM, "USD", "CAD"), ("demo-uk", GB_REALM, "EUR", "GBP")])
def test_the_demos_foreign_client_syncs_and_reconciles_with_no_difference(
    sandbox, client, username, realm, currency, home
):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("qbo_local_multicurrency", stdout=open("/dev/null", "w"))  # as bin/demo
    user = User.objects.get(username=username)
    account = user.account
    client.force_login(user)
    connect_through_consent_page(client, realm)

    import_all(account)  # Sync all
    run_drain(account)
    push_all(account)  # the refunds and fees that follow the payments

    foreign = Contact.objects.get(account=account, billing_currency=currency)
    records = SyncRecord.objects.filter(account=account, invoice__contact=foreign)
    assert {r.state for r in records} == {"synced"}, [r.last_error for r in records]
    refunds = SyncRecord.objects.filter(account=account, kind="refund",
                                        refund__payment__invoice__contact=foreign)
    assert [r.state for r in refunds] == ["synced"], [r.last_error for r in refunds]
    qbo_invoices = [i for i in sandbox.entities(realm, "Invoice")
                    if i["DocNumber"].startswith(f"{currency}-")]
    assert len(qbo_invoices) == 3
    assert {i["CurrencyRef"]["value"] for i in qbo_invoices} == {currency}
    entered = next(i for i in qbo_invoices if i["DocNumber"] == f"{currency}-2")
    assert Decimal(str(entered["ExchangeRate"])) in (Decimal("1.365"), Decimal("0.855"))
    customers = {c["DisplayName"] for c in sandbox.entities(realm, "Customer")}
    assert f"{foreign.full_name} ({currency})" in customers

    report = reconcile_account(account=account)
    assert report.state == "done" and report.differences == [], report.differences
    assert report.invoices_checked >= 3


def test_bin_demo_turns_multicurrency_on_in_the_local_canadian_and_uk_companies_only(sandbox):
    call_command("qbo_local_multicurrency", stdout=open("/dev/null", "w"))
    on = {c["country"]: c["preferences"].get("multicurrency", False)
          for c in sandbox.control("GET", "companies")["companies"]}
    assert on["CA"] is True and on["GB"] is True and on["US"] is False
