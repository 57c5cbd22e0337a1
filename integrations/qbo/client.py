"""One client for QuickBooks Online: OAuth through intuit-oauth, the API through python-quickbooks.

It sees every HTTP status before python-quickbooks does, so throttling (429) and outages (5xx)
become retryable errors instead of a user's "validation error", and Retry-After is kept.
"""

import json
import logging
import time
from dataclasses import dataclass
from functools import cache
from xml.etree import ElementTree

import requests
from django.conf import settings
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from intuitlib.utils import get_discovery_doc
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from .. import counters
from . import budget, metered
from .environments import environment
from .errors import (
    INTUIT_THROTTLE_WAIT_SECONDS,
    QboAuthError,
    QboBudgetExhausted,
    QboError,
    QboFault,
    QboThrottled,
    QboUnavailable,
    throttled_message,
)

logger = logging.getLogger(__name__)
SCOPES = [Scopes.ACCOUNTING]


# Intuit answers a token call with the refresh token's hard expiry (its 5-year limit, seconds
# from now) only when asked with this header.
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int | None
    refresh_hard_expires_in: int | None = None


@cache
def _discovery_document(env_name: str) -> dict:
    # AuthClient's constructor downloads the discovery document on every call: once a process.
    return get_discovery_doc(environment(env_name).discovery)


class _AuthClient(AuthClient):
    """intuit-oauth's AuthClient with the endpoints of a cached discovery document, asking
    every token call for the refresh token's hard expiry.

    intuit-oauth 1.2.6 neither caches the document nor sends extra headers; AuthClient is a
    requests.Session, whose `headers` requests merges into every request it sends. The
    attributes set here are the ones AuthClient.__init__ sets (a test pins them)."""

    def __init__(self, *, discovery: dict, redirect_uri: str = "",
                 access_token: str | None = None, refresh_token: str | None = None,
                 realm_id: str | None = None) -> None:
        requests.Session.__init__(self)
        self.headers[HARD_EXPIRY_HEADER] = "true"
        self.client_id = settings.QBO_CLIENT_ID
        self.client_secret = settings.QBO_CLIENT_SECRET
        self.redirect_uri = redirect_uri
        self.environment = ""
        self.state_token = None
        self.setAuthorizeURLs({
            "auth_endpoint": discovery["authorization_endpoint"],
            "token_endpoint": discovery["token_endpoint"],
            "revoke_endpoint": discovery["revocation_endpoint"],
            "user_info_url": discovery["userinfo_endpoint"],
        })
        self.issuer_uri = discovery["issuer"]
        self.jwks_uri = discovery["jwks_uri"]
        self.realm_id = realm_id
        self.access_token = access_token
        self.expires_in = None
        self.refresh_token = refresh_token
        self.x_refresh_token_expires_in = None
        self.x_refresh_token_hard_expires_in = None
        self.id_token = None


def auth_client(*, env_name: str, redirect_uri: str = "", **tokens: str | None) -> AuthClient:
    """A fresh AuthClient (its own HTTP session and tokens) with the cached endpoints."""
    try:
        discovery = _discovery_document(env_name)
    except (requests.RequestException, AuthClientError) as error:
        raise QboUnavailable(f"QuickBooks sign-in could not be reached ({error}).") from error
    return _AuthClient(
        discovery=discovery, redirect_uri=redirect_uri, access_token=tokens.get("access_token"),
        refresh_token=tokens.get("refresh_token"), realm_id=tokens.get("realm_id"),
    )


def authorization_url(*, env_name: str, redirect_uri: str, state: str) -> str:
    client = auth_client(env_name=env_name, redirect_uri=redirect_uri)
    return client.get_authorization_url(SCOPES, state_token=state)


def _token_call(call, what: str) -> Tokens:
    try:
        client = call()
    except AuthClientError as error:
        body = error.content.decode(errors="replace") if error.content else ""
        tid = error.intuit_tid or ""
        logger.warning("QuickBooks refused the %s: HTTP %s (intuit_tid %s)", what,
                       error.status_code, tid or "none")
        if error.status_code in (400, 401):
            raise QboAuthError(
                f"QuickBooks refused the {what} ({body.strip() or error.status_code}).",
                status=error.status_code, detail=body, intuit_tid=tid,
            ) from error
        raise QboUnavailable(f"QuickBooks sign-in failed ({error.status_code}).",
                             status=error.status_code, detail=body, intuit_tid=tid) from error
    except requests.RequestException as error:
        raise QboUnavailable(f"QuickBooks sign-in could not be reached ({error}).") from error
    return Tokens(
        access_token=client.access_token,
        refresh_token=client.refresh_token,
        expires_in=int(client.expires_in or 3600),
        refresh_expires_in=(
            int(client.x_refresh_token_expires_in) if client.x_refresh_token_expires_in else None
        ),
        refresh_hard_expires_in=(
            int(client.x_refresh_token_hard_expires_in)
            if getattr(client, "x_refresh_token_hard_expires_in", None) else None
        ),
    )


def exchange_code(*, env_name: str, code: str, realm_id: str, redirect_uri: str) -> Tokens:
    client = auth_client(env_name=env_name, redirect_uri=redirect_uri)

    def call() -> AuthClient:
        client.get_bearer_token(code, realm_id=realm_id)
        return client

    return _token_call(call, "sign-in code")


def refresh_tokens(*, env_name: str, refresh_token: str) -> Tokens:
    client = auth_client(env_name=env_name)

    def call() -> AuthClient:
        client.refresh(refresh_token=refresh_token)
        return client

    return _token_call(call, "refresh token")


def revoke(*, env_name: str, token: str) -> None:
    try:
        # The client reads Intuit's discovery document: inside the try, so an Intuit that
        # cannot be reached never stops a disconnect (the tokens are forgotten here anyway).
        auth_client(env_name=env_name).revoke(token=token)
    except (AuthClientError, QboUnavailable, requests.RequestException) as error:
        # Disconnecting must work even when QuickBooks already forgot the token.
        logger.warning("QuickBooks token revoke failed: %s", error)


class _QuickBooks(QuickBooks):
    """python-quickbooks with our timeout, rate limit and HTTP status handling."""

    wait_for_budget = False
    prepaid = 0  # requests already counted in the budget by the caller (a drain's lanes)
    last_intuit_tid = ""  # Intuit's id of the latest answer this client had

    def process_request(self, request_type, url, headers="", params="", data=""):
        # A batch request counts in both of the company's limits (requests and batches).
        batch = url.split("?")[0].rstrip("/").endswith("/batch")
        if self.prepaid:
            self.prepaid -= 1
        else:
            _take_rate_limit_slot(self.company_id, wait=self.wait_for_budget, batch=batch)
        headers.update({"Authorization": "Bearer " + self.session.access_token})
        sent = time.monotonic()
        try:
            # A plain requests call: we add the bearer header ourselves, and OAuth2Session's
            # own request() would refuse the local sandbox's http:// URL.
            response = requests.Session.request(
                self.session, request_type, url, headers=headers, params=params, data=data,
                timeout=settings.QBO_HTTP_TIMEOUT,
            )
        except requests.RequestException as error:
            self.last_intuit_tid = ""
            raise QboUnavailable(f"QuickBooks could not be reached ({error}).") from error
        tid = self.last_intuit_tid = response.headers.get("intuit_tid", "")
        _count_request(request_type, url, data, response.status_code)
        # The path only: a query's text (names, emails) stays out of the log.
        logger.info("QuickBooks %s %s: %s (intuit_tid %s)", request_type,
                    url.split("?")[0].split("/company/")[-1], response.status_code,
                    tid or "none",
                    extra={"realm": self.company_id, "intuit_tid": tid,
                           "requestid": (params or {}).get("requestid", "")
                           if isinstance(params, dict) else "",
                           "duration_ms": int((time.monotonic() - sent) * 1000)})
        if response.status_code == 429:
            # Intuit's 429 is XML even though we ask for JSON (python-quickbooks would only
            # say "Error reading json response"), and names no Retry-After: Intuit asks for
            # 60 seconds (its "API call limits and throttles" page).
            code, _, detail = intuit_fault_from_xml(response.text) or ("3001", "", "")
            wait = _retry_after(response) or throttle_wait_seconds()
            raise QboThrottled(
                throttled_message(wait), status=429, code=code, retry_after=wait,
                detail=detail or response.text[:500], intuit_tid=tid,
            )
        if response.status_code >= 500:
            # Intuit's gateway answers in XML too (504 GatewayTimeout after its 120 s cut).
            fault = intuit_fault_from_xml(response.text)
            raise QboUnavailable(
                f"QuickBooks had a problem ({response.status_code}).",
                status=response.status_code, code=fault[0] if fault else "",
                detail=" ".join(fault[1:]).strip() if fault else response.text[:500],
                intuit_tid=tid,
            )
        if response.status_code in (401, 403):
            raise QboAuthError(
                "QuickBooks no longer accepts this connection.",
                status=response.status_code, detail=response.text[:500], intuit_tid=tid,
            )
        return response


def _count_request(method: str, url: str, body, status: int) -> None:
    """Every answered Accounting API request, by kind and answer, and what it cost in
    metered calls (the bench's figure: metered.py)."""
    path = url.split("?")[0].split("/company/", 1)[-1].partition("/")[2]
    kind = metered.request_kind(method, path)
    answer = "429" if status == 429 else f"{status // 100}xx"
    counters.count("hatsync_qbo_requests_total", kind=kind, status=answer)
    metered_kind, calls = metered.metered_calls(method, path, body or b"")
    if calls:
        counters.count("hatsync_qbo_metered_calls_total", calls, kind=metered_kind)


INTUIT_NS = "{http://schema.intuit.com/finance/v3}"


def intuit_fault_from_xml(text: str) -> tuple[str, str, str] | None:
    """(code, Message, Detail) of the first Error in Intuit's XML fault body
    (`<IntuitResponse><Fault><Error code=...>`), or None for anything else. Expat (2.4+)
    refuses entity expansion bombs and ElementTree fetches no external entities."""
    if not text.lstrip().startswith("<"):
        return None
    try:
        root = ElementTree.fromstring(text[:20_000])  # noqa: S314 (see the docstring)
    except ElementTree.ParseError:
        return None
    error = root.find(f"{INTUIT_NS}Fault/{INTUIT_NS}Error")
    if error is None:
        return None
    return (error.get("code", ""), (error.findtext(f"{INTUIT_NS}Message") or "").strip(),
            (error.findtext(f"{INTUIT_NS}Detail") or "").strip())


def throttle_wait_seconds() -> float:
    """Intuit's wait after a 429 (60 s), as fast as the local sandbox's clock runs."""
    return INTUIT_THROTTLE_WAIT_SECONDS / settings.QBO_LIMITS_TIME_SCALE


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _take_rate_limit_slot(realm_id: str, *, wait: bool = False, batch: bool = False) -> None:
    """Count one request in the company's budget, shared by every worker (budget.py).

    `wait`: sleep until the budget has room instead of raising (a person waits, or a push is
    already under way and stopping it half-done would only cost more requests later).
    """
    while True:
        retry_after = budget.take(realm_id, batch=batch)
        if not retry_after:
            return
        counters.count("hatsync_qbo_budget_waits_total", stage="in_request")
        if not wait:
            raise QboBudgetExhausted(
                "Waiting a few seconds to stay under QuickBooks' limits (500 requests a "
                "minute, 10 a second); it goes on by itself.",
                retry_after=retry_after,
            )
        time.sleep(retry_after)
        _budget_slept[0] += retry_after
        counters.count("hatsync_qbo_budget_wait_seconds_total", retry_after, stage="in_request")


_budget_slept = [0.0]


def budget_slept_seconds() -> float:
    """How long this process has slept inside pushes waiting for the budget (benchmarks)."""
    return _budget_slept[0]


class QboClient:
    """The API calls the sync engine makes, as plain dicts in and out."""

    def __init__(
        self, *, env_name: str, realm_id: str, access_token: str, wait_for_budget: bool = True
    ):
        """`wait_for_budget`: a full request budget pauses until it has room instead of
        raising QboBudgetExhausted. Workers check the budget before they start a push
        (`budget.wait_seconds`), so they seldom wait inside one."""
        env = environment(env_name)
        client = auth_client(env_name=env_name, access_token=access_token, realm_id=realm_id)
        self._qb = _QuickBooks(
            auth_client=client, refresh_token="unused", company_id=realm_id,
            minorversion=settings.QBO_MINOR_VERSION, use_decimal=True,
        )
        # python-quickbooks picks its sandbox URL only for environment == "sandbox".
        self._qb.api_url_v3 = env.api_url
        self._qb.wait_for_budget = wait_for_budget
        self._qb.sandbox_api_url_v3 = env.api_url
        self.realm_id = realm_id

    def _call(self, fn, *args, **kwargs) -> dict:
        try:
            return fn(*args, **kwargs)
        except QboError:
            raise
        except QuickbooksException as error:
            raise QboFault(
                error.message, code=str(error.error_code or ""), detail=error.detail or "",
                intuit_tid=self.intuit_tid,
            ) from error

    last_request_id = ""  # our requestid of the latest write (the sync log keeps it)

    @property
    def intuit_tid(self) -> str:
        """Intuit's id of the latest answer (kept in the sync log; support asks for it)."""
        return self._qb.last_intuit_tid

    def counted(self) -> None:
        """The next request is already counted in the company's budget (by a drain that took
        its place before handing it to this client's thread)."""
        self._qb.prepaid = 1

    def _url(self, path: str) -> str:
        return f"{self._qb.api_url}/company/{self.realm_id}/{path}"

    def query(self, statement: str) -> list[dict]:
        result = self._call(self._qb.query, statement)["QueryResponse"]
        entity = statement.split()[3] if statement.lower().startswith("select") else ""
        for key, value in result.items():
            if isinstance(value, list) and key.lower() == entity.lower():
                return value
        return []

    def read(self, entity: str, qbo_id: str) -> dict:
        return self._call(self._qb.get_single_object, entity, qbo_id)[entity]

    def create(self, entity: str, payload: dict, *, request_id: str) -> dict:
        self.last_request_id = request_id
        body = json.dumps(payload)
        return self._call(self._qb.create_object, entity, body, request_id=request_id)[entity]

    def update(self, entity: str, payload: dict, *, request_id: str) -> dict:
        self.last_request_id = request_id
        body = json.dumps(payload)
        return self._call(self._qb.update_object, entity, body, request_id=request_id)[entity]

    def delete(self, entity: str, payload: dict, *, request_id: str) -> dict:
        """Delete a transaction (Invoice, Payment, RefundReceipt, Purchase) by its Id and
        current SyncToken; QuickBooks answers `{"status": "Deleted", "Id": ...}`."""
        self.last_request_id = request_id
        body = json.dumps({"Id": str(payload["Id"]), "SyncToken": str(payload["SyncToken"])})
        return self._call(self._qb.delete_object, entity, body, request_id=request_id)[entity]

    def void_invoice(self, *, qbo_id: str, sync_token: str, request_id: str) -> dict:
        self.last_request_id = request_id
        body = json.dumps({"Id": qbo_id, "SyncToken": sync_token})
        result = self._call(
            self._qb.update_object, "Invoice", body, request_id=request_id,
            params={"operation": "void"},
        )
        return result["Invoice"]

    def batch(self, items: list[dict], *, request_id: str) -> dict[str, dict]:
        """Up to 30 operations in one request. Returns each answer by its `bId`: the entity
        (`{"Invoice": {...}}`) or `{"Fault": QboFault}`. QuickBooks answers a repeated
        requestid with its first answer, so a batch whose answer was lost can be sent again."""
        self.last_request_id = request_id
        body = json.dumps({"BatchItemRequest": items})
        answer = self._call(self._qb.make_request, "POST", self._url("batch"), body,
                            request_id=request_id)
        results: dict[str, dict] = {}
        for item in answer.get("BatchItemResponse", []):
            fault = item.get("Fault")
            if fault:
                error = (fault.get("Error") or [{}])[0]
                item = {"Fault": QboFault(
                    error.get("Message", "QuickBooks refused this."),
                    code=str(error.get("code", "")), detail=error.get("Detail", ""),
                    intuit_tid=self.intuit_tid,
                )}
            results[str(item.get("bId", ""))] = item
        return results

    def change_data_capture(self, entities: list[str], changed_since: str) -> dict[str, list]:
        """What changed in QuickBooks since `changed_since` (ISO 8601, at most 30 days back):
        the objects of each entity, oldest first; deleted ones as {"Id", "status": "Deleted"}."""
        answer = self._call(self._qb.get, self._url("cdc"), params={
            "entities": ",".join(entities), "changedSince": changed_since})
        changed: dict[str, list] = {name: [] for name in entities}
        for block in answer.get("CDCResponse", []):
            for response in block.get("QueryResponse", []):
                for name in entities:
                    changed[name] += response.get(name, [])
        return changed

    def exchange_rate(self, source_currency: str, as_of: str) -> dict:
        """The ExchangeRate QuickBooks holds for `source_currency` on `as_of` (YYYY-MM-DD):
        `GET exchangerate?sourcecurrencycode=EUR&asofdate=...` (read by code and date; the
        entity has no Id)."""
        answer = self._call(self._qb.get, self._url("exchangerate"), params={
            "sourcecurrencycode": source_currency, "asofdate": as_of})
        return answer["ExchangeRate"]

    def preferences(self) -> dict:
        return self._call(self._qb.get, self._url("preferences"))["Preferences"]

    def company_info(self) -> dict:
        return self._call(self._qb.get, self._url(f"companyinfo/{self.realm_id}"))["CompanyInfo"]
