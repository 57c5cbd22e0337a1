"""HATSYNC_LOG_FORMAT=json: one JSON object a line, with the realm, record key, requestid,
intuit_tid, task id and duration where known; never a token, a sign-in code or QuickBooks data.

The full-sync test connects, refreshes and syncs a customer, an item, an invoice and a payment
through the local sandbox over real HTTP, each record pushed by the Celery task (run in
process), with every logger at DEBUG and the settings' handlers formatting as JSON, then reads
every line written.
"""

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from hatsync.json_logs import JsonFormatter
from hatsync.log_context import bound
from integrations import tasks
from integrations.models import QuickBooksConnection, SyncRecord
from integrations.services.tokens import connection_access_token
from tests.factories import make_account, make_contact, make_invoice, make_product, make_user
from tests.integrations.conftest import pay, send
from tests.sandbox_helpers import press_connect_and_consent, record_for

ROOT = Path(__file__).resolve().parents[2]
LIBRARIES = ["urllib3", "requests", "requests_oauthlib", "oauthlib", "intuitlib", "quickbooks"]


@pytest.fixture
def json_lines():
    """settings.LOGGING as HATSYNC_LOG_FORMAT=json makes it, every logger at DEBUG, written to
    a buffer; the test's own logging is put back after."""
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)
    names = [None, "django.server", *LIBRARIES, *list(logging.root.manager.loggerDict)]
    loggers = {logging.getLogger(name) for name in names}
    levels = {lg: lg.level for lg in loggers}
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    written = io.StringIO()
    handlers = [h for lg in (logging.getLogger(), logging.getLogger("django.server"))
                for h in lg.handlers]
    assert handlers and all(isinstance(h.formatter, JsonFormatter) for h in handlers)
    for handler in handlers:
        handler.setStream(written)
    try:
        yield written
    finally:
        for lg, level in levels.items():
            lg.setLevel(level)
        logging.config.dictConfig(settings.LOGGING)


def _parsed(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]  # every line is one object


@pytest.mark.django_db
def test_a_full_sync_in_json_logs_carries_its_ids_and_no_token_code_or_payload(
    served_sandbox, client, json_lines
):
    account = make_account(country="US")
    client.force_login(make_user(account=account))
    path, params = press_connect_and_consent(client)
    assert client.get(path, params).status_code == 302
    connection = QuickBooksConnection.objects.get(account=account)
    secrets = {params["code"], connection.access_token, connection.refresh_token}
    connection_access_token(connection_id=connection.pk, force=True)
    connection.refresh_from_db()
    secrets |= {connection.access_token, connection.refresh_token}

    contact = make_contact(account=account, first_name="Quillon", last_name="Marchbanks")
    product = make_product(account=account, display_name="Tessellated Portrait Session",
                           rate="987.65")
    invoice = send(make_invoice(account=account, contact=contact, number="QX-5150",
                                lines=[(product, "1", "987.65", None)]))
    pay(invoice, "987.65", reference="CHQ-771234")
    for kind in (SyncRecord.Kind.INVOICE, SyncRecord.Kind.PAYMENT):
        for record in SyncRecord.objects.filter(account=account, kind=kind):
            tasks.sync_record.apply(args=(record.pk,))  # the worker's task, signals and all

    assert record_for(invoice).state == "synced"
    output = json_lines.getvalue()
    lines = _parsed(output)
    assert len(secrets) >= 4 and len(lines) > 20
    assert [secret for secret in secrets if secret in output] == []
    private = ["Quillon", "Marchbanks", "Tessellated", "987.65", "QX-5150", "CHQ-771234",
               '"CustomerRef"', '"Line"', '"TotalAmt"', "DisplayName", "select ", "SELECT "]
    assert [word for word in private
            if word in output or word.replace(" ", "+") in output] == []
    # What an operator searches by is on the lines that know it.
    realm = connection.realm_id
    requests_made = [line for line in lines if line["message"].startswith("QuickBooks POST")]
    assert requests_made and all(line["realm"] == realm and line["intuit_tid"]
                                 and "duration_ms" in line for line in requests_made)
    writes = [line for line in requests_made if ":" in line["message"].split("/")[1]
              and "/query:" not in line["message"]]
    assert len(writes) == 4 and all(line["requestid"] for line in writes)
    attempts = [line for line in lines if line["message"].startswith("Sync of invoice:")]
    assert attempts == [{
        **attempts[0], "level": "INFO", "logger": "integrations.services.sync",
        "message": f"Sync of invoice:{invoice.pk} (create): synced", "realm": realm,
        "record_key": f"invoice:{invoice.pk}", "task": "integrations.tasks.sync_record",
    }]
    assert {"task_id", "intuit_tid", "duration_ms"} <= set(attempts[0])
    in_tasks = {line.get("task_id") for line in lines if line.get("record_key")}
    assert None not in in_tasks and len(in_tasks) == 2  # the invoice's task, the payment's


def test_the_env_switch_turns_on_json_logs_one_object_a_line():
    code = ("import logging; from hatsync.log_context import bound\n"
            "with bound(realm='9130354', task_id='t-1'):\n"
            "    logging.getLogger('integrations.x').warning('Drain of %s', 'company',"
            " extra={'duration_ms': 12, 'payload': {'Line': []}})\n"
            "logging.getLogger('integrations.x').info('code=AB11SECRET&state=1')\n")
    env = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    env["HATSYNC_LOG_FORMAT"] = "json"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60, check=True)
    first, second = _parsed(result.stderr)
    assert first == {"time": first["time"], "level": "WARNING", "logger": "integrations.x",
                     "message": "Drain of company", "realm": "9130354", "task_id": "t-1",
                     "duration_ms": 12}  # an extra that is not a log field is left out
    assert second["message"] == "code=[redacted]&state=1" and "realm" not in second


def test_an_unknown_log_format_is_refused():
    env = {**os.environ, "HATSYNC_LOG_FORMAT": "xml"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "HATSYNC_LOG_FORMAT must be 'plain' or 'json'." in result.stderr


def test_a_traceback_in_json_is_one_line_and_redacted():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Refresh failed", (), None)
    try:
        raise RuntimeError("refresh_token=AB11REFRESH was refused")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    with bound(realm="123", record_key="payment:7"):
        line = JsonFormatter().format(record)
    assert "\n" not in line and "AB11REFRESH" not in line
    parsed = json.loads(line)
    assert parsed["realm"] == "123" and parsed["record_key"] == "payment:7"
    assert "RuntimeError: refresh_token=[redacted] was refused" in parsed["exception"]


def test_a_field_that_is_not_a_log_field_cannot_be_bound():
    with pytest.raises(ValueError, match="Not a log field: payload"), bound(payload="x"):
        pass
