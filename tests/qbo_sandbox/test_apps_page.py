"""QuickBooks' Apps page: Launch opens the app's Launch URL; Disconnect revokes the app's tokens
inside QuickBooks, then sends the browser to the app's Disconnect URL."""

from __future__ import annotations

import pytest
from intuitlib.exceptions import AuthClientError
from werkzeug.test import Client

from qbo_sandbox.app import SandboxApp

from .conftest import US, connect, control, new_auth_client
from .test_bookkeeper_pages import token_of


@pytest.fixture
def browser(app: SandboxApp) -> Client:
    return Client(app)


def test_a_connected_app_is_listed_with_launch_and_disconnect(rsps, browser):
    control("POST", "config", {"launch_url": "https://app.example/launch/"})
    connect(new_auth_client(), US)

    page = browser.get("/app/apps", query_string={"realmId": US}).get_data(as_text=True)

    assert "<td>hatsync</td><td>Connected</td>" in page
    assert "href='https://app.example/launch/'>Launch</a>" in page
    assert "<button type=submit>Disconnect</button>" in page


def test_disconnect_revokes_the_apps_tokens_then_goes_to_its_disconnect_url(rsps, browser):
    control("POST", "config", {"disconnect_url": "https://app.example/disconnected/"})
    client = connect(new_auth_client(), US)
    page = browser.get("/app/apps", query_string={"realmId": US})

    answer = browser.post("/app/apps/disconnect",
                          data={"csrf_token": token_of(page), "realmId": US})

    assert answer.status_code == 303
    assert answer.headers["Location"] == "https://app.example/disconnected/"
    with pytest.raises(AuthClientError) as refused:
        client.refresh()
    assert "invalid_grant" in refused.value.content.decode()
    after = browser.get("/app/apps", query_string={"realmId": US}).get_data(as_text=True)
    assert "<td>Not connected</td>" in after and "Disconnect</button>" not in after


def test_disconnect_without_the_pages_security_token_is_refused(rsps, browser):
    client = connect(new_auth_client(), US)

    answer = browser.post("/app/apps/disconnect", data={"realmId": US})

    assert answer.status_code == 403
    client.refresh()  # still connected
