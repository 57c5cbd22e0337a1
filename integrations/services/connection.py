"""Connecting an account to a QuickBooks company, keeping its tokens fresh, reading its settings."""

import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from invoices.models import Account, Product, TaxRate, User

from .. import encryption, rules
from ..models import QuickBooksConnection
from ..qbo import client as qbo
from ..qbo.environments import environment
from ..qbo.errors import QboAuthError, QboError
from .accounts import accounts_checklist, read_accounts
from .outbox import mark_waiting_paused, resume_paused

logger = logging.getLogger(__name__)
SESSION_STATE_KEY = "qbo_oauth_state"
REFRESH_MARGIN = timedelta(minutes=5)
TOKEN_FIELDS = [
    "access_token", "refresh_token", "access_token_expires_at", "refresh_token_expires_at",
]


class ConnectError(Exception):
    """Connecting did not work; the message is shown to the user as it is."""


def connection_for(account: Account) -> QuickBooksConnection | None:
    return QuickBooksConnection.objects.filter(account=account).first()


def connection_start(*, session, account: Account, redirect_uri: str) -> str:
    """Begin the OAuth flow: a random state bound to this session, and Intuit's consent URL."""
    if not rules.is_supported_country(account.country):
        raise ConnectError(
            f"QuickBooks Online sync is available for businesses in the United States, Canada "
            f"and the United Kingdom; this account is in {account.get_country_display()}."
        )
    state = secrets.token_urlsafe(32)
    session[SESSION_STATE_KEY] = state
    try:
        return qbo.authorization_url(
            env_name=environment().name, redirect_uri=redirect_uri, state=state
        )
    except QboError as error:
        raise ConnectError(f"QuickBooks could not be reached: {error.message}") from error


def connection_complete(
    *, session, account: Account, user: User, params: dict, redirect_uri: str
) -> tuple[QuickBooksConnection, str]:
    """Finish the OAuth flow. Returns the connection and a note for the user (may be empty)."""
    expected = session.pop(SESSION_STATE_KEY, None)
    if params.get("error"):
        if params["error"] == "access_denied":
            raise ConnectError("You cancelled the connection in QuickBooks; nothing was changed.")
        raise ConnectError(f"QuickBooks did not connect ({params['error']}).")
    if not expected or not secrets.compare_digest(expected, params.get("state", "")):
        raise ConnectError(
            "That QuickBooks sign-in did not start here (or it expired). Press "
            "“Connect to QuickBooks” again."
        )
    code, realm_id = params.get("code", ""), params.get("realmId", "")
    if not code or not realm_id:
        raise ConnectError("QuickBooks sent back an incomplete answer. Please try again.")

    env_name = environment().name
    try:
        tokens = qbo.exchange_code(
            env_name=env_name, code=code, realm_id=realm_id, redirect_uri=redirect_uri
        )
    except QboError as error:
        raise ConnectError(f"QuickBooks did not accept the sign-in: {error.message}") from error

    client = qbo.QboClient(env_name=env_name, realm_id=realm_id, access_token=tokens.access_token)
    try:
        info = client.company_info()
    except QboError as error:
        qbo.revoke(env_name=env_name, token=tokens.refresh_token)
        raise ConnectError(f"QuickBooks company details could not be read: {error}") from error
    country = (info.get("Country") or "").upper()
    company_name = info.get("CompanyName", "")
    if not rules.is_supported_country(country):
        qbo.revoke(env_name=env_name, token=tokens.refresh_token)
        raise ConnectError(
            f"{company_name} is a QuickBooks company in {country or 'an unknown country'}. "
            "hatsync syncs only with companies in the United States, Canada and the United "
            "Kingdom, so nothing was connected."
        )

    note = ""
    with transaction.atomic():
        connection = (
            QuickBooksConnection.objects.select_for_update().filter(account=account).first()
            or QuickBooksConnection(account=account)
        )
        if connection.realm_id and connection.realm_id != realm_id:
            note = (
                f"You connected to {company_name}, a different QuickBooks company from "
                f"{connection.company_name}. hatsync starts a fresh mapping: invoices go to "
                f"{company_name} when they are synced; nothing was deleted from "
                f"{connection.company_name}."
            )
        now = timezone.now()
        connection.environment = env_name
        connection.realm_id = realm_id
        connection.company_name = company_name
        connection.country = country
        _store_tokens(connection, tokens, now)
        connection.status = QuickBooksConnection.Status.CONNECTED
        connection.status_reason = ""
        if note or not connection.pk:
            connection.connected_at = now
        connection.connected_by = user
        connection.save()
    try:
        connection_check_settings(connection=connection, client=client)
    except QboError as error:
        note = (f"{note} " if note else "") + (
            f"Connected, but the QuickBooks settings could not be read yet ({error.message}). "
            "Press Re-check settings; syncing reads them first in the meantime."
        )
    resume_paused(connection=connection)  # a reconnect carries on where it stopped
    return connection, note


def _store_tokens(connection: QuickBooksConnection, tokens: qbo.Tokens, now) -> None:
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token
    connection.access_token_expires_at = now + timedelta(seconds=tokens.expires_in)
    if tokens.refresh_expires_in:
        connection.refresh_token_expires_at = now + timedelta(seconds=tokens.refresh_expires_in)


def connection_mark_needs_reconnect(*, connection: QuickBooksConnection, reason: str) -> None:
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        status=QuickBooksConnection.Status.NEEDS_RECONNECT, status_reason=reason
    )
    connection.status = QuickBooksConnection.Status.NEEDS_RECONNECT
    connection.status_reason = reason
    mark_waiting_paused(connection)


class CompanyBusy(Exception):
    """Another worker is writing to this company right now."""


class LeaseLost(Exception):
    """This worker's hold on the company ran out (another may be writing): stop writing."""


@contextmanager
def connection_lease(*, connection_id: int) -> Iterator[Callable[[], bool]]:
    """Hold the company for one push: one writer per company, with no database transaction
    (nor row lock) kept open while QuickBooks answers. Taking and giving back the lease are
    single UPDATEs; a lease whose holder died runs out after QBO_LEASE_SECONDS. Waits up to
    QBO_LEASE_WAIT_SECONDS for a busy company, then raises CompanyBusy.

    Yields `renew()`: the holder calls it before each request (and, while batches are in
    flight, every few seconds) to push the expiry on; it writes at most every quarter of the
    lease, and False means the lease was lost (it ran out and another worker took it): the
    holder must not write again."""
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + settings.QBO_LEASE_WAIT_SECONDS
    while True:
        now = timezone.now()
        taken = QuickBooksConnection.objects.filter(pk=connection_id).filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        ).update(lease_owner=owner,
                 lease_expires_at=now + timedelta(seconds=settings.QBO_LEASE_SECONDS))
        if taken:
            break
        if time.monotonic() >= deadline:
            raise CompanyBusy
        time.sleep(0.05)

    renewed = [time.monotonic()]

    def renew() -> bool:
        if time.monotonic() - renewed[0] < settings.QBO_LEASE_SECONDS / 4:
            return True  # renewed a moment ago: still ours until well after now
        expires = timezone.now() + timedelta(seconds=settings.QBO_LEASE_SECONDS)
        kept = bool(QuickBooksConnection.objects.filter(pk=connection_id, lease_owner=owner)
                    .update(lease_expires_at=expires))
        if kept:
            renewed[0] = time.monotonic()
        return kept

    try:
        yield renew
    finally:
        QuickBooksConnection.objects.filter(pk=connection_id, lease_owner=owner).update(
            lease_owner="", lease_expires_at=None)


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
            reason = (
                "QuickBooks no longer accepts this connection (the sign-in expired or was "
                "revoked). Reconnect to QuickBooks; syncing resumes where it stopped."
            )
            connection.status = QuickBooksConnection.Status.NEEDS_RECONNECT
            connection.status_reason = reason
            connection.save(update_fields=["status", "status_reason"])
            mark_waiting_paused(connection)
            logger.warning("QuickBooks refresh refused for connection %s", connection.pk)
            return ""
        _store_tokens(connection, tokens, now)
        connection.save(update_fields=TOKEN_FIELDS)  # never overwrite a settings re-check
        logger.info("Refreshed QuickBooks tokens for connection %s", connection.pk)
        return connection.access_token


def client_for(connection: QuickBooksConnection) -> qbo.QboClient:
    token = connection_access_token(connection_id=connection.pk)
    if not token:
        connection.refresh_from_db()
        raise QboAuthError(connection.status_reason)
    return qbo.QboClient(
        env_name=connection.environment, realm_id=connection.realm_id, access_token=token,
    )


def read_company_settings(client: qbo.QboClient) -> dict:
    prefs = client.preferences()
    sales = prefs.get("SalesFormsPrefs", {})
    other = {
        pair.get("Name"): str(pair.get("Value", "")).lower()
        for pair in prefs.get("OtherPrefs", {}).get("NameValue", [])
    }
    tax_codes = {
        code["Name"]: code["Id"]
        for code in client.query("select * from TaxCode where Active = true maxresults 1000")
    }
    chart = read_accounts(client)  # one query: also the accounts money goes to
    accounts = [{"Id": a["id"], "Name": a["name"]} for a in chart if a["type"] == "Income"]
    preferred = ("services", "sales of product income", "sales", "income")
    accounts.sort(key=lambda a: next(
        (i for i, name in enumerate(preferred) if a.get("Name", "").lower() == name), 99))
    return {
        "custom_txn_numbers": bool(sales.get("CustomTxnNumbers")),
        "gratuity": other.get("SalesFormsPrefs.AllowGratuity") == "true",
        "sales_tax": bool(prefs.get("TaxPrefs", {}).get("UsingSalesTax")),
        "tax_codes": tax_codes,
        "income_account_id": accounts[0]["Id"] if accounts else "",
        "income_account_name": accounts[0].get("Name", "") if accounts else "",
        "accounts": chart,
    }


def connection_check_settings(
    *, connection: QuickBooksConnection, client: qbo.QboClient | None = None
) -> dict:
    """Read the QuickBooks settings the sync depends on (at connect and on “Re-check”)."""
    client = client or client_for(connection)
    snapshot = read_company_settings(client)
    connection.settings_snapshot = snapshot
    connection.settings_checked_at = timezone.now()
    connection.save(update_fields=["settings_snapshot", "settings_checked_at"])
    return snapshot


def connection_checklist(*, connection: QuickBooksConnection) -> list[dict]:
    account = connection.account
    untaxable = Product.objects.filter(account=account, taxable=False)
    return rules.settings_checklist(
        country=connection.country,
        snapshot=connection.settings_snapshot,
        crm_tax_rate_names=TaxRate.objects.filter(account=account).values_list("name", flat=True),
        untaxable_products=untaxable.values_list("display_name", flat=True),
    ) + accounts_checklist(connection)


def connection_disconnect(*, connection: QuickBooksConnection) -> None:
    """Revoke the tokens and forget them; sync records stay, so a reconnect picks up again."""
    if connection.refresh_token:
        qbo.revoke(env_name=connection.environment, token=connection.refresh_token)
    connection.access_token = ""
    connection.refresh_token = ""
    connection.access_token_expires_at = None
    connection.status = QuickBooksConnection.Status.DISCONNECTED
    connection.status_reason = "Disconnected by you. Connect again to resume syncing."
    connection.save(update_fields=[*TOKEN_FIELDS, "status", "status_reason"])
    mark_waiting_paused(connection)


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
