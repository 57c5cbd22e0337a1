"""One request costs little: an invoice takes at most MAX_LINES lines, a form at most that many
rows, and the import page's selections at most MAX_SELECTED invoices. More is refused at once
with a sentence on the page, never a 500 and never seconds of work."""

import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.services import undo as undo_service
from integrations.views import MAX_SELECTED
from invoices import services
from invoices.models import Invoice
from invoices.services import MAX_LINES, LineInput
from tests.factories import make_invoice
from tests.invoices.test_invoice_form import invoice_data
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db
NEW = reverse("invoices:invoice_create")
TOO_MANY_LINES = f"An invoice can have at most {MAX_LINES} lines"
QUICK = 1.0  # seconds: well under what a person waits for


def timed(call):
    start = time.perf_counter()
    response = call()
    return response, time.perf_counter() - start


def line(product, tax_rate) -> dict:
    return {"product": product.pk, "quantity": "1", "unit_price": "10.00", "tax_rate": tax_rate.pk}


@pytest.mark.parametrize("rows, total_forms", [(1, "10000"), (1, str(MAX_LINES + 1)),
                                               (MAX_LINES + 1, str(MAX_LINES + 1))])
def test_a_new_invoice_posted_with_too_many_rows_is_refused_quickly_with_a_sentence(
    signed_in_client, contact, product, tax_rate, rows, total_forms
):
    data = invoice_data(contact, [line(product, tax_rate)] * rows)
    data["lines-TOTAL_FORMS"] = total_forms

    response, seconds = timed(lambda: signed_in_client.post(NEW, data))

    assert response.status_code == 200
    assert TOO_MANY_LINES in response.content.decode()
    assert seconds < QUICK
    assert len(response.content) < 100_000  # was 5.3 MB: no row is built, none shown
    assert response.context["lines"].forms == []
    assert not Invoice.objects.filter(number="2001").exists()


def test_the_refused_form_can_be_sent_again_once_lines_are_added(signed_in_client, contact,
                                                                 product, tax_rate):
    data = invoice_data(contact, [line(product, tax_rate)])
    data["lines-TOTAL_FORMS"] = "10000"
    shown = signed_in_client.post(NEW, data).context["lines"].shown_management_form

    assert shown["TOTAL_FORMS"].value() == 0  # not the 10,000 claimed
    data["lines-TOTAL_FORMS"] = "1"  # what Add line makes of it
    assert signed_in_client.post(NEW, data).status_code == 302


def test_a_post_builds_no_more_rows_than_it_carries(signed_in_client, contact, product,
                                                    tax_rate):
    data = invoice_data(contact, [line(product, tax_rate)])
    data["lines-TOTAL_FORMS"] = str(MAX_LINES)  # allowed, but 249 of them are not there

    response, seconds = timed(lambda: signed_in_client.post(NEW, data))

    assert response.status_code == 302 and seconds < QUICK
    assert Invoice.objects.get(number="2001").lines.count() == 1


def test_an_invoice_edit_posted_with_ten_thousand_rows_is_refused_quickly(
    signed_in_client, draft_invoice, contact, product, tax_rate
):
    data = invoice_data(contact, [line(product, tax_rate)], number=draft_invoice.number)
    data["lines-TOTAL_FORMS"] = "10000"

    response, seconds = timed(lambda: signed_in_client.post(
        reverse("invoices:invoice_edit", args=[draft_invoice.pk]), data))

    assert response.status_code == 200 and seconds < QUICK
    assert TOO_MANY_LINES in response.content.decode()
    assert draft_invoice.lines.count() == 1


def test_an_invoice_of_exactly_the_most_lines_is_saved(signed_in_client, contact, product,
                                                       tax_rate):
    data = invoice_data(contact, [line(product, tax_rate)] * MAX_LINES)

    response = signed_in_client.post(NEW, data)

    assert response.status_code == 302
    assert Invoice.objects.get(number="2001").lines.count() == MAX_LINES


def test_the_form_offers_no_more_rows_than_an_invoice_takes(signed_in_client, draft_invoice):
    lines = signed_in_client.get(reverse("invoices:invoice_edit",
                                         args=[draft_invoice.pk])).context["lines"]
    assert lines.max_num == lines.absolute_max == MAX_LINES
    assert lines.management_form["MAX_NUM_FORMS"].value() == MAX_LINES


def test_the_services_refuse_an_invoice_of_too_many_lines(account, contact, product, tax_rate):
    lines = [LineInput(product, Decimal("1"), Decimal("10.00"), tax_rate)] * (MAX_LINES + 1)
    with pytest.raises(ValidationError, match=TOO_MANY_LINES):
        services.invoice_create(account=account, number="3001", contact=contact,
                                issue_date=date(2026, 11, 1), due_date=date(2026, 11, 30),
                                lines=lines)
    invoice = make_invoice(account=account, contact=contact, number="3002")
    with pytest.raises(ValidationError, match=TOO_MANY_LINES):
        services.invoice_update(invoice=invoice, number="3002", contact=contact,
                                issue_date=date(2026, 11, 1), due_date=date(2026, 11, 30),
                                lines=lines)


# --- The import page's selections ----------------------------------------------------------


@pytest.fixture
def importer(client, sandbox, account_for):
    """Signed in to an account connected to the (in-process) sandbox."""
    account_for("US", US_REALM)
    return client


TOO_MANY_PICKED = f"at most {MAX_SELECTED} invoices at a time"


@pytest.mark.parametrize("url, field", [
    ("integrations:import_sync", "invoice"),
    ("integrations:import_sync", "shown"),
    ("integrations:import_undo", "invoice"),
])
def test_a_selection_of_more_invoices_than_a_press_takes_is_refused_with_a_sentence(
    importer, url, field
):
    picked = [str(n) for n in range(1, MAX_SELECTED + 2)]
    data = {"invoice": ["1"], field: picked}

    response, seconds = timed(lambda: importer.post(reverse(url), data, follow=True))

    assert response.status_code == 200 and seconds < QUICK
    assert TOO_MANY_PICKED in response.content.decode()


def test_undo_of_all_synced_confirms_at_most_a_press_worth_and_says_so(
    importer, monkeypatch
):
    many = list(range(1, MAX_SELECTED * 2))
    monkeypatch.setattr(undo_service, "undo_candidates", lambda **kwargs: many)
    planned = {}

    def plan(*, account, invoice_ids):
        planned["ids"] = invoice_ids
        return undo_service.UndoPlan()

    monkeypatch.setattr(undo_service, "undo_plan", plan)

    response = importer.post(reverse("integrations:import_undo"), {"all_synced": "1"})

    assert response.status_code == 200
    assert planned["ids"] == many[:MAX_SELECTED]
    assert f"the first {MAX_SELECTED} of {len(many)}" in response.content.decode()
