"""Account Settings > Integrations > Match VAT (GST/HST) rates to QuickBooks: each tax rate
goes with a QuickBooks tax code chosen among the company's own (read once, at connect), by
default the code of its name. The owner never has to rename a rate to match QuickBooks."""

from decimal import Decimal

import pytest
from django.test import Client

from integrations import payloads, rules
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services.invoices import invoice_checks
from tests.factories import (
    build_invoice,
    build_line,
    build_tax_rate,
    make_invoice,
    make_product,
    make_tax_rate,
)
from tests.integrations.conftest import pay, run_outbox, send
from tests.integrations.test_choose_accounts import add_chart, recheck
from tests.sandbox_helpers import CA_REALM, GB_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db
MAP_URL = "/settings/integrations/tax-codes/"
UK_CODES = {"20.0% S": "1", "5.0% R": "2", "0.0% Z": "3", "Exempt": "4"}
CA_CODES = {"GST": "1", "HST ON": "2", "PST BC": "3", "Zero-rated": "4", "Exempt": "5"}


def sent_invoice():
    invoice = build_invoice()
    invoice.status = "sent"
    return invoice


def connection_of(account) -> QuickBooksConnection:
    return QuickBooksConnection.objects.get(account=account)


def code_ids(account) -> dict[str, str]:
    return connection_of(account).settings_snapshot["tax_codes"]


def sales_lines(sandbox, realm: str, number: str) -> list[dict]:
    [qbo] = [i for i in sandbox.entities(realm, "Invoice") if i["DocNumber"] == number]
    return [line for line in qbo["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def choose(client, rate, code_id: str):
    return client.post(MAP_URL, {f"rate_{rate.pk}": code_id})


# ---- pure: which code a rate goes with ----

def test_a_rate_goes_with_the_code_chosen_for_it_else_the_code_of_its_name():
    assert rules.tax_code_for_rate(rate_id=7, rate_name="VAT 17.5%", tax_codes=UK_CODES,
                                   tax_map={"7": "1"}) == "1"
    assert rules.tax_code_for_rate(rate_id=8, rate_name="0.0%  z", tax_codes=UK_CODES,
                                   tax_map={"7": "1"}) == "3"
    assert rules.tax_code_for_rate(rate_id=9, rate_name="VAT 17.5%", tax_codes=UK_CODES,
                                   tax_map={}) is None


def test_a_chosen_code_quickbooks_no_longer_has_is_no_code():
    assert rules.tax_code_for_rate(rate_id=7, rate_name="20.0% S", tax_codes=UK_CODES,
                                   tax_map={"7": "99"}) is None


@pytest.mark.parametrize("country, codes, rate, chosen", [
    ("GB", UK_CODES, build_tax_rate(pk=31, name="Standard VAT", percentage="20"), "1"),
    ("CA", CA_CODES, build_tax_rate(pk=32, name="HST", percentage="13"), "2"),
])
def test_the_invoice_payload_carries_the_code_chosen_for_a_rate_of_another_name(
        country, codes, rate, chosen):
    invoice = sent_invoice()
    lines = [build_line(name="Portrait Session", unit_price="100.00", tax_rate=rate)]
    snapshot = {"custom_txn_numbers": True, "tax_codes": codes}

    _, tax_ids = invoice_checks(invoice=invoice, lines=lines, account_country=country,
                                country=country, snapshot=snapshot,
                                tax_map={str(rate.pk): chosen})
    payload = payloads.invoice_payload(
        invoice=invoice, lines=lines, doc_number="1042", customer_id="5",
        item_ids={"Portrait Session": "19"}, country=country, tax_code_ids=tax_ids)
    assert payload["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": chosen}


@pytest.mark.parametrize("country, words", [("GB", "VAT rate has no QuickBooks VAT code"),
                                            ("CA", "GST/HST rate has no QuickBooks tax code")])
def test_a_rate_without_a_code_is_blocked_pointing_at_the_mapping_not_at_renaming(
        country, words):
    from integrations.services.engine import Blocked

    rate = build_tax_rate(pk=33, name="VAT 17.5%", percentage="17.5")
    with pytest.raises(Blocked) as refused:
        invoice_checks(invoice=sent_invoice(), account_country=country, country=country,
                       lines=[build_line(name="Portrait", unit_price="1", tax_rate=rate)],
                       snapshot={"custom_txn_numbers": True, "tax_codes": UK_CODES})
    message = str(refused.value)
    assert words in message and "VAT 17.5%" in message
    assert "Match" in message and "Rename" not in message


def test_the_checklist_links_to_the_mapping_instead_of_asking_to_rename():
    [item] = [i for i in rules.settings_checklist(
        country="GB", snapshot={"tax_codes": UK_CODES}, untaxable_products=[],
        crm_tax_rates=[(1, "20.0% S"), (2, "VAT 17.5%")], tax_map={})
        if i["key"] == "tax_names"]
    assert item["ok"] is False and item["detail"] == "VAT 17.5%"
    assert item["label"] == "Every VAT rate has a QuickBooks VAT code"
    assert item["link"] == "Match VAT rates to QuickBooks VAT codes"
    assert "Rename" not in item["fix"]
    [mapped] = [i for i in rules.settings_checklist(
        country="GB", snapshot={"tax_codes": UK_CODES}, untaxable_products=[],
        crm_tax_rates=[(1, "20.0% S"), (2, "VAT 17.5%")], tax_map={"2": "1"})
        if i["key"] == "tax_names"]
    assert mapped["ok"] is True


# ---- the mapping, end to end through the in-process sandbox ----

def test_a_uk_rate_mapped_to_a_vat_code_syncs_with_that_code(sandbox, account_for, client):
    account = account_for("GB", GB_REALM)
    old_rate = make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    same_name = make_tax_rate(account=account, name="0.0% Z", percentage="0")
    standard = code_ids(account)["20.0% S"]

    assert choose(client, old_rate, standard).status_code == 302
    assert connection_of(account).tax_code_map == {str(old_rate.pk): standard}
    invoice = send(make_invoice(account=account, number="UK-MAP-1", lines=[
        (make_product(account=account), "1", "100.00", old_rate),
        (make_product(account=account, display_name="Travel Fee"), "1", "40.00", same_name)]))
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    assert [line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
            for line in sales_lines(sandbox, GB_REALM, "UK-MAP-1")] == [
        standard, code_ids(account)["0.0% Z"]]


def test_a_blocked_canadian_invoice_syncs_once_its_rate_is_matched(sandbox, account_for,
                                                                     client):
    account = account_for("CA", CA_REALM)
    hst = make_tax_rate(account=account, name="HST", percentage="13")
    invoice = send(make_invoice(account=account, number="CA-MAP-1",
                                lines=[(make_product(account=account), "1", "100.00", hst)]))
    run_outbox(account)
    record = record_for(invoice)
    assert record.state == "blocked"
    assert record.last_error.startswith(
        "This GST/HST rate has no QuickBooks tax code: HST. Choose one for it in "
        "Account Settings > Integrations > Match GST/HST rates to QuickBooks")

    response = choose(client, hst, code_ids(account)["HST ON"])
    assert record_for(invoice).state == "needs_sync"
    page = client.get(response.url).content.decode()
    assert "GST/HST rates matched to QuickBooks tax codes. 1 invoice that waited for it " \
           "will sync now." in page
    run_outbox(account)
    assert record_for(invoice).state == "synced"
    [line] = sales_lines(sandbox, CA_REALM, "CA-MAP-1")
    assert line["SalesItemLineDetail"]["TaxCodeRef"]["value"] == code_ids(account)["HST ON"]


def test_a_canadian_refund_takes_the_code_chosen_for_the_first_lines_rate(
        sandbox, account_for, client):
    from invoices import services

    account = account_for("CA", CA_REALM)
    add_chart(sandbox, account)  # where the refund's money leaves from
    recheck(client)
    hst = make_tax_rate(account=account, name="HST", percentage="13")
    choose(client, hst, code_ids(account)["HST ON"])
    invoice = send(make_invoice(account=account, number="CA-MAP-2",
                                lines=[(make_product(account=account), "1", "100.00", hst)]))
    run_outbox(account)
    payment = pay(invoice, "113.00")
    run_outbox(account)
    services.refund_record(payment=payment, date=payment.date, amount=Decimal("20.00"),
                           tip_amount=Decimal("0"), method="card", reason="")
    from integrations.services import sync
    sync.sync_record(record_id=SyncRecord.objects.get(account=account, kind="refund").pk)

    [receipt] = sandbox.entities(CA_REALM, "RefundReceipt")
    assert receipt["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == \
        code_ids(account)["HST ON"]


def test_the_mapping_page_proposes_the_code_of_the_same_name_and_reads_nothing_from_quickbooks(
        sandbox, account_for, client):
    account = account_for("GB", GB_REALM)
    make_tax_rate(account=account, name="20.0% S", percentage="20")
    make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    sandbox.rsps.calls.reset()

    page = client.get(MAP_URL).content.decode()
    assert sandbox.api_calls() == []  # the codes were read at connect: reads are metered
    assert "Match VAT rates to QuickBooks" in page and "Your VAT rate" in page
    assert "Same name: 20.0% S" in page
    assert "No VAT code" in page  # VAT 17.5%, until one is chosen
    assert page.count('<option value="1"') == 2  # every code is offered for each rate


def test_choosing_the_code_of_the_same_name_keeps_no_choice_so_the_rate_follows_its_name(
        sandbox, account_for, client):
    account = account_for("GB", GB_REALM)
    rate = make_tax_rate(account=account, name="20.0% S", percentage="20")
    choose(client, rate, code_ids(account)["20.0% S"])
    assert connection_of(account).tax_code_map == {}
    choose(client, rate, code_ids(account)["5.0% R"])
    choose(client, rate, "")  # "No VAT code chosen": back to its name's code
    assert connection_of(account).tax_code_map == {}


def test_a_code_the_company_does_not_have_is_refused(sandbox, account_for, client):
    account = account_for("GB", GB_REALM)
    rate = make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    response = client.post(MAP_URL, {f"rate_{rate.pk}": "999"})
    assert response.status_code == 200
    assert "Choose each VAT code from its list" in response.content.decode()
    assert connection_of(account).tax_code_map == {}


def test_the_page_shows_and_changes_only_the_signed_in_accounts_rates(sandbox, account_for,
                                                                       client):
    mine = account_for("GB", GB_REALM)
    my_rate = make_tax_rate(account=mine, name="My VAT", percentage="20")
    theirs = account_for("CA", CA_REALM)  # now signed in as the other account's owner
    their_rate = make_tax_rate(account=theirs, name="Their HST", percentage="13")

    page = client.get(MAP_URL).content.decode()
    assert "Their HST" in page and "My VAT" not in page
    assert "Match GST/HST rates to QuickBooks" in page
    client.post(MAP_URL, {f"rate_{my_rate.pk}": "1", f"rate_{their_rate.pk}": "2"})
    assert connection_of(mine).tax_code_map == {}
    assert connection_of(theirs).tax_code_map == {str(their_rate.pk): "2"}


def test_saving_the_mapping_needs_the_csrf_token(sandbox, account_for, client):
    account = account_for("GB", GB_REALM)
    rate = make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(account.users.get())
    assert strict.post(MAP_URL, {f"rate_{rate.pk}": "1"}).status_code == 403
    assert connection_of(account).tax_code_map == {}


def test_the_page_needs_sign_in(db, client):
    response = client.get(MAP_URL)
    assert response.status_code == 302 and "/login/" in response.url


def test_a_us_company_with_automated_sales_tax_has_nothing_to_match(sandbox, account_for,
                                                                   client):
    account_for("US", US_REALM)
    response = client.get(MAP_URL)
    assert response.status_code == 302 and response.url == "/settings/integrations/"


def test_the_integrations_checklist_links_to_the_mapping(sandbox, account_for, client):
    account = account_for("GB", GB_REALM)
    make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    page = client.get("/settings/integrations/").content.decode()
    assert "Every VAT rate has a QuickBooks VAT code" in page
    assert f'href="{MAP_URL}">Match VAT rates to QuickBooks VAT codes</a>' in page
    assert "Rename" not in page


def test_connecting_to_another_company_forgets_the_codes_chosen_for_the_first(
        sandbox, account_for, client):
    from integrations.services import tax_codes
    from tests.sandbox_helpers import connect_through_consent_page

    account = account_for("GB", GB_REALM)
    rate = make_tax_rate(account=account, name="VAT 17.5%", percentage="17.5")
    choose(client, rate, code_ids(account)["20.0% S"])
    other = sandbox.new_company("Second UK Studio", country="GB")
    connect_through_consent_page(client, other)
    assert connection_of(account).tax_code_map == {}
    assert tax_codes.rate_codes(connection_of(account))[0].code_id == ""


def test_connecting_to_another_company_forgets_the_accounts_chosen_for_the_first_too(
        sandbox, account_for, client):
    """The same kind of choice: account ids of one company are no accounts in another."""
    from tests.sandbox_helpers import connect_through_consent_page

    account = account_for("GB", GB_REALM)
    ids = add_chart(sandbox, account)
    recheck(client)
    client.post("/integrations/quickbooks/accounts/", {"deposit": ids["Checking"]})
    assert connection_of(account).deposit_account_id == ids["Checking"]
    connect_through_consent_page(client, sandbox.new_company("Third UK Studio", country="GB"))
    assert connection_of(account).deposit_account_id == ""


def test_a_refund_blocked_for_its_rate_goes_again_once_the_rate_is_matched(
        sandbox, account_for, client):
    """A rate renamed after its invoice synced: the refund finds no code of the new name, and
    waits; matching the rate sends it."""
    from integrations.services import sync
    from invoices import services

    account = account_for("CA", CA_REALM)
    add_chart(sandbox, account)
    recheck(client)
    hst = make_tax_rate(account=account, name="HST ON", percentage="13")
    invoice = send(make_invoice(account=account, number="CA-MAP-3",
                                lines=[(make_product(account=account), "1", "100.00", hst)]))
    run_outbox(account)
    payment = pay(invoice, "113.00")
    run_outbox(account)
    hst.name = "HST"
    hst.save()
    services.refund_record(payment=payment, date=payment.date, amount=Decimal("20.00"),
                           tip_amount=Decimal("0"), method="card", reason="")
    refund = SyncRecord.objects.get(account=account, kind="refund")
    sync.sync_record(record_id=refund.pk)
    refund.refresh_from_db()
    assert refund.state == "blocked"
    assert refund.last_error.startswith("This GST/HST rate has no QuickBooks tax code: HST.")

    choose(client, hst, code_ids(account)["HST ON"])
    refund.refresh_from_db()
    assert refund.state == "needs_sync"
    sync.sync_record(record_id=refund.pk)
    [receipt] = sandbox.entities(CA_REALM, "RefundReceipt")
    assert receipt["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == \
        code_ids(account)["HST ON"]
