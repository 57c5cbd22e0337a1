"""System test: a bookkeeper merges the customer hatsync made into another one on the real
sandbox server's Customers page; the webhook reaches the live app's endpoint, the real worker
points the contact's record at the customer QuickBooks kept, and the contact's next invoice
goes to that customer (no customer made again)."""

import re

import pytest
import requests

from integrations.models import SyncRecord
from tests.factories import make_contact, make_invoice
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import connected_account, synced, wait_for
from tests.system.test_payments_from_quickbooks import webhooks_to_live_app  # noqa: F401

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def merge_on_sandbox_page(base_url: str, survivor: str, deleted: str) -> None:
    """The bookkeeper's Merge form on the local QuickBooks' Customers page."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/app/customers", params={"realmId": US_REALM}, timeout=10)
    assert page.status_code == 200 and "<h2>Merge</h2>" in page.text, page.text
    token = re.search(r"name='csrf_token' value='([^']+)'", page.text).group(1)
    answer = browser.post(f"{base_url}/app/customers/merge", allow_redirects=False, timeout=10,
                          data={"csrf_token": token, "realmId": US_REALM,
                                "survivor": survivor, "deleted": deleted})
    assert answer.status_code == 303, answer.text


def test_a_customer_merged_in_quickbooks_is_followed_by_the_worker_and_the_next_invoice(
    worker, sandbox, client, webhooks_to_live_app  # noqa: F811
):
    account = connected_account(client)
    ana = make_contact(account=account, first_name="Ana", last_name="Merged")
    synced(send(make_invoice(account=account, contact=ana)))
    record = SyncRecord.objects.get(kind="customer", contact=ana)
    kept = sandbox.api_post(account, "Customer", {"DisplayName": "Ana Merged (main)"})

    merge_on_sandbox_page(worker, kept["Id"], record.qbo_id)

    wait_for(lambda: SyncRecord.objects.get(pk=record.pk).qbo_id == kept["Id"],
             what="the merge to reach hatsync")
    second = synced(send(make_invoice(account=account, contact=ana)))
    [pushed] = [i for i in sandbox.entities(US_REALM, "Invoice") if i["Id"] == second.qbo_id]
    assert pushed["CustomerRef"]["value"] == kept["Id"]
    assert [c["Id"] for c in sandbox.entities(US_REALM, "Customer")
            if c["DisplayName"].startswith("Ana Merged")] == [kept["Id"]]
