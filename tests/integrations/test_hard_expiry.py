"""Intuit's five-year limit on a connection (2025): stored, shown, warned of 30 and 7 days
before on every page, paused at the end, and resumed by reconnecting to the same company."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from integrations import hard_expiry
from integrations.models import QuickBooksConnection
from invoices.localisation import local_date
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import CA_REALM, US_REALM, record_for

pytestmark = pytest.mark.django_db
DAY = 86_400


def reconnect_through_consent_page(client, realm: str):
    """Press the banner's Reconnect, choose `realm` on QuickBooks' consent page, come back."""
    start = client.get("/integrations/quickbooks/reconnect/")
    assert start.status_code == 302, start
    consent = requests.post(start["Location"], data={"action": "connect", "realm_id": realm},
                            allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()},
                      follow=True)


def ends_in(account, days: float) -> None:
    QuickBooksConnection.objects.filter(account=account).update(
        refresh_token_hard_expires_at=timezone.now() + timedelta(days=days))


def test_connecting_stores_intuits_hard_expiry_and_the_page_shows_it(sandbox, account_for,
                                                                    client):
    sandbox.control("POST", "config", json={"refresh_token_hard_lifetime": 400 * DAY})
    account = account_for("US", US_REALM)

    connection = QuickBooksConnection.objects.get(account=account)
    expected = timezone.now() + timedelta(days=400)
    assert abs(connection.refresh_token_hard_expires_at - expected) < timedelta(minutes=1)
    page = client.get("/settings/integrations/").content.decode()
    assert f"Intuit ends this connection on {local_date(expected, 'US')} " in page
    assert "renewal-banner" not in page  # more than 30 days away


def test_every_page_shows_the_banner_from_30_days_before_and_urgently_from_7(sandbox,
                                                                             account_for,
                                                                             client):
    account = account_for("US", US_REALM)
    ends_in(account, 31)
    assert "renewal-banner" not in client.get("/invoices/").content.decode()

    ends_in(account, 29.5)
    page = client.get("/invoices/").content.decode()
    assert "Your QuickBooks connection to Sandbox Studio US ends in 29 days" in page
    assert 'href="/integrations/quickbooks/reconnect/">Reconnect</a>' in page
    assert "message-warning renewal-banner" in page

    ends_in(account, 6.5)
    page = client.get("/contacts/").content.decode()
    assert "ends in 6 days" in page and "message-error renewal-banner" in page


def test_at_the_hard_expiry_syncing_pauses_and_reconnecting_resumes_it(sandbox, account_for,
                                                                      client):
    account = account_for("US", US_REALM)
    ends_in(account, -0.01)
    QuickBooksConnection.objects.filter(account=account).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1))
    refreshes = len(sandbox.token_calls())

    invoice = send(make_invoice(account=account, number="HX-1"))
    run_outbox(account)

    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "needs_reconnect"
    assert "QuickBooks asks every app to be reconnected five years" in connection.status_reason
    assert record_for(invoice).state == "needs_sync"
    assert record_for(invoice).last_error.startswith("Paused:")
    assert len(sandbox.token_calls()) == refreshes  # no refresh Intuit would refuse anyway
    assert "Intuit ended the connection" in client.get("/invoices/").content.decode()

    page = reconnect_through_consent_page(client, US_REALM).content.decode()
    run_outbox(account)

    assert "Connected to Sandbox Studio US" in page
    connection.refresh_from_db()
    assert connection.status == "connected"
    assert connection.refresh_token_hard_expires_at > timezone.now() + timedelta(days=365)
    assert record_for(invoice).state == "synced"
    assert len(sandbox.invoices(US_REALM, "HX-1")) == 1


def test_reconnecting_to_another_company_is_refused_and_changes_nothing(sandbox, account_for,
                                                                       client):
    account = account_for("US", US_REALM)
    before = QuickBooksConnection.objects.get(account=account)

    page = reconnect_through_consent_page(client, CA_REALM).content.decode()

    assert "You signed in to a different QuickBooks company" in page
    assert "pick Sandbox Studio US" in page
    after = QuickBooksConnection.objects.get(account=account)
    assert (after.realm_id, after.refresh_token) == (US_REALM, before.refresh_token)


def test_the_notice_counts_down_in_words():
    now = timezone.now()
    notice = hard_expiry.renewal_notice(hard_expires_at=now + timedelta(days=1, hours=2),
                                        now=now, company_name="Studio")
    assert "ends tomorrow" in notice.text and notice.urgent
    assert hard_expiry.renewal_notice(hard_expires_at=None, now=now, company_name="S") is None
    ended = hard_expiry.renewal_notice(hard_expires_at=now, now=now, company_name="Studio")
    assert ended.text.startswith("Intuit ended the connection to Studio")
