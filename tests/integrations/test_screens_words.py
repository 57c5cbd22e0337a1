"""Words on the integration screens (issue 20, item 15): counts in their number and only what
exists ("1 refund", never "1 refunds and fees" with no fee), "just now" instead of "0 minutes
ago", and cancelling on Intuit's consent page said calmly (tests/integrations/test_connect.py)."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from integrations import rules
from integrations.services import undo
from invoices.templatetags.hatsync_time import ago

pytestmark = pytest.mark.django_db


def progress(**counts) -> dict:
    return {"removed": 1, "payments_removed": 1, "extras_removed": 0, "fees_removed": 0,
            "skipped": [], "failed": [], **counts}


@pytest.mark.parametrize(("refunds", "fees", "words"), [
    (0, 0, ""), (1, 0, "1 refund"), (2, 0, "2 refunds"), (0, 1, "1 fee"),
    (1, 1, "1 refund and 1 fee"), (3, 2, "3 refunds and 2 fees"),
])
def test_refunds_and_fees_say_only_what_there_is(refunds, fees, words):
    assert rules.refunds_and_fees(refunds=refunds, fees=fees) == words


def test_the_undo_summary_counts_in_the_right_number():
    assert undo.summary(progress(extras_removed=1)) == (
        "Removed 1 invoice and 1 payment from QuickBooks (and 1 refund).")
    assert undo.summary(progress(removed=2, payments_removed=3, extras_removed=3,
                                 fees_removed=1)) == (
        "Removed 2 invoices and 3 payments from QuickBooks (and 2 refunds and 1 fee).")
    assert undo.summary(progress()) == "Removed 1 invoice and 1 payment from QuickBooks."


def test_a_moment_ago_is_just_now_then_naturaltime():
    now = timezone.now()
    assert ago(now) == ago(now - timedelta(seconds=59)) == "just now"
    assert ago(now - timedelta(minutes=5)) == "5\xa0minutes ago"
    assert ago(None) == ""


def test_a_check_that_just_finished_says_just_now(account):
    class Report:
        state = "finished"
        differences: list = []
        all_match, unchecked = True, 0
        invoices_checked, payments_checked = 1, 0
        started_at = finished_at = timezone.now()

    html = render_to_string("integrations/_reconcile.html", {"report": Report()})
    assert "checked just now" in html and "0 minutes" not in html


def test_the_undo_question_counts_in_the_right_number():
    plan = undo.UndoPlan(invoice_ids=[1], payments=1, extras=1, fees=0)
    assert plan.question().startswith(
        "Delete 1 invoice and its 1 payment (and 1 refund) from QuickBooks?")
    plan = undo.UndoPlan(invoice_ids=[1, 2], payments=2, extras=3, fees=2)
    assert "(and 1 refund and 2 fees)" in plan.question()
