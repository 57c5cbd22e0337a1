"""Browser journey: a second hatsync account consents to the QuickBooks company another
account holds; the Integrations page refuses it in a sentence that names nobody, and stays
not connected (issue 21, item 1). Same live app, sandbox server, worker and chromium as
test_browser.py."""

import pytest
from playwright.sync_api import Page, expect

from integrations.models import QuickBooksConnection
from tests.factories import make_account, make_user
from tests.sandbox_helpers import US_REALM, connected_through_consent_page
from tests.system.test_browser import (  # noqa: F401 - the chromium fixture is used by `page`
    assert_accessible,
    browser_type_launch_args,
    connect,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REFUSED = ("This QuickBooks company is already connected to another hatsync account. "
           "Disconnect it there first, or choose another company.")


def test_a_second_account_choosing_a_held_company_is_refused_on_the_page(
    worker, live_server, sandbox, client, page: Page
):
    holder = make_account(country="US", name="Holder Studio")
    client.force_login(make_user(account=holder))
    connected_through_consent_page(client, US_REALM)
    newcomer = make_account(country="US", name="Newcomer Studio")
    user = make_user(account=newcomer)

    sign_in(page, live_server, user.username)
    connect(page, live_server, US_REALM)

    expect(page.get_by_text(REFUSED)).to_be_visible()
    expect(page.get_by_text("Holder Studio")).to_have_count(0)
    expect(page.get_by_role("button", name="Connect to QuickBooks")).to_be_visible()
    assert_accessible(page, "Integrations after a refused connect")
    assert not QuickBooksConnection.objects.filter(account=newcomer).exists()
    assert QuickBooksConnection.objects.get(account=holder).is_connected
