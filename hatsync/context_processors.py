"""What every page shows whoever runs hatsync: where to ask for help (Intuit's app review asks
for an in-app support contact)."""

from django.conf import settings
from django.http import HttpRequest


def support(request: HttpRequest) -> dict:
    return {"support_email": settings.SUPPORT_EMAIL}
