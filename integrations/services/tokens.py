"""A connection's tokens: a fresh access token (refreshed once however many workers ask), the
client built with it, "needs reconnect" when QuickBooks refuses them, and re-encryption."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from .. import counters, encryption, hard_expiry
from ..models import QuickBooksConnection
from ..qbo import client as qbo
from ..qbo.errors import QboAuthError, QboError
from .outbox import mark_waiting_paused

logger = logging.getLogger(__name__)
REFRESH_MARGIN = timedelta(minutes=5)
TOKEN_FIELDS = [
    "access_token", "refresh_token", "access_token_expires_at", "refresh_token_expires_at",
    "refresh_token_hard_expires_at",
]
REFRESH_REFUSED = (
    "QuickBooks no longer accepts this connection (the sign-in expired or was "
    "revoked). Reconnect to QuickBooks; syncing resumes where it stopped."
)


def store_tokens(connection: QuickBooksConnection, tokens: qbo.Tokens, now) -> None:
    """Put freshly issued tokens and their expiries on `connection` (the caller saves)."""
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token
    connection.access_token_expires_at = now + timedelta(seconds=tokens.expires_in)
    if tokens.refresh_expires_in:
        connection.refresh_token_expires_at = now + timedelta(seconds=tokens.refresh_expires_in)
    if tokens.refresh_hard_expires_in:
        connection.refresh_token_hard_expires_at = now + timedelta(
            seconds=tokens.refresh_hard_expires_in)


def connection_mark_needs_reconnect(*, connection: QuickBooksConnection, reason: str) -> None:
    """QuickBooks refuses this connection: say why, and pause what waits in the outbox."""
    changed = QuickBooksConnection.objects.filter(pk=connection.pk).exclude(
        status=QuickBooksConnection.Status.NEEDS_RECONNECT).update(
        status=QuickBooksConnection.Status.NEEDS_RECONNECT, status_reason=reason
    )
    if not changed:  # already waiting for a reconnect: only the reason changes
        QuickBooksConnection.objects.filter(pk=connection.pk).update(status_reason=reason)
    else:
        counters.count("hatsync_reconnects_needed_total")
    connection.status = QuickBooksConnection.Status.NEEDS_RECONNECT
    connection.status_reason = reason
    mark_waiting_paused(connection)


def connection_access_token(
    *, connection_id: int, force: bool = False, rejected: str = ""
) -> str:
    """A valid access token, refreshed at most once however many workers ask at the same time.

    The refresh happens under a row lock on the connection: the second worker waits, then
    re-reads the token the first one stored and uses it (no second refresh, no lost token).
    `force` refreshes a token QuickBooks rejected (`rejected`), unless another worker has
    already replaced it.
    """
    with transaction.atomic():
        connection = QuickBooksConnection.objects.select_for_update().get(pk=connection_id)
        if not connection.is_connected:
            raise QboAuthError(connection.status_reason or "QuickBooks is not connected.")
        now = timezone.now()
        if hard_expiry.has_ended(hard_expires_at=connection.refresh_token_hard_expires_at,
                                 now=now):
            # Intuit refuses every refresh from now on: pause instead of failing each call.
            connection_mark_needs_reconnect(connection=connection, reason=hard_expiry.ended_reason(
                hard_expires_at=connection.refresh_token_hard_expires_at,
                company_name=connection.company_name))
            logger.warning("QuickBooks connection %s reached its hard expiry", connection.pk)
            return ""
        fresh = (
            connection.access_token
            and connection.access_token_expires_at
            and connection.access_token_expires_at - REFRESH_MARGIN > now
        )
        if fresh and not force:
            return connection.access_token
        if rejected and connection.access_token != rejected and fresh:
            return connection.access_token  # another worker already replaced the rejected one
        try:
            tokens = qbo.refresh_tokens(
                env_name=connection.environment, refresh_token=connection.refresh_token
            )
        except QboAuthError:
            counters.count("hatsync_token_refreshes_total", result="refused")
            connection_mark_needs_reconnect(connection=connection, reason=REFRESH_REFUSED)
            logger.warning("QuickBooks refresh refused for connection %s", connection.pk)
            return ""
        except QboError:
            counters.count("hatsync_token_refreshes_total", result="unavailable")
            raise
        counters.count("hatsync_token_refreshes_total", result="refreshed")
        store_tokens(connection, tokens, now)
        connection.save(update_fields=TOKEN_FIELDS)  # never overwrite a settings re-check
        logger.info("Refreshed QuickBooks tokens for connection %s", connection.pk)
        return connection.access_token


def client_for(connection: QuickBooksConnection) -> qbo.QboClient:
    """A client for the company with a valid access token; QboAuthError when it needs
    reconnecting."""
    token = connection_access_token(connection_id=connection.pk)
    if not token:
        connection.refresh_from_db()
        raise QboAuthError(connection.status_reason)
    return qbo.QboClient(
        env_name=connection.environment, realm_id=connection.realm_id, access_token=token,
    )


def connection_tokens_rotate_key() -> int:
    """Re-encrypt every stored token with the newest TOKEN_ENCRYPTION_KEY, so the older keys
    can be removed. Returns how many connections were rewritten.

    The ciphertext is read and written as it is stored (cast to plain text), each row under
    its lock: a refresh running meanwhile is never overwritten with the tokens it replaced."""
    fields = ("access_token", "refresh_token")
    rotated = 0
    for pk in QuickBooksConnection.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            stored = (QuickBooksConnection.objects.select_for_update().filter(pk=pk)
                      .values(**{f"stored_{f}": Cast(f, TextField()) for f in fields}).first())
            changes = {
                f: Value(encryption.rotate(stored[f"stored_{f}"]), output_field=TextField())
                for f in fields if stored and stored[f"stored_{f}"]
            }
            if changes:
                QuickBooksConnection.objects.filter(pk=pk).update(**changes)
                rotated += 1
    return rotated
