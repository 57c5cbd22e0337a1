"""What every page sends: CRM text escaped, a Content-Security-Policy, and nothing inline for
that policy to refuse (no inline script, no style attribute or element, no on* handler)."""

import re

import pytest
from django.urls import reverse

from tests.security.url_table import URLS, grant_staff, make_world

pytestmark = pytest.mark.django_db
MARKUP = '<script>alert("MADHATTER")</script>'
# Pages: every GET but /favicon.ico, a redirect to a static file (served by WhiteNoise), and
# /metrics, Prometheus' text for a scraper holding its token (test_metrics.py).
GETS = [name for name, entry in URLS.items()
        if "GET" in entry.methods and name not in ("favicon", "integrations:metrics")]
INLINE = re.compile(rb"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.fixture
def pages(client, db):
    """Every page that answers a GET, as the owner of an account whose every text is markup."""
    world = make_world(MARKUP, realm="4620816365000000001")
    grant_staff(world)  # the operations pages too (staff only)
    client.force_login(world.user)
    answers = {}
    for name in GETS:
        entry = URLS[name]
        url = reverse(name, args=entry.args(world) if entry.args else None)
        query = {"since": "2000-01-01T00:00:00+00:00"} if name.endswith("progress") else {}
        answers[name] = client.get(url, query, follow=True)
        assert answers[name].status_code == 200, name
    return answers


def test_crm_text_is_escaped_on_every_page(pages):
    shown_on = []
    for name, response in pages.items():
        assert b"<script>alert(" not in response.content, name
        if b"&lt;script&gt;alert(" in response.content:
            shown_on.append(name)
    # The text is on the pages (escaped), so the check above did look at it.
    assert {"invoices:invoice_list", "invoices:invoice_detail", "invoices:contact_list",
            "invoices:product_list", "invoices:expense_list", "integrations:settings",
            "integrations:import_invoices", "integrations:import_progress",
            "integrations:invoice_panel"} <= set(shown_on)


def test_every_page_has_a_policy_and_nothing_inline_it_would_refuse(pages):
    for name, response in pages.items():
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, name
        if response.headers["Content-Type"].startswith("text/html"):
            assert not INLINE.search(response.content), (name, INLINE.search(response.content))
