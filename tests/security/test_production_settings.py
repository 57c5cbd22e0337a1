"""Production settings, as a production process loads them: secure cookies, HSTS, the CSP.

(`check --deploy` staying clean is tests/hatsync/test_settings.py.)
"""

import json

from tests.hatsync.test_settings import STRONG_KEY, run_manage

PROBE = """
import json
from django.conf import settings
from django.test import Client
response = Client().get("/", secure=True, HTTP_HOST="example.com")
print(json.dumps({
    "headers": dict(response.headers),
    "settings": {name: getattr(settings, name) for name in (
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS")},
}))
"""


def test_production_sends_hsts_and_the_csp_and_keeps_cookies_to_https():
    result = run_manage(
        "shell", "-c", PROBE, DJANGO_ENV="production", SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="example.com",
        TOKEN_ENCRYPTION_KEY="x3Jm2oD5JQvHgq5m3d9aE1FZ0u2oTqM4bS8Rr7Yw6Kc=",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["settings"] == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }
    headers = answer["headers"]
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload")
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
