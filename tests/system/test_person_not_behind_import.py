"""System test: an invoice a person sends never waits behind another account's import.

An import is one drain task per company on the "bulk" queue, worked in batches; a person's
invoice is one task on the "sync" queue. Before, an import queued one task per invoice ahead
of everything else, so another account's invoice sat behind hundreds of them.
"""

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import SyncRecord
from invoices import services
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.sandbox_helpers import US_REALM, connected_through_consent_page
from tests.system.helpers import SETTLED, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

IMPORTED = 600


def test_a_persons_invoice_syncs_while_another_accounts_import_is_still_running(
    sandbox, client
):
    importer = make_account(country="US")
    client.force_login(make_user(account=importer))
    contact = make_contact(account=importer)
    product = make_product(account=importer)
    for n in range(IMPORTED):
        make_invoice(account=importer, contact=contact, number=f"BIG-{n:04d}",
                     lines=[(product, "1", "100.00", None)], send=True)
    connected_through_consent_page(client, US_REALM)

    other_realm = sandbox.control("POST", "companies",
                                  json={"name": "Person Studio", "country": "US"})["realm_id"]
    person = make_account(country="US")
    person_client = Client()
    person_client.force_login(make_user(account=person))
    connected_through_consent_page(person_client, other_realm)
    draft = make_invoice(account=person, number="PERSON-1")

    assert client.post("/import-invoices/sync/", {"all": "1"}).status_code == 302
    imported = SyncRecord.objects.filter(account=importer, kind=SyncRecord.Kind.INVOICE)
    wait_for(lambda: imported.filter(state="synced").exists(), 60, "the import to start")
    services.invoice_send(invoice=draft)
    sent = timezone.now()
    record = wait_for(
        lambda: SyncRecord.objects.filter(account=person, key=f"invoice:{draft.pk}",
                                          state="synced").first(),
        60, "the person's invoice")
    import_left = imported.exclude(state__in=SETTLED).count()

    assert import_left > 0, "the import finished first: make it bigger to prove anything"
    assert record.synced_at >= sent
    assert [i["DocNumber"] for i in sandbox.entities(other_realm, "Invoice")] == ["PERSON-1"]
    wait_for(lambda: imported.filter(state="synced").count() == IMPORTED, 120, "the import")
    sandbox.assert_exactly_once(US_REALM)
