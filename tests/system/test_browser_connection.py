"""Browser journeys of the connection's life outside hatsync's own buttons: disconnecting and
launching hatsync from QuickBooks' Apps page, and Intuit's five-year limit (the banner's
Reconnect). Same live app, sandbox server, worker and chromium as test_browser.py."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from integrations.models import QuickBooksConnection
from tests.factories import make_account, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.test_browser import (  # noqa: F401 - the chromium fixture is used by `page`
    assert_accessible,
    browser_type_launch_args,
    connect,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAY = 86_400


@pytest.fixture
def studio(worker, live_server, sandbox):
    account = make_account(country="US", name="Connection Studio")
    user = make_user(account=account)
    sandbox.control("POST", "config", json={
        "launch_url": f"{live_server.url}/integrations/quickbooks/launch/",
        "disconnect_url": f"{live_server.url}/integrations/quickbooks/disconnected/",
    })
    return {"account": account, "user": user}


def apps_page(page: Page, sandbox) -> None:
    page.goto(f"{sandbox.base_url}/app/apps?realmId={US_REALM}")
    expect(page.get_by_role("heading", name="My Apps")).to_be_visible()


def test_disconnecting_hatsync_inside_quickbooks_lands_on_integrations_saying_so(
    studio, page: Page, live_server, sandbox
):
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)

    apps_page(page, sandbox)
    page.get_by_role("button", name="Disconnect").click()

    expect(page).to_have_url(re.compile(r"/settings/integrations/"))
    expect(page.get_by_text(re.compile(
        "You disconnected hatsync from Sandbox Studio US in QuickBooks"))).to_be_visible()
    expect(page.get_by_text("Not connected", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Reconnect to QuickBooks")).to_be_visible()
    connection = QuickBooksConnection.objects.get(account=studio["account"])
    assert connection.status == "disconnected" and connection.refresh_token == ""
    apps_page(page, sandbox)
    expect(page.get_by_text("Not connected", exact=True)).to_be_visible()


def test_launching_hatsync_from_quickbooks_signs_in_then_opens_integrations(
    studio, page: Page, live_server, sandbox
):
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    page.context.clear_cookies()  # signed out of hatsync (and of everything else)

    apps_page(page, sandbox)
    page.get_by_role("link", name="Launch").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(studio["user"].username)
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()

    expect(page).to_have_url(re.compile(r"/settings/integrations/"))
    expect(page.get_by_text("Sandbox Studio US", exact=True)).to_be_visible()


def test_the_five_year_banner_on_every_page_reconnects_to_the_same_company(
    studio, page: Page, live_server, sandbox
):
    sandbox.control("POST", "config", json={"refresh_token_hard_lifetime": 20 * DAY})
    sign_in(page, live_server, studio["user"].username)
    connect(page, live_server, US_REALM)
    expect(page.get_by_text(re.compile("Intuit ends this connection on"))).to_be_visible()

    page.goto(f"{live_server.url}/invoices/")
    banner = page.locator(".renewal-banner")
    expect(banner).to_contain_text(
        "Your QuickBooks connection to Sandbox Studio US ends in 19 days")
    assert_accessible(page, "Invoices with the renewal banner")
    sandbox.control("POST", "config", json={"refresh_token_hard_lifetime": 5 * 365 * DAY})
    banner.get_by_role("link", name="Reconnect").click()
    page.locator(f"form:has(input[name=realm_id][value='{US_REALM}']) "
                 "button[value=connect]").click()

    expect(page).to_have_url(re.compile(r"/settings/integrations/"))
    expect(page.get_by_text("Connected to Sandbox Studio US in QuickBooks.")).to_be_visible()
    expect(page.locator(".renewal-banner")).to_have_count(0)
    connection = QuickBooksConnection.objects.get(account=studio["account"])
    assert connection.refresh_token_hard_expires_at > timezone.now() + timedelta(days=365)
