"""The Celery application: tasks are autodiscovered from every installed app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")

app = Celery("hatsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
