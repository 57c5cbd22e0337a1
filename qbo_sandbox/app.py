"""The sandbox WSGI app: one host serving discovery, OAuth, the v3 API, QBO pages and control.

Base URL layout (see README.md):
    /.well-known/openid_sandbox_configuration/  and  /.well-known/openid_configuration/
    /connect/oauth2                 consent screen (GET) and its buttons (POST)
    /oauth2/v1/tokens/bearer        token endpoint;  /oauth2/v1/tokens/revoke
    /v3/company/<realmId>/...       Accounting API v3 (JSON)
    /app/invoice?txnId=  /app/homepage   QBO deep links
    /_sandbox/...                   control API for tests and benchmarks
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import control, pages
from .companies import create_samples
from .entities import ENTITY_PATHS, Books
from .faults import QBOFault, forbidden, qbo_time, request_malformed, unsupported_operation
from .limits import Clock, Config, Limiter
from .oauth import OAuthError, OAuthServer, discovery_document
from .store import Store

DEFAULT_CLIENT_ID = "hatsync-local"
DEFAULT_CLIENT_SECRET = "hatsync-local-secret"
REALM_COOKIE = "qbo_sandbox_realm"

URLS = Map([
    Rule("/", endpoint="index"),
    Rule("/.well-known/openid_sandbox_configuration/", endpoint="discovery"),
    Rule("/.well-known/openid_configuration/", endpoint="discovery"),
    Rule("/connect/oauth2", endpoint="authorize", methods=["GET", "POST"]),
    Rule("/oauth2/v1/tokens/bearer", endpoint="token", methods=["POST"]),
    Rule("/oauth2/v1/tokens/revoke", endpoint="revoke", methods=["POST"]),
    Rule("/v1/openid_connect/userinfo", endpoint="userinfo"),
    Rule("/op/v1/jwks", endpoint="jwks"),
    Rule("/v3/company/<realm>/<path:rest>", endpoint="api", methods=["GET", "POST"]),
    Rule("/app/invoice", endpoint="app_invoice"),
    Rule("/app/homepage", endpoint="app_homepage"),
    *control.RULES,
], strict_slashes=False)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers,
                    content_type="application/json;charset=UTF-8")


class SandboxApp:
    """A WSGI callable; thread-safe (one locked SQLite connection, in-memory throttles)."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        time_scale: float = 1.0,
        latency_ms: float = 0,
        public_url: str | None = None,
    ) -> None:
        self.store = Store(data_dir)
        self.config = Config(latency_ms=latency_ms, time_scale=time_scale)
        self.clock = Clock(offset=self.store.get_setting("clock_offset", 0.0), scale=time_scale)
        self.limiter = Limiter(self.config, self.clock)
        self.oauth = OAuthServer(self.store, self.config, client_id, client_secret)
        self.public_url = public_url.rstrip("/") if public_url else None
        if not self.store.get_setting("initialized"):
            self.reset(empty=False)

    # lifecycle ----------------------------------------------------------------------------
    def reset(self, *, empty: bool) -> None:
        with self.store.transaction():
            self.store.wipe()
            if not empty:
                create_samples(self.store, self.clock.now())
            self.store.set_setting("initialized", True)
        self.limiter.reset()

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.store.set_setting("clock_offset", self.clock.offset())

    def close(self) -> None:
        self.store.set_setting("clock_offset", self.clock.offset())
        self.store.close()

    def base_url(self, request: Request) -> str:
        return self.public_url or request.host_url.rstrip("/")

    # WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, args = URLS.bind_to_environ(environ).match()
            handler = getattr(self, f"on_{endpoint}", None)
            if handler is None:
                response = control.dispatch(self, endpoint, request, **args)
            else:
                response = handler(request, **args)
        except NotFound:
            response = json_response({"error": "not_found", "path": request.path}, 404)
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    # discovery and OAuth ------------------------------------------------------------------
    def on_index(self, request: Request) -> Response:
        html = pages.index(self.store.companies(), self.base_url(request))
        return Response(html, content_type="text/html; charset=utf-8")

    def on_discovery(self, request: Request) -> Response:
        return json_response(discovery_document(self.base_url(request)))

    def on_authorize(self, request: Request) -> Response:
        params = dict(request.values.items())
        try:
            self.oauth.check_authorize_request(params)
        except OAuthError as exc:
            html = pages.error("This app can't connect", f"{exc.error}: {exc.description}")
            return Response(html, status=400, content_type="text/html; charset=utf-8")
        if request.method == "GET":
            html = pages.consent(self.store.companies(), params, self.config.app_name)
            return Response(html, content_type="text/html; charset=utf-8")
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        if request.form.get("action") != "connect":
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        realm = request.form.get("realm_id", "")
        if self.store.company(realm) is None:
            html = pages.error("Unknown company", f"There is no company {realm}.")
            return Response(html, status=400, content_type="text/html; charset=utf-8")
        code = self.oauth.issue_code(realm_id=realm, redirect_uri=redirect_uri,
                                     scope=params["scope"], now=self.clock.now())
        response = _redirect(redirect_uri, {"code": code, "state": state, "realmId": realm})
        response.set_cookie(REALM_COOKIE, realm, samesite="Lax")
        return response

    def on_token(self, request: Request) -> Response:
        started = time.monotonic()
        form = dict(request.form.items())
        try:
            self.oauth.authenticate_client(request.headers.get("Authorization"), form)
            body, status = self.oauth.token(form, self.clock.now()), 200
        except OAuthError as exc:
            body, status = exc.body(), exc.status
        self._log(request, None, "token", status, started)
        return json_response(body, status, {"Cache-Control": "no-store"})

    def on_revoke(self, request: Request) -> Response:
        started = time.monotonic()
        try:
            self.oauth.authenticate_client(request.headers.get("Authorization"), {})
            payload = request.get_json(force=True, silent=True) or dict(request.form.items())
            token = payload.get("token")
            if not token:
                raise OAuthError(400, "invalid_request", "token is required")
            self.oauth.revoke(token)
            response = Response("", status=200)
        except OAuthError as exc:
            response = json_response(exc.body(), exc.status)
        self._log(request, None, "revoke", response.status_code, started)
        return response

    def on_userinfo(self, request: Request) -> Response:
        try:
            grant = self.oauth.check_bearer(request.headers.get("Authorization"), self.clock.now())
        except QBOFault as fault:
            return json_response(fault.body(self.clock.now()), fault.status)
        return json_response({
            "sub": f"sandbox-user-{grant.realm_id}", "givenName": "Sandbox", "familyName": "User",
            "email": "owner@example.com", "emailVerified": True,
        })

    def on_jwks(self, request: Request) -> Response:
        return json_response({"keys": []})

    # QBO web app pages --------------------------------------------------------------------
    def on_app_invoice(self, request: Request) -> Response:
        txn_id = request.args.get("txnId", "")
        realm = request.args.get("realmId") or request.args.get("companyId")
        candidates = [realm] if realm else []
        if request.cookies.get(REALM_COOKIE):
            candidates.append(request.cookies[REALM_COOKIE])
        candidates += [c["realm_id"] for c in self.store.companies()]
        for candidate in candidates:
            company = self.store.company(candidate)
            invoice = company and self.store.entity(candidate, "Invoice", txn_id)
            if invoice:
                home = f"{self.base_url(request)}/app/homepage?realmId={candidate}"
                html = pages.invoice(company, invoice, home)
                return Response(html, content_type="text/html; charset=utf-8")
            if realm:
                break
        html = pages.error("Invoice not found", f"No invoice with transaction ID {txn_id}.")
        return Response(html, status=404, content_type="text/html; charset=utf-8")

    def on_app_homepage(self, request: Request) -> Response:
        realm = request.args.get("realmId") or request.cookies.get(REALM_COOKIE)
        company = self.store.company(realm) if realm else None
        if company is None:
            companies = self.store.companies()
            company = companies[0] if companies else None
        if company is None:
            return Response(pages.error("No company", "Create a company first."), status=404,
                            content_type="text/html; charset=utf-8")
        invoices = self.store.entities(company["realm_id"], "Invoice")
        html = pages.homepage(company, invoices, self.base_url(request))
        response = Response(html, content_type="text/html; charset=utf-8")
        response.set_cookie(REALM_COOKIE, company["realm_id"], samesite="Lax")
        return response

    # Accounting API v3 --------------------------------------------------------------------
    def on_api(self, request: Request, realm: str, rest: str) -> Response:
        started = time.monotonic()
        parts = [p for p in rest.split("/") if p]
        entity = parts[0].lower() if parts else ""
        throttled = False
        entered = False
        try:
            grant = self.oauth.check_bearer(request.headers.get("Authorization"), self.clock.now())
            if grant.realm_id != realm:
                raise forbidden("The access token was issued for a different company (realmId).")
            try:
                self.limiter.enter(realm)
                entered = True
                self.limiter.check_rate(realm, batch=entity == "batch")
            except QBOFault:
                throttled = True
                raise
            injected = self.limiter.injected_fault(realm, _call_kind(request, parts))
            if injected is not None and not injected.after_apply:
                self.limiter.hold(injected.hold_seconds)
                throttled = injected.fault.status == 429
                raise injected.fault
            if self.config.latency_ms:
                time.sleep(self.config.latency_ms / 1000)
            status, body = self._api_call(
                request, realm, parts,
                apply_items=injected.apply_items if injected is not None else None)
            if injected is not None:  # applied, but the answer is lost on the way back
                self.limiter.hold(injected.hold_seconds)
                raise injected.fault
            response = json_response(body, status)
        except QBOFault as fault:
            response = json_response(fault.body(self.clock.now()), fault.status, fault.headers)
        finally:
            if entered:
                self.limiter.leave(realm)
        self._log(request, realm, entity, response.status_code, started, throttled=throttled)
        return response

    def _api_call(self, request: Request, realm: str, parts: list[str], *,
                  apply_items: int | None = None) -> tuple[int, dict]:
        """Run one API call in a transaction, replaying the stored answer for a requestid.
        `apply_items` (a fault script's): a batch applies only its first N operations, and
        its requestid is not remembered (it was never answered)."""
        is_write = request.method == "POST" and parts[:1] != ["query"]
        request_id = request.args.get("requestid") if is_write else None
        with self.store.transaction():
            company = self.store.company(realm)
            if company is None:
                raise forbidden(f"No company with realmId {realm}.")
            if request_id:
                seen = self.store.row(
                    "SELECT status, body FROM request_ids WHERE realm_id = ? AND request_id = ?",
                    (realm, request_id),
                )
                if seen:
                    return seen["status"], json.loads(seen["body"])
            now = self.clock.now()
            books = Books(self.store, company, now)
            try:
                with self.store.savepoint():
                    status, body = 200, self._route(books, request, parts, company,
                                                    apply_items=apply_items)
            except QBOFault as fault:
                if fault.status >= 500 or fault.status in (401, 403, 429):
                    raise
                status, body = fault.status, fault.body(now)
            body["time"] = qbo_time(now)
            if request_id and apply_items is None:
                self.store.execute(
                    "INSERT INTO request_ids (realm_id, request_id, status, body) "
                    "VALUES (?, ?, ?, ?)", (realm, request_id, status, json.dumps(body)),
                )
            return status, body

    def _route(self, books: Books, request: Request, parts: list[str], company: dict, *,
               apply_items: int | None = None) -> dict:
        head = parts[0].lower() if parts else ""
        if head == "query":
            text = request.args.get("query")
            if text is None:
                text = request.get_data(as_text=True)
            return {"QueryResponse": books.query(text)}
        if head == "cdc" and request.method == "GET":
            return books.cdc(request.args.get("entities", ""), request.args.get("changedSince",
                                                                                   ""))
        if head == "batch" and request.method == "POST":
            return control.run_batch(self, books, _json_body(request), request.args,
                                     apply_items=apply_items)
        entity = ENTITY_PATHS.get(head)
        if entity is None:
            raise unsupported_operation(f"{request.method} {head}")
        if request.method == "GET":
            if entity == "Preferences":
                return {"Preferences": books.preferences()}
            if len(parts) != 2:
                raise unsupported_operation(f"GET {head} without an Id")
            if entity == "CompanyInfo":
                return {"CompanyInfo": books.company_info()}
            return {entity: books.get(entity, parts[1])}
        return {entity: self.write(books, entity, _json_body(request), request.args)}

    def write(self, books: Books, entity: str, payload: dict, params: Any) -> dict:
        """One create/update/void/delete, chosen like QBO: by `operation` and by Id."""
        operation = params.get("operation", "")
        include = params.get("include", "")
        if operation == "void" or (operation == "update" and include == "void"):
            return books.void(entity, payload)
        if operation == "delete":
            return books.delete(entity, payload)
        if operation not in ("", "create", "update"):
            raise unsupported_operation(operation)
        options = {"include": include}
        if payload.get("Id") not in (None, "", 0, "0"):
            return books.update(entity, payload, options)
        return books.create(entity, payload, options)

    # request log --------------------------------------------------------------------------
    def _log(self, request: Request, realm: str | None, entity: str, status: int,
             started: float, *, throttled: bool = False) -> None:
        self.store.execute(
            "INSERT INTO request_log (time, method, path, realm, entity, status, requestid, "
            "duration_ms, throttled, minorversion) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.clock.now(), request.method, request.path, realm, entity, status,
             request.args.get("requestid"), (time.monotonic() - started) * 1000,
             int(throttled or status == 429), request.args.get("minorversion")),
        )


def _json_body(request: Request) -> dict:
    try:
        payload = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise request_malformed("the request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise request_malformed("the request body must be a JSON object")
    return payload


def _redirect(uri: str, params: dict[str, str]) -> Response:
    separator = "&" if "?" in uri else "?"
    return Response("", status=302, headers={"Location": uri + separator + urlencode(params)})


def create_app(
    data_dir: str | Path,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    time_scale: float = 1.0,
    latency_ms: float = 0,
    public_url: str | None = None,
) -> SandboxApp:
    """Build the sandbox app on DATA_DIR/sandbox.sqlite3 (creating sample companies once)."""
    return SandboxApp(
        data_dir,
        client_id=client_id or os.environ.get("QBO_SANDBOX_CLIENT_ID", DEFAULT_CLIENT_ID),
        client_secret=client_secret
        or os.environ.get("QBO_SANDBOX_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
        time_scale=time_scale,
        latency_ms=latency_ms,
        public_url=public_url,
    )


def _call_kind(request: Request, parts: list[str]) -> str:
    """What a fault script's "on" matches: read, query, write or batch."""
    head = parts[0].lower() if parts else ""
    if head == "query":
        return "query"
    if request.method != "POST":
        return "read"
    return "batch" if head == "batch" else "write"
