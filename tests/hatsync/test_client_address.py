"""Which address a request came from (hatsync/client_address.py): with N trusted reverse
proxies in front of hatsync, the client is the address the first of them saw, which is the
N-th entry from the right of the hops X-Forwarded-For + REMOTE_ADDR."""

import logging

import pytest
from django.test import Client

from hatsync.client_address import client_address_from

PROXY = "172.18.0.2"


@pytest.mark.parametrize(("remote_addr", "forwarded_for", "proxies", "expected"), [
    # Reached directly: X-Forwarded-For is whatever the client wrote, so it is ignored.
    ("203.0.113.7", "", 0, "203.0.113.7"),
    ("203.0.113.7", "198.51.100.1", 0, "203.0.113.7"),
    # One proxy: it appends the address it saw, so the right-most entry is the client.
    (PROXY, "203.0.113.7", 1, "203.0.113.7"),
    (PROXY, "10.0.0.1, 198.51.100.1,203.0.113.7", 1, "203.0.113.7"),
    (PROXY, "2001:db8::7", 1, "2001:db8::7"),
    # Two proxies (a load balancer, then nginx): the second appended the first's address.
    (PROXY, "198.51.100.1, 203.0.113.7, 10.1.0.4", 2, "203.0.113.7"),
])
def test_the_client_is_the_address_the_first_trusted_proxy_saw(
    remote_addr, forwarded_for, proxies, expected
):
    assert client_address_from(remote_addr=remote_addr, forwarded_for=forwarded_for,
                               trusted_proxies=proxies) == expected


@pytest.mark.parametrize("forwarded_for", ["", "unknown", "203.0.113.7:4431", "<script>"])
def test_a_request_that_did_not_come_through_the_proxy_is_known_by_its_own_address(
    forwarded_for,
):
    """Fewer hops than proxies (a health check from inside the network), or an entry that is
    not an address: the connection's own address, never a string the client chose."""
    assert client_address_from(remote_addr=PROXY, forwarded_for=forwarded_for,
                               trusted_proxies=1 if forwarded_for else 2) == PROXY


def test_a_refused_webhook_is_logged_with_the_clients_address(db, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = "test-verifier-token"
    with caplog.at_level(logging.WARNING, logger="integrations.webhooks"):
        response = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7").post(
            "/integrations/quickbooks/webhooks/", data=b"[]", content_type="application/json",
            HTTP_INTUIT_SIGNATURE="bm90IHRoZSBzaWduYXR1cmU=")
    assert response.status_code == 401
    assert "from 203.0.113.7)" in caplog.text
