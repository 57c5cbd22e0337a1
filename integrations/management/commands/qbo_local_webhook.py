"""python manage.py qbo_local_webhook --url URL [--wait SECONDS]: register hatsync's webhook
endpoint with the local QuickBooks sandbox (bin/demo runs it once the sandbox is up).

With Intuit, the endpoint and its verifier token are set in the developer portal instead;
this is only for QBO_ENVIRONMENT=local.
"""


from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ..local_sandbox import call_when_up


class Command(BaseCommand):
    help = "Register the webhook endpoint with the local QuickBooks sandbox."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", required=True,
                            help="where the sandbox delivers, e.g. http://127.0.0.1:8000"
                                 "/integrations/quickbooks/webhooks/")
        parser.add_argument("--wait", type=float, default=0,
                            help="seconds to wait for the sandbox to start")

    def handle(self, *args, url: str, wait: float, **options) -> None:
        if settings.QBO_ENVIRONMENT != "local":
            raise CommandError("Only for the local sandbox (QBO_ENVIRONMENT=local); with "
                               "Intuit, set the endpoint in the developer portal.")
        if not settings.QBO_WEBHOOK_VERIFIER_TOKEN:
            raise CommandError("Set QBO_WEBHOOK_VERIFIER_TOKEN first.")
        endpoint = f"{settings.QBO_LOCAL_SANDBOX_URL}/_sandbox/webhooks"
        call_when_up("POST", endpoint, wait=wait, json={
            "url": url, "verifier_token": settings.QBO_WEBHOOK_VERIFIER_TOKEN})
        self.stdout.write(f"The local QuickBooks sandbox delivers webhooks to {url}")
