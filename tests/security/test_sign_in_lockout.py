"""Repeated failed sign-ins (django-axes): after SIGN_IN_FAILURE_LIMIT failures for a username
from one address, that username is refused from there, right password or not, until the
cool-off ends. No message says whether the username exists."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"  # tests/factories.py
LOCKED = "Too many failed sign-ins"


PROXY = "172.18.0.2"  # the reverse proxy's address: every client behind it arrives from here


def sign_in(username: str, password: str, address: str = "203.0.113.7",
            forwarded_for: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return Client(REMOTE_ADDR=address, **headers).post(
        reverse("login"), {"username": username, "password": password})


def fail(username: str, times: int, address: str = "203.0.113.7",
         forwarded_for: str | None = None):
    for _ in range(times):
        response = sign_in(username, "wrong password", address, forwarded_for)
    return response


@pytest.fixture
def alice(db):
    return make_user(account=make_account(), username="alice")


def test_five_failures_lock_the_username_out_even_with_the_right_password(alice, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert LOCKED not in fail("alice", 4).content.decode()
    fifth = fail("alice", 1)
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()

    response = sign_in("alice", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page and "paused for 15 minutes" in page
    assert 'name="username"' in page  # the sign-in form is still there, for later


def test_the_lockout_ends_after_the_cool_off(alice):
    fail("alice", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in("alice", PASSWORD).status_code == 302


def test_the_lockout_holds_for_that_username_from_that_address_only(alice):
    bob = make_user(account=alice.account, username="bob")
    fail("alice", 5)
    assert sign_in("alice", PASSWORD, address="198.51.100.1").status_code == 302
    assert sign_in(bob.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(alice):
    fail("alice", 4)
    assert sign_in("alice", PASSWORD).status_code == 302
    assert fail("alice", 4).status_code == 200  # not locked: the count started again


def test_an_unknown_username_and_a_wrong_password_get_the_same_answer(alice):
    unknown, wrong = sign_in("nobody-here", "wrong password"), sign_in("alice", "wrong password")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert "Please enter a correct username and password" in wrong.content.decode()
    # Locked out, too: the same page whether the username exists or not.
    unknown, wrong = fail("nobody-here", 5), fail("alice", 5)
    assert unknown.status_code == wrong.status_code == 429
    assert without_csrf_token(unknown) == without_csrf_token(wrong)


# --- behind a reverse proxy (TRUSTED_PROXY_COUNT) ----------------------------------------------
def test_behind_one_proxy_a_locked_out_client_leaves_another_client_free(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    locked = fail("alice", 5, address=PROXY, forwarded_for="203.0.113.7")
    assert locked.status_code == 429
    assert sign_in("alice", PASSWORD, address=PROXY, forwarded_for="203.0.113.7").status_code == 429
    # Another client, through the same proxy: its own address, its own count.
    other = sign_in("alice", PASSWORD, address=PROXY, forwarded_for="198.51.100.1")
    assert other.status_code == 302
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_behind_one_proxy_a_forged_forwarded_for_cannot_escape_the_lockout(alice, settings):
    """The proxy appends the address it saw to whatever X-Forwarded-For the client sent: only
    the right-most entry is the proxy's word, everything before it is the client's."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        sign_in("alice", "wrong password", address=PROXY, forwarded_for=f"10.0.0.{n}, 203.0.113.7")
    forged = sign_in("alice", PASSWORD, address=PROXY, forwarded_for="198.51.100.1, 203.0.113.7")
    assert forged.status_code == 429
    assert sign_in("alice", PASSWORD, address=PROXY, forwarded_for="203.0.113.7").status_code == 429


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0  # the default: hatsync is reached directly
    for n in range(5):
        sign_in("alice", "wrong password", forwarded_for=f"198.51.100.{n}")
    assert sign_in("alice", PASSWORD, forwarded_for="192.0.2.44").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
