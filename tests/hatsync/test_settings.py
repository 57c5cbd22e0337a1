import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-strong-test-key-" + "z" * 30


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # A production shell: none of the test session's own switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop, which check --deploy refuses).
    leave_out = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in leave_out}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=120,
    )


def test_production_refuses_to_start_with_the_default_secret_key():
    result = run_manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "Production needs its own SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_in_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.com",
        TOKEN_ENCRYPTION_KEY="x3Jm2oD5JQvHgq5m3d9aE1FZ0u2oTqM4bS8Rr7Yw6Kc=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_stays_clean_with_sentry_and_json_logs_on():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.com",
        TOKEN_ENCRYPTION_KEY="x3Jm2oD5JQvHgq5m3d9aE1FZ0u2oTqM4bS8Rr7Yw6Kc=",
        SENTRY_DSN="https://public@sentry.invalid/1", HATSYNC_LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
