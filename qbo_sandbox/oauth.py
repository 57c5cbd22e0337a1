"""Intuit's OAuth 2.0 server as intuit-oauth's AuthClient uses it: discovery, codes, tokens.

Refresh tokens behave as QBO-FACTS.md describes: a refresh returns the same refresh token value
until `refresh_token_rotation` sandbox seconds after it was issued, then a new value; the old
value then fails with invalid_grant, as do revoked and expired ones. Every consent (grant) also
has a hard expiry `refresh_token_hard_lifetime` seconds after it (Intuit's 5-year limit, 2025):
no refresh token of it outlives it, and a token call sent with the header
`x-include-refresh-token-hard-expires-in: true` answers `x_refresh_token_hard_expires_in`.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from . import faults
from .limits import Config
from .store import Store

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"


class OAuthError(Exception):
    """An RFC 6749 error response: HTTP status plus {"error": ...}."""

    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


def discovery_document(base: str) -> dict[str, Any]:
    """Every key intuitlib reads (client.py __init__), pointing at this host."""
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/connect/oauth2",
        "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
        "jwks_uri": f"{base}/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone",
                             ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }


@dataclass
class TokenGrant:
    """What a valid bearer token is good for."""

    realm_id: str
    client_id: str
    grant_id: str


class OAuthServer:
    def __init__(self, store: Store, config: Config, client_id: str, client_secret: str) -> None:
        self.store = store
        self.config = config
        self.client_id = client_id
        self.client_secret = client_secret

    # authorization ------------------------------------------------------------------------
    def check_authorize_request(self, args: dict[str, str]) -> None:
        """Raise OAuthError for a request the consent page must refuse."""
        if args.get("client_id") != self.client_id:
            raise OAuthError(400, "invalid_client", "Unknown client_id for this app.")
        if args.get("response_type") != "code":
            raise OAuthError(400, "unsupported_response_type", "response_type must be code.")
        if ACCOUNTING_SCOPE not in args.get("scope", "").split():
            raise OAuthError(400, "invalid_scope", f"The scope must include {ACCOUNTING_SCOPE}.")
        if not args.get("redirect_uri"):
            raise OAuthError(400, "invalid_request", "redirect_uri is required.")

    def issue_code(self, *, realm_id: str, redirect_uri: str, scope: str, now: float) -> str:
        code = "AB1" + secrets.token_urlsafe(36).replace("-", "x").replace("_", "y")
        self.store.execute(
            "INSERT INTO auth_codes (code, client_id, redirect_uri, realm_id, scope, expires_at,"
            " used) VALUES (?, ?, ?, ?, ?, ?, 0)",
            (code, self.client_id, redirect_uri, realm_id, scope,
             now + self.config.auth_code_lifetime),
        )
        return code

    # token endpoint -----------------------------------------------------------------------
    def authenticate_client(self, authorization: str | None, form: dict[str, str]) -> None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
                client_id, _, secret = decoded.partition(":")
            except ValueError:
                client_id = secret = None
        if client_id != self.client_id or secret != self.client_secret:
            raise OAuthError(401, "invalid_client")

    def token(self, form: dict[str, str], now: float, *, with_hard_expiry: bool = False
              ) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        with self.store.transaction():
            if grant_type == "authorization_code":
                body = self._exchange_code(form, now)
            elif grant_type == "refresh_token":
                body = self._refresh(form, now)
            else:
                raise OAuthError(400, "unsupported_grant_type")
            hard = body.pop("hard_expires_at")
        if with_hard_expiry:
            body["x_refresh_token_hard_expires_in"] = int(hard - now)
        return body

    def _hard_expires_at(self, grant_id: str) -> float:
        return self.store.row("SELECT hard_expires_at FROM grants WHERE grant_id = ?",
                              (grant_id,))["hard_expires_at"]

    def _exchange_code(self, form: dict[str, str], now: float) -> dict[str, Any]:
        row = self.store.row("SELECT * FROM auth_codes WHERE code = ?", (form.get("code", ""),))
        if row is None or row["used"] or row["expires_at"] <= now:
            raise OAuthError(400, "invalid_grant")
        self.store.execute("UPDATE auth_codes SET used = 1 WHERE code = ?", (row["code"],))
        if form.get("redirect_uri") != row["redirect_uri"]:
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match the one used "
                             "to authorize.")
        grant_id = secrets.token_hex(8)
        self.store.execute(
            "INSERT INTO grants (grant_id, realm_id, hard_expires_at) VALUES (?, ?, ?)",
            (grant_id, row["realm_id"], now + self.config.refresh_token_hard_lifetime),
        )
        refresh = self._new_refresh_token(grant_id, row["realm_id"], row["scope"], now)
        return self._token_response(grant_id, row["realm_id"], refresh, now,
                                    self._remaining(grant_id, refresh, now))

    def _refresh(self, form: dict[str, str], now: float) -> dict[str, Any]:
        row = self.store.row(
            "SELECT * FROM refresh_tokens WHERE token = ?", (form.get("refresh_token", ""),)
        )
        if row is None or row["state"] != "active" or row["expires_at"] <= now:
            raise OAuthError(400, "invalid_grant")
        if row["client_id"] != self.client_id:
            raise OAuthError(400, "invalid_grant")
        token = row["token"]
        if now - row["issued_at"] >= self.config.refresh_token_rotation:
            self.store.execute(
                "UPDATE refresh_tokens SET state = 'superseded' WHERE token = ?", (token,)
            )
            token = self._new_refresh_token(row["grant_id"], row["realm_id"], row["scope"], now)
        return self._token_response(row["grant_id"], row["realm_id"], token, now,
                                    self._remaining(row["grant_id"], token, now))

    def _remaining(self, grant_id: str, token: str, now: float) -> int:
        expires_at = self.store.row("SELECT expires_at FROM refresh_tokens WHERE token = ?",
                                    (token,))["expires_at"]
        return int(expires_at - now)

    def _new_refresh_token(self, grant_id: str, realm_id: str, scope: str, now: float) -> str:
        token = f"AB11{int(now)}" + secrets.token_urlsafe(30).replace("-", "a").replace("_", "b")
        self.store.execute(
            "INSERT INTO refresh_tokens (token, grant_id, client_id, realm_id, scope, issued_at,"
            " expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'active')",
            (token, grant_id, self.client_id, realm_id, scope, now,
             min(now + self.config.refresh_token_lifetime, self._hard_expires_at(grant_id))),
        )
        return token

    def _token_response(
        self, grant_id: str, realm_id: str, refresh: str, now: float, refresh_remaining: int
    ) -> dict[str, Any]:
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(96)
        self.store.execute(
            "INSERT INTO access_tokens (token, grant_id, client_id, realm_id, expires_at, revoked)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            (access, grant_id, self.client_id, realm_id, now + self.config.access_token_lifetime),
        )
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": self.config.access_token_lifetime,
            "x_refresh_token_expires_in": refresh_remaining,
            "hard_expires_at": self._hard_expires_at(grant_id),  # answered only when asked
        }

    # revocation ---------------------------------------------------------------------------
    def revoke(self, token: str) -> None:
        """Revoke the grant behind a refresh or access token: all its tokens stop working."""
        with self.store.transaction():
            row = self.store.row(
                "SELECT grant_id FROM refresh_tokens WHERE token = ? UNION "
                "SELECT grant_id FROM access_tokens WHERE token = ?", (token, token),
            )
            if row is None:
                return  # RFC 7009: an unknown token is not an error
            self.store.execute(
                "UPDATE refresh_tokens SET state = 'revoked' WHERE grant_id = ?", (row["grant_id"],)
            )
            self.store.execute(
                "UPDATE access_tokens SET revoked = 1 WHERE grant_id = ?", (row["grant_id"],)
            )

    def is_connected(self, realm_id: str, now: float) -> bool:
        """Whether this app holds a working refresh token for the company (its Apps page)."""
        return self.store.row(
            "SELECT 1 FROM refresh_tokens WHERE realm_id = ? AND client_id = ? AND "
            "state = 'active' AND expires_at > ?", (realm_id, self.client_id, now),
        ) is not None

    def revoke_company(self, realm_id: str) -> None:
        """Disconnect in QuickBooks' Apps page: every grant this app has for the company."""
        with self.store.transaction():
            self.store.execute(
                "UPDATE refresh_tokens SET state = 'revoked' WHERE realm_id = ? AND client_id = ?",
                (realm_id, self.client_id),
            )
            self.store.execute(
                "UPDATE access_tokens SET revoked = 1 WHERE realm_id = ? AND client_id = ?",
                (realm_id, self.client_id),
            )

    # bearer tokens ------------------------------------------------------------------------
    def check_bearer(self, authorization: str | None, now: float) -> TokenGrant:
        """The grant behind an API call's bearer token, or the 401 fault Intuit answers."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise faults.authentication_failed("Token invalid: no bearer token in the request")
        token = authorization[7:].strip()
        row = self.store.row("SELECT * FROM access_tokens WHERE token = ?", (token,))
        if row is None:
            raise faults.authentication_failed("Token invalid: the access token is not known")
        if row["revoked"]:
            raise faults.authentication_failed("Token revoked: the connection was disconnected")
        if row["expires_at"] <= now:
            raise faults.authentication_failed(
                f"Token expired: {token[:12]}... expired {int(now - row['expires_at'])} s ago"
            )
        return TokenGrant(row["realm_id"], row["client_id"], row["grant_id"])

    def expire_access_tokens(self, realm: str | None, now: float) -> int:
        if realm:
            cursor = self.store.execute(
                "UPDATE access_tokens SET expires_at = ? WHERE realm_id = ? AND expires_at > ?",
                (now - 1, realm, now - 1),
            )
        else:
            cursor = self.store.execute(
                "UPDATE access_tokens SET expires_at = ? WHERE expires_at > ?", (now - 1, now - 1)
            )
        return cursor.rowcount
