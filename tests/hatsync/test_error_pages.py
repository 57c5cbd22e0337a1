"""With DEBUG off (as bin/demo runs) a missing page, a refusal and a crash show the product's
own pages, never Django's debug page; the 500 page needs no context at all. The favicon is
served."""

import pytest
from django.template.loader import get_template
from django.test import Client

from tests.factories import make_account, make_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hatsync.error_urls")]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def test_another_accounts_invoice_is_the_products_404(signed_in_client):
    theirs = make_invoice(account=make_account(name="Someone Else"), number="THEIRS-1")
    response = signed_in_client.get(f"/invoices/{theirs.pk}/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "This page is not here" in page and "Go to your invoices" in page
    assert "hatsync/app.css" in page  # the product's look
    assert "URLconf" not in page and "THEIRS-1" not in page


def test_a_refusal_is_the_products_403(signed_in_client):
    response = signed_in_client.get("/test-403/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_a_crash_is_the_products_500_without_any_context():
    client = Client(raise_request_exception=False)
    response = client.get("/test-500/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "hatsync/app.css" in page
    assert "RuntimeError" not in page and "Traceback" not in page
    # Django renders it with an empty context: it must not need a request or a user.
    assert "Something went wrong" in get_template("500.html").render({})


def test_a_refused_form_is_the_products_403_too(client):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "hatsync/app.css" in page and "reload the page" in page


def test_the_favicon_is_linked_and_served(client):
    page = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/hatsync/favicon.svg"' in page
    assert client.get("/favicon.ico")["Location"] == "/static/hatsync/favicon.svg"
