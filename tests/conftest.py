"""Shared fixtures: an account with a signed-in owner, a second account to keep out, and the
records most tests start from. They are built with the plain functions in tests/factories.py,
which tests call directly when they need something else.

Money is easy to follow: `product` is 100.00 with `tax_rate` (10%) as its default, so the
`draft_invoice` (1001) and `sent_invoice` (1002) each come to 110.00. Everything named
`other_*` belongs to `other_account`.
"""

from datetime import date
from decimal import Decimal

import pytest

from invoices.models import Expense
from tests.factories import (
    make_account,
    make_contact,
    make_invoice,
    make_product,
    make_tax_rate,
    make_user,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher takes a quarter of a second per user on purpose; tests make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_metrics_counters(settings, tmp_path):
    # Every sync-log row and QuickBooks request is counted (integrations/counters.py): each
    # test counts in a file of its own, never in the checkout's var/ folder.
    settings.HATSYNC_METRICS_URL = f"file://{tmp_path / 'metrics'}"


@pytest.fixture
def account(db):
    return make_account(name="Mad Hatter Photography", country="US")


@pytest.fixture
def other_account(db):
    return make_account(name="March Hare Studio", country="CA")


@pytest.fixture
def user(account):
    return make_user(account=account, username="alice")


@pytest.fixture
def other_user(other_account):
    return make_user(account=other_account, username="hare")


@pytest.fixture
def signed_in_client(client, user):
    """pytest-django's `client`, signed in as `user`, the owner of `account`."""
    client.force_login(user)
    return client


@pytest.fixture
def contact(account):
    return make_contact(
        account=account, first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )


@pytest.fixture
def other_contact(other_account):
    return make_contact(
        account=other_account, first_name="Dormouse", last_name="Sleepy",
        email="dormouse@example.com",
    )


@pytest.fixture
def tax_rate(account):
    return make_tax_rate(account=account, name="Sales Tax", percentage="10")


@pytest.fixture
def other_tax_rate(other_account):
    return make_tax_rate(account=other_account, name="GST", percentage="5")


@pytest.fixture
def product(account, tax_rate):
    return make_product(
        account=account, display_name="Portrait Session", rate="100.00", tax_rate=tax_rate
    )


@pytest.fixture
def other_product(other_account):
    return make_product(account=other_account, display_name="Tea Party", rate="30.00")


@pytest.fixture
def draft_invoice(account, contact, product, tax_rate):
    return make_invoice(
        account=account, contact=contact, number="1001",
        lines=[(product, "1", "100.00", tax_rate)],
    )


@pytest.fixture
def sent_invoice(account, contact, product, tax_rate):
    return make_invoice(
        account=account, contact=contact, number="1002",
        lines=[(product, "1", "100.00", tax_rate)], send=True,
    )


@pytest.fixture
def other_invoice(other_account, other_contact, other_product):
    """Sent, and numbered 1001 like `draft_invoice`: numbers are unique per account only."""
    return make_invoice(
        account=other_account, contact=other_contact, number="1001",
        lines=[(other_product, "1", "30.00", None)], send=True,
    )


@pytest.fixture
def expense(account):
    return Expense.objects.create(
        account=account, date=date(2026, 11, 2), vendor="Camera Shop", category="Equipment",
        amount=Decimal("45.00"),
    )


@pytest.fixture
def other_expense(other_account):
    return Expense.objects.create(
        account=other_account, date=date(2026, 11, 2), vendor="Teapot Emporium",
        category="Supplies", amount=Decimal("12.00"),
    )
