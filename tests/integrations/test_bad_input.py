"""Bad input in one import: every odd name, memo, number, amount and tax rate either syncs as
it should or is blocked with a sentence saying what to change, and never stops the others."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations import rules
from integrations.models import QuickBooksConnection, SyncRecord
from invoices import services
from invoices.forms import ContactForm, InvoiceLineForm, ProductForm, TaxRateForm
from invoices.models import Contact, InvoiceLine
from invoices.services import LineInput
from tests.factories import make_contact, make_invoice, make_product, make_tax_rate
from tests.integrations.conftest import run_outbox
from tests.integrations.test_bulk import import_all, run_drain
from tests.sandbox_helpers import CA_REALM, GB_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db

MEMO = ("Thanks \"Ana\" & O'Brien — C:\\photos\\2026\\ 🎉📸 שלום עולם مرحبا\ttab\nnew line"
        "\x1b")  # the escape character is the one thing QuickBooks cannot keep
N21 = "INV-2026-000000000021"
N22 = "INV-2026-0000000000022"
N64 = "INVOICE-" + "W" * 42 + "-0000000000064"
LONG_PRODUCT = "Extended wedding day coverage with two photographers, drone, album and prints " \
    "for the whole family, delivered in a handmade linen box with USB and gallery"
LONG_TWIN = LONG_PRODUCT[:120] + "!!"


def connected(account_for, country: str, realm: str):
    """A connected account whose sent invoices wait for Import Invoices."""
    account = account_for(country, realm)
    QuickBooksConnection.objects.filter(account=account).update(
        connected_at=timezone.now() + timezone.timedelta(days=1))
    return account


def contact(account, first: str, last: str = "", *, email: str | None = None, company=""):
    """A contact as data imported from elsewhere may hold it (the form would refuse some)."""
    return Contact.objects.create(account=account, first_name=first, last_name=last,
                                  company=company,
                                  email=f"c{Contact.objects.count()}@example.com"
                                  if email is None else email)


def invoice(account, number: str, who, lines, *, memo: str = ""):
    made = make_invoice(account=account, contact=who, number=number, lines=lines, send=True)
    if memo:
        made.memo = memo
        made.save(update_fields=["memo"])
    return made


def push(sandbox, account, path: str) -> None:
    """Import Invoices: the bulk drain (batches), or each record on its own."""
    SyncRecord.objects.filter(account=account).delete()
    import_all(account)
    if path == "bulk":
        run_drain(account)
        assert sandbox.api_calls("/batch")
    else:
        run_outbox(account)
        assert not sandbox.api_calls("/batch")


def stored(sandbox, realm: str, entity: str) -> dict[str, dict]:
    """QuickBooks' entities by Id, after checking that none was made twice."""
    entities = sandbox.entities(realm, entity)
    key = {"Invoice": "DocNumber", "Customer": "DisplayName", "Item": "Name"}[entity]
    twice = [n for n, k in Counter(str(e[key]).casefold() for e in entities).items() if k > 1]
    assert not twice, f"{entity} made twice: {twice}"
    return {e["Id"]: e for e in entities}


def synced(sandbox, realm: str, made) -> dict:
    record = record_for(made)
    assert record.state == "synced", (made.number, record.state, record.last_error)
    [found] = [i for i in sandbox.entities(realm, "Invoice") if i["Id"] == record.qbo_id]
    assert found["DocNumber"] == rules.shorten_reference(made.number)
    return found


def blocked(made, *words: str) -> str:
    record = record_for(made)
    assert record.state == "blocked", (made.number, record.state, record.last_error)
    for word in words:
        assert word in record.last_error, record.last_error
    assert "QuickBooks refused" not in record.last_error  # ours, never a raw fault
    return record.last_error


def items_of(sandbox, realm: str, found: dict) -> list[str]:
    items = stored(sandbox, realm, "Item")
    return [items[line["SalesItemLineDetail"]["ItemRef"]["value"]]["Name"]
            for line in found["Line"] if line["DetailType"] == "SalesItemLineDetail"]


def customer_of(sandbox, realm: str, found: dict) -> dict:
    return stored(sandbox, realm, "Customer")[found["CustomerRef"]["value"]]


@pytest.mark.parametrize("path", ["bulk", "single"])
def test_odd_names_memos_numbers_and_amounts_sync_or_say_what_to_change(
    sandbox, account_for, path
):
    account = connected(account_for, "US", US_REALM)
    plain = make_product(account=account, display_name="Portrait Session")
    quoted = make_product(account=account,
                          display_name='Print "A4" \\ Matte: Glossy\tFinish 🎞️')
    same_but_spaced = make_product(account=account, display_name="portrait   SESSION")
    long_one = make_product(account=account, display_name=LONG_PRODUCT)
    long_twin = make_product(account=account, display_name=LONG_TWIN)
    tokens_only = make_product(account=account, display_name="[% contact.company %]")
    token_heavy = make_product(account=account, display_name="[% contact.full_name %] " * 8)
    zero_rate = make_tax_rate(account=account, name="No tax", percentage="0")
    free = make_product(account=account, display_name="Free consultation", rate="0.00")

    quotes = contact(account, "O'Brien \"Bob\"", "Back\\slash")
    colon = contact(account, "Ana:Maria", "Silva\tCosta")
    rtl = contact(account, "שרה", "כהן 🎉")
    longest = contact(account, "A" * 100, "B" * 100)
    spaces_with_email = contact(account, "   ", "\t", email="blank@example.com")
    spaces_only = contact(account, "  ", " ", email=" ")  # one contact only may have ""
    no_email = contact(account, "Noemail", "Person", email="")
    plain_person = contact(account, "Dana", "Lee")

    one = invoice(account, "1", quotes, [(plain, "1", "100.00", None)], memo=MEMO)
    n21 = invoice(account, N21, colon, [(quoted, "2", "12.50", None)])
    n22 = invoice(account, N22, rtl, [(same_but_spaced, "1", "80.00", None)], memo="שלום 🎉")
    n64 = invoice(account, N64, longest, [(long_one, "1", "300.00", None),
                                          (long_twin, "1", "1.00", None),
                                          (token_heavy, "1", "5.00", None)])
    by_email = invoice(account, "BY-EMAIL", spaces_with_email, [(plain, "1", "10.00", None)])
    nameless = invoice(account, "NAMELESS", spaces_only, [(plain, "1", "10.00", None)])
    emailless = invoice(account, "NO-EMAIL", no_email, [(plain, "1", "20.00", None)])
    empty_product = invoice(account, "EMPTY-NAME", plain_person,
                            [(plain, "1", "10.00", None), (tokens_only, "1", "10.00", None)])
    zero = invoice(account, "ZERO", plain_person, [(free, "1", "0.00", zero_rate)])
    good = invoice(account, "GOOD", plain_person, [(plain, "1", "100.00", None)])

    push(sandbox, account, path)

    # names, memos and numbers arrive as they are, or as close as QuickBooks allows
    found = synced(sandbox, US_REALM, one)
    assert customer_of(sandbox, US_REALM, found)["DisplayName"] == "O'Brien \"Bob\" Back\\slash"
    assert found["CustomerMemo"]["value"] == MEMO[:-1]
    found = synced(sandbox, US_REALM, n21)
    assert found["DocNumber"] == N21 and len(N21) == 21
    assert customer_of(sandbox, US_REALM, found)["DisplayName"] == "Ana\u2236Maria Silva Costa"
    assert items_of(sandbox, US_REALM, found) == ['Print "A4" \\ Matte\u2236 Glossy Finish 🎞️']
    assert Decimal(str(found["TotalAmt"])) == Decimal("25.00")
    found = synced(sandbox, US_REALM, n22)
    assert found["DocNumber"] == "INV-2...0000000000022"
    assert customer_of(sandbox, US_REALM, found)["DisplayName"] == "שרה כהן 🎉"
    assert found["CustomerMemo"]["value"] == "שלום 🎉"
    assert items_of(sandbox, US_REALM, found) == ["Portrait Session"]  # one item, any case
    found = synced(sandbox, US_REALM, n64)
    assert found["DocNumber"] == "INVOI...0000000000064"
    assert customer_of(sandbox, US_REALM, found)["DisplayName"] == "A" * 100 + " " + "B" * 100
    long_name, twin_name, heavy_name = items_of(sandbox, US_REALM, found)
    assert len(long_name) == len(twin_name) == 100 and long_name != twin_name
    assert long_name.startswith(LONG_PRODUCT[:80]) and twin_name.startswith(LONG_TWIN[:80])
    assert heavy_name.startswith("A" * 88 + "... ") and len(heavy_name) == 100
    heavy_line = InvoiceLine.objects.get(invoice=n64, product=token_heavy).name
    assert heavy_line.startswith("A" * 100) and len(heavy_line) <= 200  # what the column holds

    # a contact with no usable name is known by its email; one with no email has none sent
    found = synced(sandbox, US_REALM, by_email)
    assert customer_of(sandbox, US_REALM, found)["DisplayName"] == "blank@example.com"
    found = synced(sandbox, US_REALM, emailless)
    customer = customer_of(sandbox, US_REALM, found)
    assert customer["DisplayName"] == "Noemail Person" and "PrimaryEmailAddr" not in customer
    assert "BillEmail" not in found

    # zero amounts and a 0% rate sync as they are
    found = synced(sandbox, US_REALM, zero)
    assert Decimal(str(found["TotalAmt"])) == 0
    assert found["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"

    # what QuickBooks would refuse is blocked here, saying what to change
    blocked(nameless, "The contact on this invoice has no name",
            "Add a first or last name to the contact, then press Sync")
    blocked(empty_product, "The product “[% contact.company %]” has no name on this invoice",
            "Add words of its own to the product's Display Name", "then press Sync")

    # and never stopped the others
    synced(sandbox, US_REALM, good)
    states = Counter(SyncRecord.objects.filter(account=account, kind="invoice")
                     .values_list("state", flat=True))
    assert states == {"synced": 8, "blocked": 2}
    assert len(stored(sandbox, US_REALM, "Invoice")) == 8
    stored(sandbox, US_REALM, "Customer")  # nothing twice
    names = {i["Name"] for i in stored(sandbox, US_REALM, "Item").values()}
    assert "Service" not in names and "" not in names


TAX_CASES = {
    # country: (realm, rates that match a QuickBooks code but for case and spacing (name,
    # percentage, code id), a rate that matches none: it is matched on the mapping page)
    "CA": (CA_REALM, [("gst", "5", "1"), ("hst  ON", "13", "2"), ("ZERO-RATED", "0", "4"),
                      (" exempt ", "0", "5")], ("QST", "9.975")),
    "GB": (GB_REALM, [("20.0%  s", "20", "1"), ("0.0% z", "0", "3"), ("EXEMPT", "0", "4")],
           ("VAT Standard", "20")),
}


@pytest.mark.parametrize("country", ["CA", "GB"])
@pytest.mark.parametrize("path", ["bulk", "single"])
def test_tax_rate_names_match_quickbooks_codes_ignoring_case_and_spacing(
    sandbox, account_for, country, path
):
    realm, matching, (odd_name, odd_rate) = TAX_CASES[country]
    account = connected(account_for, country, realm)
    who = contact(account, "Ana", "Silva")
    product = make_product(account=account, display_name="Portrait Session")
    made = []
    for position, (name, percentage, _) in enumerate(matching):
        rate = make_tax_rate(account=account, name=name, percentage=percentage)
        made.append(invoice(account, f"T-{position}", who, [(product, "1", "100.00", rate)]))
    unmatched = make_tax_rate(account=account, name=odd_name, percentage=odd_rate)
    wrong = invoice(account, "T-WRONG", who, [(product, "1", "100.00", unmatched)])
    untaxed = invoice(account, "T-NONE", who, [(product, "1", "100.00", None)])

    push(sandbox, account, path)

    for sent, (_, percentage, code_id) in zip(made, matching, strict=True):
        found = synced(sandbox, realm, sent)
        assert found["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == code_id
        tax = Decimal(percentage)
        assert Decimal(str(found["TotalAmt"])) == Decimal("100.00") + tax
    words = rules.tax_words(country)
    blocked(wrong, f"This {words['rate']} has no QuickBooks {words['code']}: {odd_name}.",
            f"Choose one for it in Account Settings > Integrations > Match {words['rate']}s "
            "to QuickBooks")
    blocked(untaxed, f"every line needs a {words['rate']} (0% and exempt are rates too)",
            "Lines without one: Portrait Session.")
    assert len(stored(sandbox, realm, "Invoice")) == len(matching)
    assert len([c for c in stored(sandbox, realm, "Customer").values()
                if c["DisplayName"] == "Ana Silva"]) == 1


def test_a_blocked_contact_syncs_once_it_has_a_name(sandbox, account_for):
    account = connected(account_for, "US", US_REALM)
    nobody = contact(account, " ", "", email="")
    made = invoice(account, "LATER", nobody, [(make_product(account=account), "1", "9.00",
                                               None)])
    push(sandbox, account, "single")
    blocked(made, "Add a first or last name")

    nobody.first_name = "Rosa"
    nobody.save()
    SyncRecord.objects.filter(pk=record_for(made).pk).update(state="needs_sync")
    run_outbox(account)
    found = synced(sandbox, US_REALM, made)
    assert customer_of(sandbox, US_REALM, found)["DisplayName"] == "Rosa"


# what the forms and the database refuse before anything can reach QuickBooks ----------------

def test_the_contact_form_refuses_a_name_of_spaces_but_not_a_missing_email(account):
    # QuickBooks needs no email for a customer (issue 20): only the name is refused.
    form = ContactForm(data={"first_name": "   ", "last_name": "\t", "email": ""},
                       account=account)
    assert not form.is_valid()
    assert set(form.errors) == {"first_name"}


def test_the_forms_refuse_negative_and_zero_quantities_prices_rates_and_tax(account, product):
    line = InvoiceLineForm(data={"product": product.pk, "quantity": "0",
                                 "unit_price": "-5"}, account=account)
    assert not line.is_valid()
    assert line.errors["quantity"] == ["The quantity must be more than zero."]
    assert line.errors["unit_price"] == ["A unit price cannot be negative."]
    rate = TaxRateForm(data={"name": "Neg", "percentage": "-1"}, account=account)
    assert not rate.is_valid() and "percentage" in rate.errors
    thing = ProductForm(data={"display_name": "Refund", "rate": "-10"}, account=account)
    assert not thing.is_valid() and "rate" in thing.errors


def test_a_negative_line_or_total_cannot_exist_so_quickbooks_never_sees_one(account, product):
    """QuickBooks refuses an invoice whose total is below zero ("Transaction amount must be
    positive"); hatsync has no discounts or credits yet, so no line can be negative."""
    who = make_contact(account=account)
    with pytest.raises(ValidationError, match="A unit price cannot be negative"):
        services.invoice_create(account=account, number="NEG", contact=who,
                                issue_date=date(2026, 11, 1), due_date=date(2026, 11, 15),
                                lines=[LineInput(product, Decimal(1), Decimal("-5"))])
    made = make_invoice(account=account, contact=who, number="NEG-DB",
                        lines=[(product, "1", "5.00", None)])
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(invoice=made).update(unit_price=Decimal("-5"))
