"""python manage.py qbo_live_check --account ID: do Intuit's sandbox and the local sandbox
answer the same calls in the same shape?

Runs a short script (read Preferences and CompanyInfo; create a marked customer, item,
invoice and payment; read them back; delete, void and inactivate what it made) against the
account's connected Intuit sandbox company and against a local sandbox started in-process,
and prints each call's status, intuit_tid and time with every key-path difference.
Exit status 0 when no call differs, 1 when one does. It refuses a production connection.
"""

import tempfile

from django.core.management.base import BaseCommand, CommandError

from integrations.models import QuickBooksConnection
from integrations.qbo.environments import environment
from integrations.qbo.errors import QboError
from integrations.services import live_check
from integrations.services.tokens import client_for


class Command(BaseCommand):
    help = "Compare the shape of Intuit's sandbox answers with the local sandbox's."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", type=int, required=True,
                            help="the account whose QuickBooks connection (an Intuit sandbox "
                                 "company) to use")

    def handle(self, *args, account: int, **options) -> None:
        connection = QuickBooksConnection.objects.filter(account_id=account).first()
        if connection is None:
            raise CommandError(f"Account {account} has no QuickBooks connection.")
        if environment(connection.environment).name == "production":
            raise CommandError("This connection is to a real (production) QuickBooks company: "
                               "the live check only runs against Intuit's sandbox.")
        # The local twin is the one place hatsync's code starts the sandbox (a maintainer's tool).
        from qbo_sandbox.testing import serve

        try:
            intuit = client_for(connection)
        except QboError as error:  # not connected any more, or Intuit cannot be reached
            raise CommandError(f"QuickBooks could not be used: {error.message}") from error
        with tempfile.TemporaryDirectory() as data_dir, \
                serve(data_dir, sample_data=False) as base_url:
            local = live_check.local_twin_client(
                base_url, country=connection.country or "US",
                company_name="hatsync live check")
            calls = live_check.live_check(intuit, local)
        differing = 0
        for call in calls:
            self.stdout.write(f"{call.name}: {call.status} intuit_tid={call.intuit_tid or '-'} "
                              f"{call.seconds:.3f}s, {len(call.differences)} difference(s)")
            for line in call.differences:
                self.stdout.write(f"  {line}")
            differing += bool(call.differences)
        self.stdout.write(f"calls={len(calls)} differing={differing}")
        if differing:
            raise SystemExit(1)
