"""Intuit's review asks for an in-app support contact: every page says where to ask."""

import pytest
from django.urls import reverse

from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db


def test_every_page_names_the_support_address_when_one_is_set(client, settings):
    settings.SUPPORT_EMAIL = "help@studio-books.example"
    login = client.get(reverse("login")).content.decode()
    assert 'href="mailto:help@studio-books.example"' in login
    client.force_login(make_user(account=make_account(country="GB")))
    page = client.get(reverse("integrations:settings")).content.decode()
    assert 'href="mailto:help@studio-books.example"' in page
    assert "Reference for Intuit support" in page


def test_without_an_address_the_page_says_whom_to_ask(client, settings):
    settings.SUPPORT_EMAIL = ""
    page = client.get(reverse("login")).content.decode()
    assert "mailto:" not in page
    assert "Ask whoever set up hatsync for your business" in page
