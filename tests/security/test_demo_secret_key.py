"""The demo's SECRET_KEY is its own: made on first run and kept in var/ (mode 0600), so the
tokens it stores cannot be decrypted with the public default (issue 21, item 8). Tokens a
demo stored under the old default stay readable until `rotate_token_key` re-encrypts them."""

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from integrations import encryption
from integrations.models import QuickBooksConnection
from tests.factories import make_account

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_DEFAULT = "django-insecure-hatsync-development-key-do-not-use-in-production"
PROBE = "from django.conf import settings; print(settings.SECRET_KEY)"


def secret_key_of_a_demo(var_dir: Path) -> str:
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"SECRET_KEY", "DJANGO_ENV", "DATABASE_URL"}}
    environment["HATSYNC_VAR_DIR"] = str(var_dir)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_demo_makes_its_own_key_on_first_run_and_keeps_it(tmp_path):
    key = secret_key_of_a_demo(tmp_path)
    path = tmp_path / "secret_key"
    assert key != PUBLIC_DEFAULT and len(key) >= 50
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key_of_a_demo(tmp_path) == key  # the next start uses the same key
    assert secret_key_of_a_demo(tmp_path / "other") != key  # another demo has its own


def stored_tokens(connection) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute("select access_token, refresh_token from integrations_quickbooksconnection "
                       "where id = %s", [connection.pk])
        return cursor.fetchone()


def readable_with(secret_key: str, connection) -> bool:
    key = encryption._derived_key(secret_key).encode()
    try:
        return all(Fernet(key).decrypt(t.encode()) for t in stored_tokens(connection))
    except Exception:
        return False


@pytest.mark.django_db
def test_tokens_stored_under_the_public_default_are_read_then_rotated_to_the_demos_key(
    settings
):
    settings.TOKEN_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = PUBLIC_DEFAULT  # a demo before this release
    connection = QuickBooksConnection.objects.create(
        account=make_account(), environment="local", realm_id="R1",
        access_token="access-secret", refresh_token="refresh-secret")
    assert readable_with(PUBLIC_DEFAULT, connection)

    settings.SECRET_KEY = "its-own-" + "k" * 60  # var/secret_key, made on the next start
    settings.TOKEN_KEY_FROM_PUBLIC_DEFAULT = PUBLIC_DEFAULT
    read = QuickBooksConnection.objects.get(pk=connection.pk)
    assert (read.access_token, read.refresh_token) == ("access-secret", "refresh-secret")

    call_command("rotate_token_key", stdout=io.StringIO())  # bin/demo runs it at start
    assert readable_with(settings.SECRET_KEY, connection)
    assert not readable_with(PUBLIC_DEFAULT, connection)


@pytest.mark.django_db
def test_a_removed_key_file_says_what_happened(settings):
    settings.TOKEN_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "first-" + "a" * 60
    connection = QuickBooksConnection.objects.create(
        account=make_account(), environment="local", realm_id="R1",
        access_token="access-secret", refresh_token="refresh-secret")
    settings.SECRET_KEY = "second-" + "b" * 60
    with pytest.raises(ValueError, match="var/secret_key was removed or replaced"):
        QuickBooksConnection.objects.get(pk=connection.pk)
