"""Intuit's 5-year hard expiry of refresh tokens (2025): answered only when asked, and final."""

from __future__ import annotations

import pytest
from intuitlib.exceptions import AuthClientError

from .conftest import US, connect, control, new_auth_client

DAY = 86_400
ASK = {"x-include-refresh-token-hard-expires-in": "true"}


def test_the_hard_expiry_is_answered_only_when_the_header_asks_for_it(rsps):
    plain = connect(new_auth_client(), US)
    assert getattr(plain, "x_refresh_token_hard_expires_in", None) is None

    asking = new_auth_client()
    asking.headers.update(ASK)
    connect(asking, US)
    assert asking.x_refresh_token_hard_expires_in == 157_680_000


def test_the_hard_expiry_counts_from_the_consent_and_survives_refreshes(rsps):
    control("POST", "config", {"refresh_token_hard_lifetime": 40 * DAY})
    client = new_auth_client()
    client.headers.update(ASK)
    connect(client, US)
    control("POST", "clock/advance", {"seconds": 2 * DAY})

    client.refresh()

    assert 38 * DAY - 5 <= client.x_refresh_token_hard_expires_in <= 38 * DAY
    # the rolling expiry never reaches past the hard one
    assert client.x_refresh_token_expires_in == client.x_refresh_token_hard_expires_in


def test_no_refresh_works_after_the_hard_expiry(rsps):
    control("POST", "config", {"refresh_token_hard_lifetime": 10 * DAY})
    client = connect(new_auth_client(), US)
    for _ in range(3):  # used often, rolled over: still ends at the hard expiry
        control("POST", "clock/advance", {"seconds": 3 * DAY})
        client.refresh()
    control("POST", "clock/advance", {"seconds": DAY + 1})

    with pytest.raises(AuthClientError) as refused:
        client.refresh()
    assert refused.value.status_code == 400
    assert "invalid_grant" in refused.value.content.decode()
