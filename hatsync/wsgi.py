"""WSGI entry point (gunicorn hatsync.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hatsync.settings")

application = get_wsgi_application()
