"""When a connection must be renewed: Intuit ends every consent five years after it was given
(its 2025 refresh-token policy), and asks apps to warn 30 and 7 days before. Pure functions."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.formats import date_format

FIRST_WARNING = timedelta(days=30)
LAST_WARNING = timedelta(days=7)


@dataclass(frozen=True)
class RenewalNotice:
    text: str
    urgent: bool  # within the last week, or already ended


def has_ended(*, hard_expires_at: datetime | None, now: datetime) -> bool:
    return hard_expires_at is not None and hard_expires_at <= now


def ended_reason(*, hard_expires_at: datetime, company_name: str) -> str:
    """The connection's status reason once Intuit's five years are over."""
    return (
        f"Intuit ended the connection to {company_name} on {_day(hard_expires_at)}: QuickBooks "
        "asks every app to be reconnected five years after it was connected. Reconnect to "
        f"{company_name}; syncing resumes where it stopped."
    )


def renewal_notice(
    *, hard_expires_at: datetime | None, now: datetime, company_name: str
) -> RenewalNotice | None:
    """The banner shown on every page from 30 days before the hard expiry (None before)."""
    if hard_expires_at is None or hard_expires_at - now > FIRST_WARNING:
        return None
    if has_ended(hard_expires_at=hard_expires_at, now=now):
        return RenewalNotice(ended_reason(hard_expires_at=hard_expires_at,
                                          company_name=company_name), urgent=True)
    days = (hard_expires_at - now).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return RenewalNotice(
        f"Your QuickBooks connection to {company_name} ends {when}, on "
        f"{_day(hard_expires_at)}: Intuit asks every app to be reconnected five years after it "
        "was connected. Reconnect now (it takes a minute) so syncing does not stop.",
        urgent=hard_expires_at - now <= LAST_WARNING,
    )


def _day(moment: datetime) -> str:
    return date_format(moment, "DATE_FORMAT")
