"""Expenses: a simple list and a form; amounts are never negative."""

from decimal import Decimal

from django.urls import reverse

from invoices.models import Expense

LIST = reverse("invoices:expense_list")
NEW = reverse("invoices:expense_create")


def expense_data(**fields):
    return {"date": "2026-11-03", "vendor": "Lens Rental Co", "category": "Equipment",
            "amount": "80.00", "notes": "", **fields}


def test_the_list_shows_this_accounts_expenses_only(signed_in_client, expense, other_expense):
    content = signed_in_client.get(LIST).content.decode()
    assert "Camera Shop" in content
    assert "45.00" in content
    assert "Nov. 2, 2026" in content
    assert "Teapot Emporium" not in content


def test_adding_an_expense_returns_to_the_list(signed_in_client, account):
    response = signed_in_client.post(NEW, expense_data(), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert b"Expense from Lens Rental Co added." in response.content
    expense = Expense.objects.get(account=account)
    assert expense.amount == Decimal("80.00")
    assert str(expense.date) == "2026-11-03"


def test_a_zero_expense_is_allowed(signed_in_client, account):
    signed_in_client.post(NEW, expense_data(amount="0"))
    assert Expense.objects.get(account=account).amount == Decimal("0.00")


def test_a_negative_expense_is_refused_and_the_input_kept(signed_in_client):
    response = signed_in_client.post(NEW, expense_data(amount="-3.50"))
    assert response.context["form"].errors["amount"] == ["An expense cannot be negative."]
    assert 'value="Lens Rental Co"' in response.content.decode()
    assert not Expense.objects.exists()


def test_an_expense_needs_a_date_vendor_and_category(signed_in_client):
    response = signed_in_client.post(NEW, expense_data(date="", vendor="", category=""))
    assert set(response.context["form"].errors) == {"date", "vendor", "category"}
