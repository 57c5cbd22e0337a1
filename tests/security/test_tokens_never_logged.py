"""OAuth secrets never reach the logs: a connect, a token refresh and an invoice sync over real
HTTP, with every logger (ours, Django's, urllib3, requests_oauthlib, intuitlib, quickbooks) at
DEBUG.

What this proves: on these paths no library and none of our code puts the access token, the
refresh token or the sign-in code in a log record at all (checked on the raw records, before
any filter), and the handlers configured in settings.LOGGING write none either. It cannot
prove the same of paths not taken here (an error path, a future library version): the
redacting formatter of every configured handler is the net for those; its test is below.
"""

import io
import logging

import pytest

from hatsync.log_redaction import RedactingFormatter
from integrations.models import QuickBooksConnection
from integrations.services.tokens import connection_access_token
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.integrations.conftest import pay, run_outbox, send
from tests.sandbox_helpers import press_connect_and_consent, record_for

pytestmark = pytest.mark.django_db
LIBRARIES = ["urllib3", "requests", "requests_oauthlib", "oauthlib", "intuitlib", "quickbooks"]


def _configured_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    return [h for lg in loggers for h in lg.handlers
            if isinstance(h.formatter, RedactingFormatter)]


@pytest.fixture
def logs(caplog):
    """Every logger at DEBUG. Yields caplog (the raw records) and a buffer holding what the
    handlers configured in settings wrote."""
    names = [None, "django.server", *LIBRARIES, *list(logging.root.manager.loggerDict)]
    loggers = {logging.getLogger(name) for name in names}
    levels = {lg: lg.level for lg in loggers}
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    handlers = _configured_handlers()
    assert handlers, "settings.LOGGING no longer formats with RedactingFormatter"
    written = io.StringIO()
    streams = {h: h.setStream(written) for h in handlers}
    try:
        yield caplog, written
    finally:
        for handler, stream in streams.items():
            handler.setStream(stream)
        for lg, level in levels.items():
            lg.setLevel(level)


def test_a_connect_a_refresh_and_a_sync_log_no_token_and_no_sign_in_code(
    served_sandbox, client, logs
):
    caplog, written = logs
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    path, params = press_connect_and_consent(client)
    assert client.get(path, params).status_code == 302
    connection = QuickBooksConnection.objects.get(account=account)
    assert connection.is_connected
    secrets = {params["code"], connection.access_token, connection.refresh_token}

    connection_access_token(connection_id=connection.pk, force=True)
    connection.refresh_from_db()
    secrets |= {connection.access_token, connection.refresh_token}
    invoice = send(make_invoice(account=account))
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    assert len(secrets) >= 4  # the code, two access tokens, the refresh token(s)
    names = {record.name for record in caplog.records}
    assert any(name.startswith("urllib3") for name in names), names  # real HTTP, logged
    leaked = [
        (record.name, record.getMessage())
        for record in caplog.records
        if any(secret in record.getMessage() or secret in repr(record.args)
               for secret in secrets)
    ]
    assert leaked == []
    output = written.getvalue()
    assert "urllib3" in output  # the configured handler did see the DEBUG records
    assert not [secret for secret in secrets if secret in output]


def test_a_full_sync_logs_no_quickbooks_data(served_sandbox, client, logs):
    """Intuit's review: no QuickBooks data in any log line. A customer, an item, an invoice and
    a payment go over real HTTP with every logger at DEBUG; no record (raw, before any filter)
    and nothing the configured handlers write holds a name, a figure or a payload sent or
    answered, whether as JSON or in a query's URL."""
    caplog, written = logs
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    path, params = press_connect_and_consent(client)
    assert client.get(path, params).status_code == 302
    contact = make_contact(account=account, first_name="Quillon", last_name="Marchbanks")
    product = make_product(account=account, display_name="Tessellated Portrait Session",
                           rate="987.65")
    invoice = send(make_invoice(account=account, contact=contact, number="QX-5150",
                                lines=[(product, "1", "987.65", None)]))
    pay(invoice, "987.65", reference="CHQ-771234")
    run_outbox(account)

    assert record_for(invoice).state == "synced"
    private = ["Quillon", "Marchbanks", "Tessellated", "987.65", "QX-5150", "CHQ-771234",
               '"CustomerRef"', '"Line"', '"TotalAmt"', "DisplayName", "select ", "SELECT "]
    messages = [(record.name, record.getMessage()) for record in caplog.records]
    assert any("/v3/company/" in text for _, text in messages)  # the requests were logged
    leaked = [(name, text) for name, text in messages
              if any(word in text or word.replace(" ", "+") in text for word in private)]
    assert leaked == []
    output = written.getvalue()
    assert [word for word in private if word in output] == []


def test_the_configured_handlers_blank_secrets_a_library_or_the_dev_server_would_log(logs):
    _, written = logs
    logging.getLogger("django.server").info(
        '"%s" %s %s',
        "GET /integrations/quickbooks/callback/?code=AB11SIGNINCODE&state=s&realmId=1 HTTP/1.1",
        302, 0,
    )
    logging.getLogger("requests_oauthlib.oauth2_session").debug(
        "Request headers were %s", {"Authorization": "Bearer eyJACCESS.TOKEN-x_y"})
    logging.getLogger("requests_oauthlib.oauth2_session").debug(
        "Obtained token %s.", {"access_token": "eyJACCESS2", "refresh_token": "AB11REFRESH"})
    logging.getLogger("urllib3").debug("body grant_type=refresh_token&refresh_token=AB11REFRESH2")
    logging.getLogger("intuitlib").debug("headers {'Authorization': 'Basic aGF0c3luYzpzZWNyZXQ='}")

    output = written.getvalue()
    assert output.count("[redacted]") >= 6
    for secret in ("AB11SIGNINCODE", "eyJACCESS", "AB11REFRESH", "aGF0c3luYzpzZWNyZXQ"):
        assert secret not in output
    assert "/integrations/quickbooks/callback/?code=[redacted]&state=s&realmId=1" in output
