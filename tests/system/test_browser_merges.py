"""Browser journey: the bookkeeper merges the customer hatsync made into another one on (the
local) QuickBooks' Customers page; the owner's Sync history says so, and the contact's next
invoice goes to the customer kept. Live app, real sandbox server (its webhooks), real worker."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from integrations.models import SyncRecord
from tests.factories import make_account, make_contact, make_invoice, make_user
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import synced, wait_for
from tests.system.test_browser import browser_type_launch_args, connect, sign_in  # noqa: F401

pytestmark = [pytest.mark.system, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = "browser-merge-verifier"


def test_a_customer_merged_in_quickbooks_shows_in_sync_history_and_is_used_next(
    worker, sandbox, live_server, settings, page: Page
):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TOKEN
    sandbox.control("POST", "config", json={"webhook_window": 0.5})
    sandbox.control("POST", "webhooks", json={
        "url": f"{live_server.url}/integrations/quickbooks/webhooks/", "verifier_token": TOKEN})
    try:
        account = make_account(country="US", name="Merge Studio")
        sign_in(page, live_server, make_user(account=account).username)
        connect(page, live_server, US_REALM)
        ana = make_contact(account=account, first_name="Ana", last_name="Browser")
        synced(make_invoice(account=account, contact=ana, number="MG-001", send=True))
        record = SyncRecord.objects.get(kind="customer", contact=ana)
        kept = sandbox.api_post(account, "Customer", {"DisplayName": "Ana B. (main)"})

        page.goto(f"{worker}/app/customers?realmId={US_REALM}")
        page.get_by_label("Merge", exact=True).select_option(label=record.qbo_name)
        page.get_by_label("into", exact=True).select_option(label="Ana B. (main)")
        page.get_by_role("button", name="Merge").click()
        expect(page).to_have_url(re.compile(r"/app/customers\?"))
        expect(page.get_by_text("Merged into Ana B. (main).")).to_be_visible()

        wait_for(lambda: SyncRecord.objects.get(pk=record.pk).qbo_id == kept["Id"],
                 what="the merge to reach hatsync")
        page.goto(f"{live_server.url}{reverse('integrations:sync_history')}")
        row = page.locator("tr", has_text="Customer Ana Browser")
        expect(row.first).to_contain_text("merged into another one in QuickBooks")

        second = synced(make_invoice(account=account, contact=ana, number="MG-002", send=True))
        [pushed] = [i for i in sandbox.entities(US_REALM, "Invoice") if i["Id"] == second.qbo_id]
        assert pushed["CustomerRef"]["value"] == kept["Id"]
    finally:
        sandbox.control("DELETE", "webhooks")
