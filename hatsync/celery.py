"""The Celery application: tasks are autodiscovered from every installed app."""

import os

from celery import Celery

from hatsync.heartbeat import connect_worker_signals
from hatsync.json_logs import connect_worker_logging
from hatsync.log_context import connect_task_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")

app = Celery("hatsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each worker says it is alive (manage.py workers_seen). Connected here, before a worker starts.
connect_worker_signals()
# A worker's log lines: JSON or redacted as the settings say; each carries its task's id.
connect_worker_logging()
connect_task_signals()
