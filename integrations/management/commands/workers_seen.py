"""python manage.py workers_seen [--within SECONDS] [--queue NAME] [--worker HOSTNAME]: the
Celery workers seen alive (hatsync/heartbeat.py), and an exit status an operator or a
healthcheck can act on.

Without --queue or --worker it expects a worker on each of hatsync's queues (sync and bulk).
Exit 0 when every expected queue or worker was seen within SECONDS (default 60), 1 otherwise.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hatsync.heartbeat import heartbeat_problems, workers_seen


class Command(BaseCommand):
    help = "List the Celery workers seen alive; fail when a queue or a worker is not."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--within", type=float, default=60.0,
                            help="seconds since its last heartbeat for a worker to count")
        parser.add_argument("--queue", action="append", default=[],
                            help="a queue that needs a live worker (repeatable)")
        parser.add_argument("--worker", action="append", default=[],
                            help="a worker (its Celery hostname, e.g. sync@web1) that must "
                                 "be alive (repeatable)")

    def handle(self, *args, within: float, queue: list[str], worker: list[str],
               **options) -> None:
        now = time.time()
        seen = workers_seen()
        for each in seen:
            self.stdout.write(f"{each.hostname}  queues: {', '.join(each.queues) or '-'}  "
                              f"last seen {each.age(now):.0f} s ago")
        if not seen:
            self.stdout.write("No worker has sent a heartbeat in the last day.")
        queues = queue or ([] if worker else _hatsync_queues())
        problems = heartbeat_problems(seen, now=now, within=within, queues=queues,
                                      hostnames=worker)
        if problems:
            raise CommandError(" ".join(problems))


def _hatsync_queues() -> list[str]:
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE,
                   *(route["queue"] for route in settings.CELERY_TASK_ROUTES.values())})
