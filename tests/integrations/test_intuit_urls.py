"""The URLs entered in Intuit's developer portal: Launch (opening hatsync from QuickBooks) and
Disconnect (where QuickBooks sends the user after disconnecting hatsync in its Apps page)."""

import pytest

from integrations.models import QuickBooksConnection
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db
DISCONNECTED = "/integrations/quickbooks/disconnected/"


def test_after_disconnecting_in_quickbooks_hatsync_forgets_the_tokens_and_says_so(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    sandbox.app.oauth.revoke_company(US_REALM)  # Disconnect pressed in QuickBooks' Apps page

    page = client.get(DISCONNECTED, follow=True).content.decode()

    assert "You disconnected hatsync from Sandbox Studio US in QuickBooks" in page
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "disconnected"
    assert (connection.access_token, connection.refresh_token) == ("", "")
    assert "Disconnected in QuickBooks" in connection.status_reason
    invoice = send(make_invoice(account=account, number="DQ-1"))
    run_outbox(account)
    assert record_for(invoice).state == "needs_sync"  # kept, as for any disconnect
    assert record_for(invoice).last_error.startswith("Paused: disconnected from QuickBooks")


def test_a_link_to_the_disconnect_url_alone_disconnects_nothing(sandbox, account_for, client):
    account = account_for("US", US_REALM)

    page = client.get(DISCONNECTED, follow=True).content.decode()

    assert "hatsync is still connected to Sandbox Studio US" in page
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "connected" and connection.refresh_token


def test_launching_from_quickbooks_signs_in_first_then_opens_integrations(sandbox, account_for,
                                                                         client):
    client.logout()
    first = client.get("/integrations/quickbooks/launch/")
    assert first.status_code == 302
    assert first["Location"] == "/login/?next=/integrations/quickbooks/launch/"

    account_for("US", US_REALM)
    second = client.get("/integrations/quickbooks/launch/")
    assert second["Location"] == "/settings/integrations/"
