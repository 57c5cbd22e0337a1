"""Tax rates: a name once per account (any letter case); 0% and "Exempt" are real rates."""

from decimal import Decimal

from django.urls import reverse

from invoices.models import TaxRate
from tests.factories import make_tax_rate

LIST = reverse("invoices:tax_rate_list")
NEW = reverse("invoices:tax_rate_create")


def test_the_list_shows_this_accounts_tax_rates_only(signed_in_client, tax_rate, other_tax_rate):
    content = signed_in_client.get(LIST).content.decode()
    assert "Sales Tax" in content
    assert "10%" in content
    assert "GST" not in content


def test_a_zero_percent_rate_is_accepted(signed_in_client, account):
    response = signed_in_client.post(NEW, {"name": "Zero-rated", "percentage": "0"}, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert TaxRate.objects.get(account=account, name="Zero-rated").percentage == Decimal("0")


def test_exempt_is_a_rate_like_any_other(signed_in_client, account):
    signed_in_client.post(NEW, {"name": "Exempt", "percentage": "0"})
    assert TaxRate.objects.filter(account=account, name="Exempt").exists()


def test_a_rate_with_three_decimals_is_kept_exactly(signed_in_client, account):
    signed_in_client.post(NEW, {"name": "NYC", "percentage": "8.875"})
    assert TaxRate.objects.get(account=account, name="NYC").percentage == Decimal("8.875")
    assert "8.875%" in signed_in_client.get(LIST).content.decode()


def test_a_negative_rate_is_refused(signed_in_client):
    response = signed_in_client.post(NEW, {"name": "Refund", "percentage": "-1"})
    assert response.status_code == 200
    assert response.context["form"].errors["percentage"] == [
        "A tax rate cannot be negative. Use 0 for tax-free sales."
    ]
    assert not TaxRate.objects.exists()


def test_a_name_already_used_is_refused_whatever_its_case(signed_in_client, tax_rate):
    response = signed_in_client.post(NEW, {"name": "SALES TAX", "percentage": "7"})
    assert response.context["form"].errors["name"] == ["A tax rate with this name already exists."]
    assert 'value="SALES TAX"' in response.content.decode()
    assert TaxRate.objects.count() == 1


def test_another_account_may_use_the_same_name(signed_in_client, other_tax_rate, account):
    signed_in_client.post(NEW, {"name": "GST", "percentage": "5"})
    assert TaxRate.objects.filter(account=account, name="GST").exists()


def test_editing_a_rate_keeps_its_own_name_allowed(signed_in_client, tax_rate, account):
    make_tax_rate(account=account, name="Reduced", percentage="5")
    url = reverse("invoices:tax_rate_edit", args=[tax_rate.pk])
    response = signed_in_client.post(url, {"name": "Sales Tax", "percentage": "9.5"})
    assert response.status_code == 302
    tax_rate.refresh_from_db()
    assert tax_rate.percentage == Decimal("9.5")
