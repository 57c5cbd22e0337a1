"""Rotating TOKEN_ENCRYPTION_KEY: new key first, old one kept, `rotate_token_key`, old removed.

Connections keep working at every step; only dropping the old key before the command runs
breaks them, with a message that says why.
"""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from integrations.models import QuickBooksConnection
from integrations.services.tokens import connection_access_token
from tests.factories import make_invoice
from tests.integrations.conftest import run_outbox, send
from tests.sandbox_helpers import US_REALM, record_for

pytestmark = pytest.mark.django_db
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored_tokens(connection) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute("select access_token, refresh_token from integrations_quickbooksconnection "
                       "where id = %s", [connection.pk])
        return cursor.fetchone()


def readable_with(key: str, connection) -> bool:
    try:
        return all(Fernet(key.encode()).decrypt(t.encode()) for t in stored_tokens(connection))
    except Exception:
        return False


def syncs(account) -> bool:
    invoice = send(make_invoice(account=account))
    run_outbox(account)
    return record_for(invoice).state == "synced"


def test_a_new_key_first_then_rotate_then_the_old_key_can_go(sandbox, account_for, settings):
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    account = account_for("US", US_REALM)
    connection = QuickBooksConnection.objects.get(account=account)
    tokens = (connection.access_token, connection.refresh_token)
    assert readable_with(OLD_KEY, connection)

    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]  # TOKEN_ENCRYPTION_KEY=new,old
    connection = QuickBooksConnection.objects.get(account=account)
    assert (connection.access_token, connection.refresh_token) == tokens
    assert syncs(account)

    out = io.StringIO()
    call_command("rotate_token_key", stdout=out)
    assert "Re-encrypted the tokens of 1 QuickBooks connection(s)" in out.getvalue()
    assert readable_with(NEW_KEY, connection) and not readable_with(OLD_KEY, connection)

    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]
    connection = QuickBooksConnection.objects.get(account=account)
    assert (connection.access_token, connection.refresh_token) == tokens
    assert syncs(account)
    assert connection_access_token(connection_id=connection.pk, force=True)  # a refresh too
    assert readable_with(NEW_KEY, connection)


def test_dropping_the_old_key_before_rotating_says_what_happened(sandbox, account_for, settings):
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    account = account_for("US", US_REALM)
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(ValueError, match="TOKEN_ENCRYPTION_KEY changed"):
        QuickBooksConnection.objects.get(account=account)


def test_rotating_leaves_a_disconnected_connection_without_tokens(sandbox, account_for, client,
                                                                   settings):
    settings.TOKEN_ENCRYPTION_KEYS = [OLD_KEY]
    account = account_for("US", US_REALM)
    client.post("/integrations/quickbooks/disconnect/")
    settings.TOKEN_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_token_key", stdout=io.StringIO())
    assert stored_tokens(QuickBooksConnection.objects.get(account=account)) == ("", "")
