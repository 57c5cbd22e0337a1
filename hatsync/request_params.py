"""Reading a query string's or a form's plain values: each one is read by one of these, and a
malformed value is refused as a 400 with a sentence saying what was expected (BadParameter;
hatsync.views.bad_request shows it). An absent or empty value is the default.

Forms (Django's) check their own fields and show errors on them; these are for the values
views read themselves: ids, page numbers, filters, moments, OAuth's answer.
"""

import re
from collections.abc import Collection
from datetime import UTC, datetime

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# The largest id PostgreSQL's bigint (Django's BigAutoField) holds has 19 digits; 18 always fit.
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")
SEARCH_LENGTH = 100  # characters of a search kept; what a person types is far shorter


class BadParameter(BadRequest):
    """A value of the request that is not of the form its parameter takes. The message is a
    sentence for the person (it names the parameter, never echoes the value)."""


def whole_number(params: QueryDict, name: str, *, default: int | None = None) -> int | None:
    """A non-negative whole number written in digits (an id, a page number)."""
    value = params.get(name, "")
    if value == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BadParameter(f"“{name}” must be a whole number written in digits, like 42.")
    return int(value)


def whole_numbers(params: QueryDict, name: str) -> list[int]:
    """Every value of a repeated parameter (ticked invoices), each a whole number; empty
    values are left out. How many a view takes is the view's to say."""
    values = [value for value in params.getlist(name) if value != ""]
    if not all(_WHOLE_NUMBER.fullmatch(value) for value in values):
        raise BadParameter(f"Each “{name}” must be a whole number written in digits, like 42.")
    return [int(value) for value in values]


def page_number(params: QueryDict, name: str = "page") -> int | str:
    """A page of a list: a number (past the end is the last page, as Django's paginator
    does) or "last"; absent is the first."""
    if params.get(name, "") == "last":
        return "last"
    return whole_number(params, name, default=1)


def choice(params: QueryDict, name: str, choices: Collection[str], *, default: str = "") -> str:
    """One of `choices`; absent or empty is `default`."""
    value = params.get(name, "")
    if value == "":
        return default
    if value not in choices:
        raise BadParameter(f"“{name}” must be one of: {', '.join(sorted(choices))}.")
    return value


def search_text(params: QueryDict, name: str = "q") -> str:
    """What a person typed in a search box, trimmed and cut to SEARCH_LENGTH characters.
    NUL is refused: PostgreSQL cannot compare text holding it."""
    value = params.get(name, "")
    if "\x00" in value:
        raise BadParameter(f"“{name}” must be text without the NUL character.")
    return value.strip()[:SEARCH_LENGTH]


def ascii_text(params: QueryDict, name: str, *, max_length: int) -> str:
    """A short machine-made value (OAuth's code, state and error): printable ASCII only."""
    value = params.get(name, "")
    if len(value) > max_length or not all(" " <= c <= "~" for c in value):
        raise BadParameter(f"“{name}” must be at most {max_length} printable ASCII "
                           "characters.")
    return value


def moment(params: QueryDict, name: str) -> datetime | None:
    """An ISO 8601 date and time, like 2026-11-20T10:00:00+00:00 (without an offset: UTC)."""
    value = params.get(name, "")
    if value == "":
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed, but no such date (month 13) or offset (+99:00)
        parsed = None
    if parsed is None:
        raise BadParameter(f"“{name}” must be a date and time such as "
                           "2026-11-20T10:00:00+00:00.")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
