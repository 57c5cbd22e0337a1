"""hatsync: a small-business CRM whose books follow it into QuickBooks Online."""

from .celery import app as celery_app

__all__ = ["celery_app"]
