"""System story through the real worker: an invoice dated inside QuickBooks' closed period is
blocked with the closing date; one dated after it syncs."""

from datetime import date

import pytest

from tests.factories import make_invoice
from tests.integrations.conftest import send
from tests.sandbox_helpers import US_REALM
from tests.system.helpers import connected_account, settled, synced

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def test_an_invoice_in_the_closed_period_is_blocked_and_a_later_one_syncs(
    sandbox, client, celery_worker_process
):
    account = connected_account(client)
    sandbox.control("POST", f"companies/{US_REALM}/closing-date", json={"date": "2025-12-31"})
    assert client.post("/integrations/quickbooks/recheck/").status_code == 302
    closed = send(make_invoice(account=account, number="CL-1", issue_date=date(2025, 12, 20)))
    open_ = send(make_invoice(account=account, number="CL-2", issue_date=date(2026, 1, 2)))
    record = settled(closed, timeout=60)
    assert record.state == "blocked"
    assert record.last_error.startswith("QuickBooks' books are closed through Dec. 31, 2025")
    synced(open_, timeout=60)
    assert sandbox.invoices(US_REALM, "CL-1") == []
    page = client.get("/settings/integrations/").content.decode()
    assert "Books closed through Dec. 31, 2025" in page
