"""Browser: the Classes and locations screen (issue 23) of a US company that tracks classes on
each line and locations: both lists read from QuickBooks, a product mapped to a class and the
account to a location, in the company's word for location."""

import pytest
from playwright.sync_api import Page, expect

from integrations.models import QuickBooksConnection
from tests.factories import make_account, make_product, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.test_browser import (  # noqa: F401 - the chromium fixture is used by `page`
    assert_accessible,
    browser_type_launch_args,
    connect,
    shoot,
    sign_in,
)

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_maps_a_product_to_a_class_and_the_account_to_a_location(
    worker, live_server, sandbox, page: Page
):
    account = make_account(country="US", name="Oak Studio")
    user = make_user(account=account)
    make_product(account=account, display_name="Portrait Session", rate="300.00")
    sign_in(page, live_server, user.username)
    connect(page, live_server, US_REALM)

    sandbox.api_post(account, "Class", {"Name": "Portraits"})
    sandbox.api_post(account, "Department", {"Name": "Main Street"})
    page.goto(f"{live_server.url}/settings/integrations/classes-locations/")
    assert_accessible(page, "Classes and locations")
    selects = page.locator("select")
    expect(selects.first).to_be_visible()
    for index in range(selects.count()):  # the first class or location each offers
        select = selects.nth(index)
        values = [v for v in select.locator("option").evaluate_all(
            "options => options.map(o => o.value)") if v]
        if values:
            select.select_option(values[0])
    shoot(page, "classes-locations")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Classes and locations saved")).to_be_visible()

    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.class_map or connection.location_id, "nothing was saved"
