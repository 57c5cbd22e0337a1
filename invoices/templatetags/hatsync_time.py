"""When something happened, in words: "just now" for the last minute, then Django's
naturaltime ("5 minutes ago", "an hour ago"), never "0 minutes ago"."""

from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return naturaltime(value)
