"""A contact needs no email (issue 20, item 15): QuickBooks needs none for a customer. Many
contacts may have none; an email given is still used once per account."""

import re

from django.urls import reverse

from invoices.models import Contact
from tests.invoices.test_contacts import contact_data

NEW = reverse("invoices:contact_create")


def test_a_contact_without_an_email_is_saved(signed_in_client, account):
    response = signed_in_client.post(NEW, contact_data(first_name="Bill", last_name="Lizard"))
    assert response.status_code == 302
    assert Contact.objects.get(account=account, first_name="Bill").email == ""
    form = signed_in_client.get(NEW).content.decode()
    email_input = re.search(r'<input[^>]*name="email"[^>]*>', form).group(0)
    assert "required" not in email_input


def test_many_contacts_may_have_no_email(signed_in_client, account):
    for first in ("Bill", "Dinah", "Pat"):
        signed_in_client.post(NEW, contact_data(first_name=first))
    assert Contact.objects.filter(account=account, email="").count() == 3


def test_an_email_given_is_still_used_once(signed_in_client, account, contact):
    response = signed_in_client.post(NEW, contact_data(email="ADA@example.com"))
    assert response.status_code == 200
    assert "already has this email" in response.content.decode()
