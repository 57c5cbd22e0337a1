"""The OAuth `state`: bound to the session that pressed Connect, good for one callback only.

(A forged state, tokens encrypted at rest and disconnect revoking are in
tests/integrations/test_connect.py.)
"""

import pytest
from django.test import Client

from integrations.models import QuickBooksConnection
from tests.factories import make_account, make_user
from tests.sandbox_helpers import press_connect_and_consent

pytestmark = pytest.mark.django_db
REFUSED = "did not start here"


def token_calls(sandbox) -> int:
    return len([c for c in sandbox.rsps.calls if "/oauth2/v1/tokens/bearer" in c.request.url])


def signed_in_client() -> tuple[Client, object]:
    account = make_account(country="US")
    client = Client()
    client.force_login(make_user(account=account))
    return client, account


def test_a_callback_is_good_once_and_a_replay_changes_nothing(sandbox):
    client, account = signed_in_client()
    path, params = press_connect_and_consent(client)
    assert client.get(path, params).status_code == 302
    before = QuickBooksConnection.objects.get(account=account)
    calls = token_calls(sandbox)

    replay = client.get(path, params, follow=True)
    assert REFUSED in replay.content.decode()
    # Even with a new Connect under way, the old state stays spent.
    client.post("/integrations/quickbooks/connect/")
    replay = client.get(path, params, follow=True)
    assert REFUSED in replay.content.decode()

    assert token_calls(sandbox) == calls  # the code never went to QuickBooks again
    after = QuickBooksConnection.objects.get(account=account)
    assert (after.access_token, after.refresh_token, after.connected_at) == (
        before.access_token, before.refresh_token, before.connected_at)


def test_another_signed_in_user_cannot_complete_someone_elses_callback(sandbox):
    alice, alice_account = signed_in_client()
    mallory, mallory_account = signed_in_client()
    path, params = press_connect_and_consent(alice)

    response = mallory.get(path, params, follow=True)
    assert REFUSED in response.content.decode()
    mallory.post("/integrations/quickbooks/connect/")  # with a Connect of her own pending
    response = mallory.get(path, params, follow=True)
    assert REFUSED in response.content.decode()
    assert token_calls(sandbox) == 0
    assert not QuickBooksConnection.objects.exists()

    # Alice's own sign-in is untouched by the attempts and still completes, for her account.
    assert alice.get(path, params).status_code == 302
    assert QuickBooksConnection.objects.get().account == alice_account
    assert not QuickBooksConnection.objects.filter(account=mallory_account).exists()
