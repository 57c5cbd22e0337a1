"""A money form sent again from a new copy of its page: what this session recorded lately, and
the rule for "this is probably the same record again".

The form token (forms.add_form_token) stops a form page submitted twice. Without JavaScript,
Back loads the form again with a new token, so the second submission looks new; the session
remembers its last records (kind, id, target, amount, date, when: small and JSON-serialisable)
so the page can ask before recording the same money twice.
"""

from collections.abc import MutableMapping
from datetime import date, timedelta
from decimal import Decimal

SESSION_KEY = "recent_records"
REMEMBERED = 20  # the last records a session keeps
WINDOW = timedelta(minutes=10)


def recent(session: MutableMapping) -> list[dict]:
    """What this session recorded lately, oldest first."""
    entries = session.get(SESSION_KEY)
    return entries if isinstance(entries, list) else []


def remember(session: MutableMapping, *, kind: str, record_id: int, target: int,
             amount: Decimal, on: date, now: float) -> None:
    """Keep a record just made (`now`: seconds since the epoch), and at most REMEMBERED."""
    entry = {"kind": kind, "id": record_id, "target": target, "amount": str(amount),
             "date": on.isoformat(), "at": now}
    session[SESSION_KEY] = [*recent(session), entry][-REMEMBERED:]


def probable_repeat(recent: list[dict], *, kind: str, target: int, amount: Decimal, on: date,
                    now: float) -> dict | None:
    """The latest of `recent` that the record about to be made probably repeats: the same kind,
    target (the invoice of a payment, the payment of a refund, the account of an expense, the
    contact of an invoice), amount and date, made within WINDOW before `now`. None if none."""
    for entry in reversed(recent):
        try:
            same = (entry["kind"] == kind and entry["target"] == target
                    and Decimal(entry["amount"]) == amount and entry["date"] == on.isoformat()
                    and 0 <= now - entry["at"] <= WINDOW.total_seconds())
        except (KeyError, TypeError, ArithmeticError):
            continue  # an entry this code did not write
        if same:
            return entry
    return None


def time_ago(seconds: float) -> str:
    """How long ago, as the message says it: "2 minutes ago"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute ago"
    return f"{minutes} minute{'' if minutes == 1 else 's'} ago"
