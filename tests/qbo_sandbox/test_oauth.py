"""OAuth 2.0 as intuit-oauth's AuthClient drives it, against the in-process sandbox."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import AuthorizationException
from quickbooks.objects.customer import Customer

from .conftest import (
    BASE,
    CA,
    REDIRECT_URI,
    US,
    authorize,
    connect,
    control,
    new_auth_client,
    quickbooks_for,
)

DAY = 86_400


def test_both_discovery_documents_carry_every_key_intuit_oauth_reads(rsps):
    for path in ("/.well-known/openid_sandbox_configuration/",
                 "/.well-known/openid_configuration/"):
        doc = requests.get(BASE + path).json()
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint",
                    "revocation_endpoint", "jwks_uri"):
            assert doc[key].startswith(BASE)
    client = new_auth_client()
    assert client.token_endpoint == f"{BASE}/oauth2/v1/tokens/bearer"


def test_consent_page_connect_redirects_with_code_state_and_realm(auth_client):
    url = auth_client.get_authorization_url([Scopes.ACCOUNTING], state_token="xyz")
    page = requests.get(url)
    assert page.status_code == 200
    assert "Sandbox Studio Canada" in page.text and "Cancel" in page.text
    form = dict(parse_qs(urlsplit(url).query, keep_blank_values=True))
    form = {k: v[0] for k, v in form.items()} | {"realm_id": CA, "action": "connect"}
    answer = requests.post(url.split("?")[0], data=form, allow_redirects=False)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["state"] == "xyz" and params["realmId"] == CA
    auth_client.get_bearer_token(params["code"], realm_id=params["realmId"])
    assert auth_client.access_token and auth_client.refresh_token
    assert auth_client.expires_in == 3600
    assert auth_client.x_refresh_token_expires_in == 8726400


def test_consent_page_cancel_redirects_with_access_denied(auth_client):
    url = auth_client.get_authorization_url([Scopes.ACCOUNTING], state_token="s1")
    form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} | {"action": "cancel"}
    answer = requests.post(url.split("?")[0], data=form, allow_redirects=False)
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params == {"error": ["access_denied"], "state": ["s1"]}


def test_consent_page_refuses_an_unknown_client_or_a_missing_accounting_scope(rsps):
    stranger = AuthClient("someone-else", "x", REDIRECT_URI, BASE + "/.well-known/"
                          "openid_configuration/")
    assert requests.get(stranger.get_authorization_url([Scopes.ACCOUNTING])).status_code == 400
    openid_only = new_auth_client().get_authorization_url([Scopes.OPENID])
    answer = requests.get(openid_only)
    assert answer.status_code == 400 and "com.intuit.quickbooks.accounting" in answer.text


def test_code_is_single_use(auth_client):
    code = authorize(US)
    auth_client.get_bearer_token(code, realm_id=US)
    with pytest.raises(AuthClientError) as error:
        auth_client.get_bearer_token(code, realm_id=US)
    assert error.value.status_code == 400
    assert error.value.response.json() == {"error": "invalid_grant"}


def test_code_expires_after_five_minutes_of_sandbox_time(auth_client):
    code = authorize(US)
    control("POST", "clock/advance", {"seconds": 301})
    with pytest.raises(AuthClientError) as error:
        auth_client.get_bearer_token(code, realm_id=US)
    assert error.value.response.json()["error"] == "invalid_grant"


def test_token_exchange_needs_the_redirect_uri_used_at_authorize(auth_client):
    code = authorize(US, redirect_uri="http://localhost:9999/other")
    with pytest.raises(AuthClientError) as error:
        auth_client.get_bearer_token(code, realm_id=US)
    assert error.value.response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client_401(rsps):
    client = AuthClient("hatsync-local", "wrong", REDIRECT_URI,
                        BASE + "/.well-known/openid_sandbox_configuration/")
    with pytest.raises(AuthClientError) as error:
        client.get_bearer_token(authorize(US), realm_id=US)
    assert error.value.status_code == 401
    assert error.value.response.json() == {"error": "invalid_client"}


def test_refresh_returns_the_same_refresh_token_within_24_hours(auth_client):
    connect(auth_client, US)
    first_access, first_refresh = auth_client.access_token, auth_client.refresh_token
    control("POST", "clock/advance", {"seconds": 3 * 3600})
    auth_client.refresh()
    assert auth_client.refresh_token == first_refresh
    assert auth_client.access_token != first_access
    assert auth_client.x_refresh_token_expires_in < 8726400


def test_refresh_after_24_hours_rotates_and_the_old_value_then_fails(auth_client):
    connect(auth_client, US)
    old = auth_client.refresh_token
    control("POST", "clock/advance", {"seconds": DAY + 1})
    auth_client.refresh()
    new = auth_client.refresh_token
    assert new != old
    assert auth_client.x_refresh_token_expires_in == 8726400
    with pytest.raises(AuthClientError) as error:
        auth_client.refresh(refresh_token=old)
    assert error.value.status_code == 400
    assert error.value.response.json() == {"error": "invalid_grant"}
    auth_client.refresh(refresh_token=new)  # the stored new value keeps working


def test_rotation_point_is_configurable(auth_client):
    control("POST", "config", {"refresh_token_rotation": 60})
    connect(auth_client, US)
    old = auth_client.refresh_token
    control("POST", "clock/advance", {"seconds": 61})
    auth_client.refresh()
    assert auth_client.refresh_token != old


def test_refresh_token_expires_after_its_lifetime(auth_client):
    connect(auth_client, US)
    control("POST", "clock/advance", {"seconds": 8726400 + 1})
    with pytest.raises(AuthClientError) as error:
        auth_client.refresh()
    assert error.value.response.json() == {"error": "invalid_grant"}


def test_revoke_kills_refresh_and_access_tokens(auth_client):
    connect(auth_client, US)
    qb = quickbooks_for(auth_client, US)
    assert auth_client.revoke() is True
    with pytest.raises(AuthClientError) as error:
        auth_client.refresh()
    assert error.value.response.json() == {"error": "invalid_grant"}
    with pytest.raises(AuthorizationException):
        Customer.all(qb=qb)


def test_api_call_with_an_expired_access_token_is_a_401_authorization_exception(auth_client):
    connect(auth_client, US)
    qb = quickbooks_for(auth_client, US)
    control("POST", "clock/advance", {"seconds": 3601})
    with pytest.raises(AuthorizationException) as error:
        Customer.all(qb=qb)
    assert error.value.error_code == 401
    assert "Token expired" in error.value.detail


def test_the_401_body_is_intuits_authentication_fault(auth_client):
    connect(auth_client, US)
    control("POST", "tokens/expire", {"realm": US})
    answer = requests.get(f"{BASE}/v3/company/{US}/companyinfo/{US}",
                          headers={"Authorization": f"Bearer {auth_client.access_token}"})
    assert answer.status_code == 401
    error = answer.json()["Fault"]["Error"][0]
    assert error["code"] == "3200"
    assert error["Message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert answer.json()["Fault"]["type"] == "AuthenticationFault"
    assert "time" in answer.json()


def test_refreshing_after_expiry_restores_api_access(auth_client):
    connect(auth_client, US)
    control("POST", "tokens/expire", {})
    auth_client.refresh()
    qb = quickbooks_for(auth_client, US)
    assert Customer.all(qb=qb) == []


def test_a_token_for_one_company_cannot_read_another(auth_client):
    connect(auth_client, US)
    answer = requests.get(f"{BASE}/v3/company/{CA}/preferences",
                          headers={"Authorization": f"Bearer {auth_client.access_token}"})
    assert answer.status_code == 403
    assert answer.json()["Fault"]["Error"][0]["code"] == "3100"


def test_userinfo_answers_for_a_valid_access_token(auth_client):
    connect(auth_client, US)
    assert auth_client.get_user_info().json()["email"]
