"""hatsync's AuthClient: intuit-oauth's, with a discovery document read once a process, asking
every token call for Intuit's hard expiry of the refresh token."""

import pytest
from intuitlib.client import AuthClient

from integrations.models import QuickBooksConnection
from integrations.qbo import client as qbo
from integrations.qbo.environments import environment
from tests.sandbox_helpers import US_REALM

pytestmark = pytest.mark.django_db


def test_it_sets_every_attribute_intuit_oauths_own_constructor_sets(sandbox, settings):
    real = AuthClient(settings.QBO_CLIENT_ID, settings.QBO_CLIENT_SECRET, "",
                      environment("local").discovery)
    ours = qbo.auth_client(env_name="local")
    assert set(vars(real)) <= set(vars(ours))
    for name in ("auth_endpoint", "token_endpoint", "revoke_endpoint", "user_info_url",
                 "issuer_uri", "jwks_uri", "client_id", "client_secret"):
        assert getattr(ours, name) == getattr(real, name), name


def test_the_discovery_document_is_read_once_however_many_clients(sandbox):
    discovery_reads = [c for c in sandbox.rsps.calls if "well-known" in c.request.url]
    before = len(discovery_reads)
    for _ in range(3):
        qbo.auth_client(env_name="local")
    after = len([c for c in sandbox.rsps.calls if "well-known" in c.request.url])
    assert after - before <= 1


def test_token_calls_ask_for_the_hard_expiry_and_keep_it(sandbox, account_for):
    account_for("US", US_REALM)
    token_call = next(c for c in reversed(sandbox.rsps.calls)
                      if c.request.url.endswith("/oauth2/v1/tokens/bearer"))
    assert token_call.request.headers["x-include-refresh-token-hard-expires-in"] == "true"
    connection = QuickBooksConnection.objects.get()
    tokens = qbo.refresh_tokens(env_name="local", refresh_token=connection.refresh_token)
    assert 157_680_000 - 60 < tokens.refresh_hard_expires_in <= 157_680_000
