"""The dates a record in the books can carry. Accounting software keeps a window of years (a
mistyped 9999-12-31 cannot be synced anywhere), so the forms refuse a date outside it."""

from datetime import date

from django.core.exceptions import ValidationError

EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
OUT_OF_RANGE = (f"Use a date from {EARLIEST.year} to {LATEST.year}: accounting books cannot "
                "hold a date outside those years.")
# What the browser's date picker is told, so it offers only dates in the window too.
PICKER_LIMITS = {"min": EARLIEST.isoformat(), "max": LATEST.isoformat()}


def validate_book_date(value: date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range")
