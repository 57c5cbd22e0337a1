import pytest
from django.db import connection as db

from integrations.models import QuickBooksConnection
from tests.factories import make_account, make_user
from tests.sandbox_helpers import AU_REALM, CA_REALM, US_REALM, connect_through_consent_page

pytestmark = pytest.mark.django_db


def test_connecting_through_the_consent_page_stores_the_company_and_its_settings(
    sandbox, account_for, client
):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.is_connected
    assert connection.realm_id == US_REALM
    assert connection.company_name == "Sandbox Studio US"
    assert connection.country == "US"
    assert connection.settings_snapshot["custom_txn_numbers"] is True
    assert connection.settings_snapshot["income_account_id"]
    page = client.get("/settings/integrations/")
    assert "Sandbox Studio US" in page.content.decode()
    assert "Custom transaction numbers are on" in page.content.decode()


def test_tokens_are_encrypted_at_rest(sandbox, account_for):
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    with db.cursor() as cursor:
        cursor.execute(
            "select access_token, refresh_token from integrations_quickbooksconnection "
            "where id = %s", [connection.pk],
        )
        stored_access, stored_refresh = cursor.fetchone()
    assert connection.access_token and connection.access_token not in stored_access
    assert connection.refresh_token not in stored_refresh
    assert stored_access.startswith("gAAAA")  # Fernet


def test_a_callback_with_a_forged_state_is_refused_and_stores_nothing(sandbox, account_for, client):
    account = account_for("US", connect=False)
    client.post("/integrations/quickbooks/connect/")
    response = client.get("/integrations/quickbooks/callback/",
                          {"code": "x", "state": "forged", "realmId": US_REALM}, follow=True)
    assert "did not start here" in response.content.decode()
    assert not QuickBooksConnection.objects.filter(account=account).exists()


def test_cancel_on_the_consent_page_comes_back_as_a_message(sandbox, account_for, client):
    import requests

    account = account_for("US", connect=False)
    start = client.post("/integrations/quickbooks/connect/")
    cancel = requests.post(start["Location"], data={"action": "cancel"}, allow_redirects=False)
    location = cancel.headers["Location"]
    response = client.get("/integrations/quickbooks/callback/?" + location.split("?", 1)[1],
                          follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "error=access_denied" in location  # what Intuit sends back on Cancel
    # Said calmly: a choice, not an error (not the red message box).
    assert "You cancelled connecting to QuickBooks" in page
    assert "message-info" in page and "message-error" not in page
    assert not QuickBooksConnection.objects.filter(account=account).exists()


def test_a_company_outside_us_ca_uk_is_refused_and_nothing_is_stored(sandbox, account_for, client):
    account = account_for("US", connect=False)
    response = connect_through_consent_page(client, AU_REALM)
    page = client.get(response["Location"]).content.decode()
    assert "only with companies in the United States, Canada and the United" in page
    assert not QuickBooksConnection.objects.filter(account=account).exists()


def test_an_account_outside_us_ca_uk_cannot_start_connecting(sandbox, client, db):
    account = make_account(country="AU")
    client.force_login(make_user(account=account))
    response = client.post("/integrations/quickbooks/connect/", follow=True)
    assert "available for businesses in the United States" in response.content.decode()


def test_disconnect_revokes_and_reconnecting_elsewhere_warns_of_a_fresh_mapping(
    sandbox, account_for, client
):
    account = account_for("CA", CA_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "disconnected"
    assert connection.refresh_token == ""
    response = connect_through_consent_page(client, US_REALM)
    page = client.get(response["Location"]).content.decode()
    assert "different QuickBooks company" in page
    assert QuickBooksConnection.objects.get(account=account).realm_id == US_REALM


def test_disconnect_works_when_intuit_cannot_be_reached(sandbox, account_for, client,
                                                        settings, caplog):
    from integrations.qbo import client as qbo_client

    account = account_for("US", US_REALM)
    settings.QBO_LOCAL_SANDBOX_URL = "http://intuit-unreachable.test"  # discovery fails
    qbo_client._discovery_document.cache_clear()

    response = client.post("/integrations/quickbooks/disconnect/")

    assert response.status_code == 302
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.status == "disconnected"
    assert connection.refresh_token == connection.access_token == ""
    assert "QuickBooks token revoke failed" in caplog.text


def test_integration_pages_need_a_sign_in(client, db):
    assert client.get("/settings/integrations/").status_code == 302
    assert client.get("/import-invoices/").status_code == 302


def test_settings_unreadable_at_connect_warn_and_are_read_before_the_first_sync(
    sandbox, account_for, client
):
    from tests.factories import make_invoice
    from tests.integrations.conftest import run_outbox, send

    account = account_for("US", connect=False)
    # QuickBooks has a problem (503) reading the settings, once the company's details
    # (the first read) have come back
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"status": 503, "on": "read", "skip": 1}]})
    response = connect_through_consent_page(client, US_REALM)
    assert sandbox.control("GET", "faults")["pending"] == 0
    page = client.get(response["Location"]).content.decode()
    assert "settings could not be read yet" in page
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.is_connected and connection.settings_checked_at is None

    invoice = send(make_invoice(account=account, number="LATE-1"))
    run_outbox(account)
    connection.refresh_from_db()
    assert connection.settings_snapshot["custom_txn_numbers"] is True
    from integrations.models import SyncRecord

    assert SyncRecord.objects.get(key=f"invoice:{invoice.pk}").state == "synced"


def test_before_connecting_the_page_says_what_will_be_checked(sandbox, account_for, client):
    account_for("CA", CA_REALM, connect=False)
    page = client.get("/settings/integrations/").content.decode()
    assert "What hatsync checks in QuickBooks once you connect" in page
    assert "Custom transaction numbers" in page and 'href="/tax-rates/"' in page


def test_the_consent_page_names_the_app(sandbox, account_for, client):
    account_for("US", US_REALM, connect=False)
    start = client.post("/integrations/quickbooks/connect/")
    import requests

    assert "The app <b>hatsync</b> wants" in requests.get(start["Location"]).text
