"""Intuit's security review: methods a view does not use (TRACE above all) answer 405, and no
page that shows QuickBooks data, the connection or the books is kept by a browser or a proxy
(`Cache-Control: no-store`).

The URLs and the methods each view answers come from tests/security/url_table.py, which
test_url_scoping.py keeps equal to the URLconf: a new view is checked here without a new line.
"""

import pytest
from django.urls import reverse

from tests.security.test_url_scoping import mine, queued, signed_in, url_for  # noqa: F401
from tests.security.url_table import URLS, grant_staff

pytestmark = pytest.mark.django_db
NEVER_USED = ("TRACE", "PUT", "PATCH", "DELETE", "CONNECT")


def _unused_methods(name: str) -> list[str]:
    used = URLS[name].methods
    return [*NEVER_USED, *(m for m in ("GET", "POST") if m not in used)]


@pytest.mark.parametrize("name", sorted(URLS))
def test_a_method_the_view_does_not_use_answers_405(signed_in, mine, name):  # noqa: F811
    url = url_for(name, mine)
    answers = {method: signed_in.generic(method, url).status_code
               for method in _unused_methods(name)}
    assert answers == dict.fromkeys(answers, 405)


def test_trace_answers_405_before_sign_in_and_on_a_url_that_does_not_exist(client):
    assert client.generic("TRACE", reverse("login")).status_code == 405
    assert client.generic("TRACE", "/no-such-page/").status_code == 405
    assert client.generic("TRACE", reverse("invoices:invoice_list")).status_code == 405


SIGNED_IN_PAGES = [name for name, entry in URLS.items()
                   if not entry.public and "GET" in entry.methods]


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_a_signed_in_page_is_never_stored(signed_in, mine, name):  # noqa: F811
    if URLS[name].staff:
        grant_staff(mine)
    response = signed_in.get(url_for(name, mine))
    assert response.status_code in (200, 302)
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-cache", "no-store", "private"} <= cache_control, cache_control


def test_a_redirect_after_a_money_form_is_never_stored_either(signed_in, mine):  # noqa: F811
    response = signed_in.post(reverse("invoices:payment_create", args=[mine.sent_invoice.pk]),
                              {"date": "2026-11-21", "amount": "5.00"})
    assert response.status_code in (200, 302)
    assert "no-store" in response.get("Cache-Control", "")
