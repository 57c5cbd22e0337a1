"""Connecting an account to a QuickBooks company (Intuit's OAuth consent) and disconnecting it."""

import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from invoices.models import Account, User

from .. import rules
from ..models import QuickBooksConnection
from ..qbo import client as qbo
from ..qbo.environments import environment
from ..qbo.errors import QboError
from .company_settings import connection_check_settings
from .outbox import mark_waiting_paused, resume_paused
from .tokens import TOKEN_FIELDS, connection_access_token, store_tokens

SESSION_STATE_KEY = "qbo_oauth_state"
SESSION_RECONNECT_KEY = "qbo_oauth_reconnect_realm"  # a reconnect must come back to this company


class ConnectError(Exception):
    """Connecting did not work; the message is shown to the user as it is."""


class ConnectCancelled(ConnectError):
    """The person pressed Cancel on Intuit's consent page: their choice, not an error."""


# Says nothing of the other account (not its name, not that it exists under any name).
HELD_BY_ANOTHER_ACCOUNT = (
    "This QuickBooks company is already connected to another hatsync account. Disconnect it "
    "there first, or choose another company."
)


def company_held_by_another_account(*, account: Account, realm_id: str, env_name: str) -> bool:
    """Whether another hatsync account holds this QuickBooks company now (connected, or
    waiting to be reconnected). A disconnected connection holds nothing."""
    return (QuickBooksConnection.objects.filter(realm_id=realm_id, environment=env_name)
            .exclude(status=QuickBooksConnection.Status.DISCONNECTED)
            .exclude(account=account).exists())


def connection_start(
    *, session, account: Account, redirect_uri: str, same_company_as: str = ""
) -> str:
    """Begin the OAuth flow: a random state bound to this session, and Intuit's consent URL.

    `same_company_as` (a realm id) makes it a reconnect: the sign-in must come back to it."""
    session.pop(SESSION_RECONNECT_KEY, None)
    if same_company_as:
        session[SESSION_RECONNECT_KEY] = same_company_as
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
    same_company_as = session.pop(SESSION_RECONNECT_KEY, "")
    if params.get("error"):
        if params["error"] == "access_denied":
            raise ConnectCancelled(
                "You cancelled connecting to QuickBooks; nothing was changed. Press “Connect "
                "to QuickBooks” when you are ready.")
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
    if company_held_by_another_account(account=account, realm_id=realm_id, env_name=env_name):
        # Refused before the code is exchanged: no tokens are asked for, so none is stored
        # and none needs revoking (a revoke could cut the other account's connection).
        raise ConnectError(HELD_BY_ANOTHER_ACCOUNT)
    try:
        tokens = qbo.exchange_code(
            env_name=env_name, code=code, realm_id=realm_id, redirect_uri=redirect_uri
        )
    except QboError as error:
        reference = (f" Reference for Intuit support: {error.intuit_tid}."
                     if error.intuit_tid else "")
        raise ConnectError(f"QuickBooks did not accept the sign-in: {error.message}"
                           f"{reference}") from error
    if same_company_as and realm_id != same_company_as:
        qbo.revoke(env_name=env_name, token=tokens.refresh_token)
        connection = QuickBooksConnection.objects.filter(account=account).first()
        name = connection.company_name if connection else "the company you were connected to"
        raise ConnectError(
            f"You signed in to a different QuickBooks company. Reconnecting must choose "
            f"{name}: press Reconnect again and pick {name}. Nothing was changed."
        )

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

    try:
        connection, note = _hold_company(account=account, user=user, env_name=env_name,
                                         realm_id=realm_id, company_name=company_name,
                                         country=country, tokens=tokens)
    except IntegrityError as error:
        # Two accounts finished connecting this company at once and the other one's came
        # first (the constraint connection_one_account_per_company): these tokens are
        # dropped, never stored. Not revoked: the other account's connection goes on.
        if not company_held_by_another_account(account=account, realm_id=realm_id,
                                               env_name=env_name):
            raise
        raise ConnectError(HELD_BY_ANOTHER_ACCOUNT) from error
    try:
        connection_check_settings(connection=connection, client=client)
    except QboError as error:
        note = (f"{note} " if note else "") + (
            f"Connected, but the QuickBooks settings could not be read yet ({error.message}). "
            "Press Re-check settings; syncing reads them first in the meantime."
        )
    resume_paused(connection=connection)  # a reconnect carries on where it stopped
    return connection, note


def _hold_company(*, account: Account, user: User, env_name: str, realm_id: str,
                  company_name: str, country: str, tokens) -> tuple[QuickBooksConnection, str]:
    """Store the account's connection to this company (IntegrityError: another account
    holds it: the constraint connection_one_account_per_company)."""
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
        store_tokens(connection, tokens, now)
        connection.status = QuickBooksConnection.Status.CONNECTED
        connection.status_reason, connection.writes_refused_at = "", None
        if note or not connection.pk:
            connection.connected_at = now
        if note:  # accounts and tax codes chosen in the other company mean nothing here
            connection.tax_code_map = {}
            connection.deposit_account_id = connection.discount_account_id = ""
            connection.fee_account_id = ""
        connection.connected_by = user
        connection.save()
    return connection, note


def connection_disconnect(*, connection: QuickBooksConnection) -> None:
    """Revoke the tokens and forget them; sync records stay, so a reconnect picks up again."""
    if connection.refresh_token:
        qbo.revoke(env_name=connection.environment, token=connection.refresh_token)
    _forget_tokens(connection, reason="Disconnected by you. Connect again to resume syncing.")


DISCONNECTED_IN_QUICKBOOKS = (
    "Disconnected in QuickBooks (its Apps page). Connect again to resume syncing."
)


def connection_disconnected_in_quickbooks(*, connection: QuickBooksConnection) -> bool:
    """QuickBooks sent the user to the Disconnect URL after they disconnected hatsync there.

    A link alone must not disconnect anyone (anyone can send one), so this is believed only
    when QuickBooks refuses the connection's refresh token; the outbox is kept as for any
    disconnect. False when QuickBooks still accepts it (nothing changes, the new tokens are
    kept). QboError when QuickBooks cannot be reached to tell."""
    if connection.is_connected and connection.refresh_token:
        if connection_access_token(connection_id=connection.pk, force=True):
            return False
        connection.refresh_from_db()
    if connection.status != QuickBooksConnection.Status.DISCONNECTED:
        _forget_tokens(connection, reason=DISCONNECTED_IN_QUICKBOOKS)
    return True


def _forget_tokens(connection: QuickBooksConnection, *, reason: str) -> None:
    connection.access_token = ""
    connection.refresh_token = ""
    connection.access_token_expires_at = None
    connection.refresh_token_hard_expires_at = None
    connection.status = QuickBooksConnection.Status.DISCONNECTED
    connection.status_reason = reason
    connection.save(update_fields=[*TOKEN_FIELDS, "status", "status_reason"])
    mark_waiting_paused(connection)
