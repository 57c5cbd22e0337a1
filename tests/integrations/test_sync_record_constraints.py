"""The database guards what a sync record may hold: known states and kinds, and only the link
of its own kind."""

import pytest
from django.db import IntegrityError, transaction

from integrations.models import SyncRecord
from tests.factories import make_account, make_contact, make_invoice

pytestmark = pytest.mark.django_db


def _constraint(name: str):
    return next(c for c in SyncRecord._meta.constraints if c.name == name)


def test_the_state_and_kind_checks_list_exactly_the_choices():
    [(_, states)] = _constraint("sync_record_state_known").condition.children
    [(_, kinds)] = _constraint("sync_record_kind_known").condition.children
    assert set(states) == set(SyncRecord.State.values)
    assert set(kinds) == set(SyncRecord.Kind.values)


def test_an_unknown_state_is_refused():
    account = make_account()
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRecord.objects.create(account=account, realm_id="R", kind="item", key="item:A",
                                  state="lost")


def test_a_record_links_only_to_the_object_of_its_kind():
    account = make_account()
    contact = make_contact(account=account)
    invoice = make_invoice(account=account, contact=contact)
    SyncRecord.objects.create(account=account, realm_id="R", kind="invoice",
                              key=f"invoice:{invoice.pk}", invoice=invoice)
    SyncRecord.objects.create(account=account, realm_id="R", kind="invoice", key="invoice:0")
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRecord.objects.create(account=account, realm_id="R", kind="customer",
                                  key=f"contact:{contact.pk}", contact=contact, invoice=invoice)


def test_only_a_payment_can_come_from_quickbooks():
    account = make_account()
    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRecord.objects.create(account=account, realm_id="R", kind="invoice", key="invoice:1",
                                  origin=SyncRecord.Origin.QUICKBOOKS)
