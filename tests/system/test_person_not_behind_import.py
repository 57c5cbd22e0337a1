"""System test: an invoice a person sends never waits behind another account's import.

An import is one drain task per company on the "bulk" queue, worked in batches; a person's
invoice is one task on the "sync" queue. Before, an import queued one task per invoice ahead
of everything else, so another account's invoice sat behind hundreds of them.

How fast the machine is must not matter: QuickBooks (the sandbox's fault script) holds one of
the import's batches unanswered for HELD_SECONDS, so the import cannot end before then, and
the person's invoice is sent while that batch is held. It must sync before the import's
last invoice does.
"""

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import SyncRecord
from invoices import services
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.sandbox_helpers import US_REALM, connected_through_consent_page
from tests.system.helpers import synced, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

IMPORTED = 600
HELD_SECONDS = 20


def test_a_persons_invoice_syncs_before_another_accounts_import_is_done(sandbox, client):
    importer = make_account(country="US")
    client.force_login(make_user(account=importer))
    contact = make_contact(account=importer)
    product = make_product(account=importer)
    for n in range(IMPORTED):
        make_invoice(account=importer, contact=contact, number=f"BIG-{n:04d}",
                     lines=[(product, "1", "100.00", None)], send=True)
    connected_through_consent_page(client, US_REALM)

    other_realm = sandbox.new_company("Person Studio")
    person = make_account(country="US")
    person_client = Client()
    person_client.force_login(make_user(account=person))
    connected_through_consent_page(person_client, other_realm)
    draft = make_invoice(account=person, number="PERSON-1")
    # The importer's third batch (its customers and items go first, then 30 invoices) is
    # held, then answered 503 (nothing applied): the drain sends it again.
    sandbox.control("POST", "faults", json={"realm": US_REALM, "responses": [
        {"on": "batch", "skip": 2, "status": 503, "hold_seconds": HELD_SECONDS}]})

    assert client.post("/import-invoices/sync/", {"all": "1"}).status_code == 302
    wait_for(lambda: sandbox.control("GET", "faults")["holding"] >= 1, 60,
             "QuickBooks to hold a batch of the import")
    imported = SyncRecord.objects.filter(account=importer, kind=SyncRecord.Kind.INVOICE)
    # The import is under way: the batches answered before the held one are recorded (the
    # drain records them as their answers come, between its other steps).
    wait_for(lambda: imported.filter(state="synced").exists(), 30, "the import's first invoices")
    services.invoice_send(invoice=draft)
    sent = timezone.now()
    record = synced(draft, timeout=60)
    wait_for(lambda: imported.filter(state="synced").count() == IMPORTED, 120, "the import")

    assert record.synced_at >= sent
    last_imported = imported.order_by("-synced_at").values_list("synced_at", flat=True)[0]
    assert record.synced_at < last_imported, "the person's invoice waited for the import"
    assert [i["DocNumber"] for i in sandbox.entities(other_realm, "Invoice")] == ["PERSON-1"]
    sandbox.assert_exactly_once(US_REALM)
