"""For the commands that set up the local QuickBooks sandbox (bin/demo): one call to its
control API, tried again every half second until it answers or `wait` seconds have passed
(the sandbox may still be starting)."""

import time

import requests
from django.conf import settings
from django.core.management.base import CommandError


def call_when_up(method: str, url: str, *, wait: float, **kwargs) -> requests.Response:
    deadline = time.monotonic() + wait
    while True:
        try:
            answer = requests.request(method, url, timeout=5, **kwargs)
            answer.raise_for_status()
            return answer
        except requests.RequestException as error:
            if time.monotonic() >= deadline:
                raise CommandError(f"The local sandbox could not be reached at "
                                   f"{settings.QBO_LOCAL_SANDBOX_URL} ({error}).") from error
            time.sleep(0.5)
