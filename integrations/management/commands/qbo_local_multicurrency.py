"""python manage.py qbo_local_multicurrency [--countries CA,GB] [--wait SECONDS]: turn
multicurrency on in the local QuickBooks sandbox's companies of those countries (bin/demo
runs it, so the demo's US-dollar and euro clients sync).

In QuickBooks itself the owner turns it on (Settings > Account and settings > Advanced >
Currency), and it cannot be turned off again: hatsync never turns it on in a real company.
"""

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ..local_sandbox import call_when_up


class Command(BaseCommand):
    help = "Turn multicurrency on in the local QuickBooks sandbox's companies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--countries", default="CA,GB",
                            help="the companies' countries, comma-separated (default CA,GB)")
        parser.add_argument("--wait", type=float, default=0,
                            help="seconds to wait for the sandbox to start")

    def handle(self, *args, countries: str, wait: float, **options) -> None:
        if settings.QBO_ENVIRONMENT != "local":
            raise CommandError("Only for the local sandbox (QBO_ENVIRONMENT=local): in "
                               "QuickBooks the owner turns multicurrency on, for good.")
        base = f"{settings.QBO_LOCAL_SANDBOX_URL}/_sandbox"
        wanted = {code.strip().upper() for code in countries.split(",") if code.strip()}
        answer = call_when_up("GET", f"{base}/companies", wait=wait)
        for company in answer.json()["companies"]:
            if company.get("country") not in wanted:
                continue
            realm = company["realm_id"]
            turned = requests.patch(f"{base}/companies/{realm}/preferences", timeout=5,
                                    json={"multicurrency": True})
            if turned.ok:
                self.stdout.write(f"Multicurrency is on in {company.get('name', realm)}.")
            else:
                self.stdout.write(f"{company.get('name', realm)}: {turned.text.strip()}")
