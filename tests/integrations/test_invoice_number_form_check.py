"""The invoice form of a connected account refuses a number QuickBooks would take as another
invoice's: two long numbers that shorten to one DocNumber (first 5 + "..." + last 13). The
CRM asks through `invoices.hooks`; the rule is `integrations.rules`."""

import pytest
from django.urls import reverse

from invoices.models import Invoice
from tests.factories import make_contact, make_invoice, make_product
from tests.invoices.test_invoice_form import invoice_data
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db

NEW = reverse("invoices:invoice_create")
HELD, TYPED = "INV-2024-A-WEDDING-SMITH-0002", "INV-2024-B-WEDDING-SMITH-0002"


def post_new(client, account, number):
    contact, product = make_contact(account=account), make_product(account=account)
    return client.post(NEW, invoice_data(contact, [{"product": product.pk}], number=number))


def test_a_long_number_that_shortens_to_another_invoices_is_refused_naming_it(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    make_invoice(account=account, number=HELD)
    response = post_new(client, account, TYPED)
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [
        f"{TYPED} shortens to INV-2...NG-SMITH-0002 in QuickBooks (its limit is 21 "
        f"characters), which invoice {HELD} also becomes. Give this invoice a shorter or "
        "different number."
    ]
    assert not Invoice.objects.filter(number=TYPED).exists()


def test_a_long_number_that_shortens_to_a_short_invoice_number_is_refused(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    make_invoice(account=account, number="inv-2...ng-smith-0002")
    response = post_new(client, account, TYPED)
    assert response.context["form"].errors["number"] == [
        f"{TYPED} shortens to INV-2...NG-SMITH-0002 in QuickBooks (its limit is 21 "
        "characters), which is invoice inv-2...ng-smith-0002's number there (numbers are "
        "compared without regard to capitals). Give this invoice a shorter or different "
        "number."
    ]


def test_long_numbers_that_shorten_apart_are_accepted(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    make_invoice(account=account, number=HELD)
    post_new(client, account, "INV-2024-A-WEDDING-SMITH-0003")
    assert Invoice.objects.filter(number="INV-2024-A-WEDDING-SMITH-0003").exists()


def test_an_invoice_keeps_its_own_long_number_when_edited(sandbox, account_for, client):
    account = account_for("US", US_REALM)
    mine = make_invoice(account=account, number=HELD)
    product = make_product(account=account)
    url = reverse("invoices:invoice_edit", args=[mine.pk])
    response = client.post(url, invoice_data(mine.contact, [{"product": product.pk}],
                                             number=HELD, memo="edited"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.memo == "edited"


def test_an_account_without_quickbooks_is_not_held_to_its_limit(account_for, client):
    account = account_for("US", US_REALM, connect=False)
    make_invoice(account=account, number=HELD)
    post_new(client, account, TYPED)
    assert Invoice.objects.filter(number=TYPED).exists()


def test_both_invoices_of_a_shortened_pair_from_before_can_still_be_edited(
    sandbox, account_for, client
):
    """The demo's pair (made before the form refused it): the holder's edits always go
    through, and the other can be edited, and renumbered, without a loop of refusals."""
    account = account_for("US", US_REALM)
    held = make_invoice(account=account, number=HELD)
    typed = make_invoice(account=account, number=TYPED)  # the services let it through
    product = make_product(account=account)
    for invoice in (held, typed):
        url = reverse("invoices:invoice_edit", args=[invoice.pk])
        response = client.post(url, invoice_data(invoice.contact, [{"product": product.pk}],
                                                 number=invoice.number, memo="edited"))
        assert response.status_code == 302
        invoice.refresh_from_db()
        assert invoice.memo == "edited"
