"""Contacts: names may repeat, an email may be used once per account (in any letter case)."""

from django.urls import reverse

from invoices.models import Contact
from tests.factories import make_contact

LIST = reverse("invoices:contact_list")
NEW = reverse("invoices:contact_create")


def contact_data(**fields):
    return {"first_name": "Ada", "last_name": "Lovelace", "company": "", "email": "", "phone": "",
            **fields}


def test_the_list_shows_this_accounts_contacts_only(signed_in_client, contact, other_contact):
    content = signed_in_client.get(LIST).content.decode()
    assert "ada@example.com" in content
    assert reverse("invoices:contact_edit", args=[contact.pk]) in content
    assert "dormouse@example.com" not in content


def test_adding_a_contact_returns_to_the_list(signed_in_client, account):
    response = signed_in_client.post(
        NEW, contact_data(first_name="Bill", last_name="Lizard", email="bill@example.com",
                          company="Chimney Sweeps"), follow=True,
    )
    assert response.redirect_chain[-1][0] == LIST
    assert b"Contact Bill Lizard added." in response.content
    contact = Contact.objects.get(email="bill@example.com")
    assert contact.account == account
    assert contact.company == "Chimney Sweeps"


def test_two_contacts_may_share_a_name_with_different_emails(signed_in_client, contact, account):
    signed_in_client.post(NEW, contact_data(email="ada.other@example.com"))
    assert Contact.objects.filter(account=account, first_name="Ada").count() == 2


def test_an_email_already_used_in_the_account_is_refused_whatever_its_case(
    signed_in_client, contact
):
    data = contact_data(first_name="Augusta", email="ADA@Example.com")
    response = signed_in_client.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Another contact in this account already has this email."
    ]
    assert 'value="Augusta"' in response.content.decode()
    assert Contact.objects.count() == 1


def test_another_account_may_use_the_same_email(signed_in_client, other_account, account):
    make_contact(account=other_account, email="shared@example.com")
    signed_in_client.post(NEW, contact_data(email="shared@example.com"))
    assert Contact.objects.filter(account=account, email="shared@example.com").exists()


def test_editing_a_contact_keeps_its_own_email_allowed(signed_in_client, contact):
    url = reverse("invoices:contact_edit", args=[contact.pk])
    assert signed_in_client.get(url).context["form"].initial["email"] == "ada@example.com"
    response = signed_in_client.post(url, contact_data(email="ada@example.com", phone="555-0100"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "555-0100"


def test_editing_to_another_contacts_email_is_refused(signed_in_client, contact, account):
    bill = make_contact(account=account, first_name="Bill", email="bill@example.com")
    url = reverse("invoices:contact_edit", args=[bill.pk])
    response = signed_in_client.post(url, contact_data(first_name="Bill", email="Ada@example.com"))
    assert "Another contact in this account already has this email." in (
        response.context["form"].errors["email"]
    )
    assert b"Edit Bill" in response.content
    bill.refresh_from_db()
    assert bill.email == "bill@example.com"


def test_a_contact_needs_a_first_name_and_a_valid_email(signed_in_client):
    response = signed_in_client.post(NEW, contact_data(first_name="", email="not-an-email"))
    assert set(response.context["form"].errors) == {"first_name", "email"}
