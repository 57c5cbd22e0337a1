"""Every URL that takes a POST refuses one without the CSRF token, signed in or not."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.url_table import URLS, grant_staff, make_world

pytestmark = pytest.mark.django_db
# Called by Intuit, not a browser: no CSRF token; its signature stands in for it.
SIGNED_INSTEAD = {"integrations:webhooks"}
POSTS = [name for name, entry in URLS.items()
         if "POST" in entry.methods and name not in SIGNED_INSTEAD]


@pytest.fixture
def world(db):
    return make_world("MADHATTER", realm="4620816365000000001")


@pytest.mark.parametrize("name", POSTS)
def test_a_post_without_the_csrf_token_is_refused(world, name):
    entry = URLS[name]
    if entry.staff:
        grant_staff(world)  # else the view itself would refuse it
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    url = reverse(name, args=entry.args(world) if entry.args else None)
    data = entry.params(world) if entry.params else {}
    assert client.post(url, data).status_code == 403


def test_with_the_token_the_same_post_goes_through(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    page = client.get(reverse("invoices:contact_create"))
    response = client.post(reverse("invoices:contact_create"), {
        "csrfmiddlewaretoken": page.context["csrf_token"], "first_name": "Ada",
        "last_name": "Lovelace", "email": "ada@example.com",
    })
    assert response.status_code == 302


@pytest.mark.parametrize("name", sorted(SIGNED_INSTEAD))
def test_a_post_without_its_signature_is_refused(world, name):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse(name), b"[]", content_type="application/json").status_code == 401
