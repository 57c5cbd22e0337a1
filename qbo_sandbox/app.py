"""The sandbox WSGI app: one host serving discovery, OAuth, the v3 API, QBO pages and control.

Base URL layout (see README.md):
    /.well-known/openid_sandbox_configuration/  and  /.well-known/openid_configuration/
    /connect/oauth2                 consent screen (GET) and its buttons (POST)
    /oauth2/v1/tokens/bearer        token endpoint;  /oauth2/v1/tokens/revoke
    /v3/company/<realmId>/...       Accounting API v3 (JSON)
    /app/invoice?txnId=  /app/homepage   QBO deep links (in the browser's current company)
    /app/switchCompany?companyId=        make another company the current one
    /app/recvpayment  /app/invoice/{void,delete}  /app/customers  /app/items   bookkeeper pages
    /app/apps  /app/apps/disconnect  the Apps page: Launch, and Disconnect from inside QuickBooks
    /app/customers/merge  /app/items/merge                                  (merge two)
    /app/recvpayment?txnId=<payment>  /app/salesreceipt  /app/refundreceipt  /app/creditmemo
    /app/expense  /app/deposit  /app/sales  /app/expenses     transaction pages and lists
    /_sandbox/...                   control API for tests and benchmarks
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import books_pages, control, form_delivery, metering, pages, paths, shapes
from .batch import run_batch
from .catalog import ENTITY_PATHS
from .companies import accepts_writes, create_samples
from .entities import Books
from .faults import (
    QBOFault,
    forbidden,
    invalid_company_status,
    qbo_time,
    request_malformed,
    unsupported_operation,
)
from .limits import XML_FAULT_CODES, Clock, Config, Limiter, gateway_timeout, intuit_xml
from .merges import merge
from .oauth import HARD_EXPIRY_HEADER, OAuthError, OAuthServer, discovery_document
from .store import Store
from .webhooks import Webhooks

DEFAULT_CLIENT_ID = "hatsync-local"
DEFAULT_CLIENT_SECRET = "hatsync-local-secret"
# The browser's current company: QuickBooks opens every link in the company the browser last
# worked in (a deep link cannot name its company). Set by Connect, the company pages and
# /app/switchCompany; read by /app/invoice.
REALM_COOKIE = "qbo_sandbox_realm"
# Bookkeeper pages' CSRF protection (double-submit): a random token per browser in this
# SameSite=Lax, HttpOnly cookie must equal the form's hidden `csrf_token` on every POST.
CSRF_COOKIE = "qbo_sandbox_csrf"
_CSRF_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
# The /app pages run no script, post forms only to this origin and are never framed.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
NAME_FIELDS = {"Customer": "DisplayName", "Item": "Name"}
log = logging.getLogger("qbo_sandbox.pages")

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
    Rule("/app/switchCompany", endpoint="app_switch_company"),
    # bookkeeper pages: GET shows the page or confirmation step, POST does it (see README)
    Rule("/app/recvpayment", endpoint="app_recvpayment", methods=["GET", "POST"]),
    Rule("/app/invoice/void", endpoint="app_invoice_void", methods=["GET", "POST"]),
    Rule("/app/invoice/delete", endpoint="app_invoice_delete", methods=["GET", "POST"]),
    Rule("/app/customers", endpoint="app_customers"),
    Rule("/app/customers/active", endpoint="app_customers_active", methods=["POST"]),
    Rule("/app/items", endpoint="app_items"),
    Rule("/app/items/active", endpoint="app_items_active", methods=["POST"]),
    Rule("/app/apps", endpoint="app_apps"),
    Rule("/app/apps/disconnect", endpoint="app_apps_disconnect", methods=["POST"]),
    Rule("/app/customers/merge", endpoint="app_customers_merge", methods=["POST"]),
    Rule("/app/items/merge", endpoint="app_items_merge", methods=["POST"]),
    # a company's transactions as QuickBooks shows them, and the lists linking them
    Rule("/app/salesreceipt", endpoint="app_salesreceipt"),
    Rule("/app/refundreceipt", endpoint="app_refundreceipt"),
    Rule("/app/creditmemo", endpoint="app_creditmemo"),
    Rule("/app/expense", endpoint="app_expense"),
    Rule("/app/deposit", endpoint="app_deposit"),
    Rule("/app/sales", endpoint="app_sales"),
    Rule("/app/expenses", endpoint="app_expenses"),
    Rule("/_sandbox/companies/<realm>/sent", endpoint="sandbox_sent",
         methods=["GET", "DELETE"]),
    *control.RULES,
], strict_slashes=False)


def intuit_tid() -> str:
    """A transaction id shaped as Intuit's: `1-` 8 hex digits `-` 24 hex digits."""
    digits = uuid.uuid4().hex
    return f"1-{digits[:8]}-{digits[8:32]}"


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
        sample_data: bool = True,
    ) -> None:
        self.sample_data = sample_data  # what a reset recreates unless it says otherwise
        self.store = Store(data_dir)
        self.config = Config(latency_ms=latency_ms, time_scale=time_scale)
        self.clock = Clock(offset=self.store.get_setting("clock_offset", 0.0), scale=time_scale)
        self.limiter = Limiter(self.config, self.clock)
        self.oauth = OAuthServer(self.store, self.config, client_id, client_secret)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.anchor_clock()
        self.webhooks = Webhooks(self.store, self.config, self.clock, client_id)
        if not self.store.get_setting("initialized"):
            self.reset(empty=False)

    # lifecycle ----------------------------------------------------------------------------
    def reset(self, *, empty: bool, sample_data: bool | None = None) -> None:
        """Wipe everything; unless `empty`, recreate the four fixed-realm companies, with
        Intuit-like sample data if `sample_data` (default: this app's `sample_data`)."""
        if sample_data is None:
            sample_data = self.sample_data
        with self.store.uncaptured():  # no webhook events for wiping and the samples
            self.store.wipe()
            if not empty:
                create_samples(self.store, self.clock.now(), sample_data=sample_data)
            self.store.set_setting("initialized", True)
        self.limiter.reset()
        self.webhooks.reset()

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.store.set_setting("clock_offset", self.clock.offset())
        self.anchor_clock()

    def anchor_clock(self) -> None:
        """Record how sandbox time maps to real time, for SQLite triggers (store.py)."""
        self.store.set_setting("clock_anchor", {
            "real": time.time(), "sandbox": self.clock.now(), "scale": self.clock.scale})

    def close(self) -> None:
        self.webhooks.close()
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
        if request.path.startswith(("/v3/", "/oauth2/")):
            # Intuit answers every API and token call with a transaction id of its own
            # (errors included): support asks for it.
            response.headers["intuit_tid"] = intuit_tid()
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
            asked = request.headers.get(HARD_EXPIRY_HEADER, "").lower() == "true"
            body = self.oauth.token(form, self.clock.now(), with_hard_expiry=asked)
            status = 200
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
        """QuickBooks' invoice deep link. It opens in the browser's current company, whatever
        the link carries (Intuit documents no parameter naming the company: `realmId` and
        `companyId` are ignored here too). Ids are per company, so the same txnId can be
        another company's invoice: the page is headed with the current company's name, and a
        txnId that company does not hold is "not found" there, never another company's."""
        company = self._current_company(request)
        if company is None:
            return self._choose_company(request)
        txn_id = request.args.get("txnId", "")
        invoice = self.store.entity(company["realm_id"], "Invoice", txn_id)
        if invoice is None:
            return self._invoice_not_found(request, txn_id, company=company)
        realm, base = company["realm_id"], self.base_url(request)
        payments = [payment for linked in invoice.get("LinkedTxn", [])
                    if linked.get("TxnType") == "Payment"
                    and (payment := self.store.entity(realm, "Payment",
                                                      str(linked.get("TxnId"))))]
        html = books_pages.invoice(
            company, invoice, base, lookups=self._lookups(company), payments=payments,
            actions=pages.invoice_actions(company, invoice, base),
            notice=_notice_text(request.args, invoice))
        return self._html(request, html)

    def on_app_switch_company(self, request: Request) -> Response:
        """Switch company (the gear menu's, also reached as /app/switchCompany?companyId=):
        the company becomes the browser's current one, then its home page. Without a
        companyId, or with one this browser cannot open: the list to choose from."""
        company = self.store.company(request.args.get("companyId", ""))
        if company is None:
            return self._choose_company(request, status=404 if request.args.get(
                "companyId") else 200)
        response = _see_other("/app/homepage")
        response.set_cookie(REALM_COOKIE, company["realm_id"], samesite="Lax")
        return response

    def on_app_homepage(self, request: Request) -> Response:
        company = self._page_company(request)
        if company is None:
            return self._html(request, pages.error("No company", "Create a company first."), 404)
        invoices = self.store.entities(company["realm_id"], "Invoice")
        html = pages.homepage(company, invoices, self.base_url(request),
                              notice=_notice_text(request.args, None))
        response = self._html(request, html)
        response.set_cookie(REALM_COOKIE, company["realm_id"], samesite="Lax")
        return response

    # bookkeeper pages: what a person does in QuickBooks, written like an API write --------
    def on_app_recvpayment(self, request: Request) -> Response:
        """QuickBooks' Receive payment on one invoice: GET the form, POST saves a Payment.
        GET with a payment's txnId shows that payment, as QuickBooks' link to it does."""
        if request.method == "GET":
            shown = self._find_txn(request, ("Payment", "Invoice"))
            if shown is not None and shown[1] == "Payment":
                company, _, payment = shown
                return self._html(request, books_pages.payment(
                    company, payment, self.base_url(request), lookups=self._lookups(company)))
        started = self._invoice_form(request)
        if isinstance(started, Response):
            return started
        posted, company, invoice = started
        realm = company["realm_id"]
        methods = [m for m in self.store.entities(realm, "PaymentMethod")
                   if m.get("Active", True) is not False]
        accounts = [a for a in self.store.entities(realm, "Account")
                    if a.get("Active", True) is not False
                    and (a.get("AccountType") == "Bank"
                         or a.get("AccountSubType") == "UndepositedFunds")]
        csrf = _csrf_token(request)
        if not posted:
            undeposited = next((a for a in accounts
                                if a.get("AccountSubType") == "UndepositedFunds"), None)
            default_account = undeposited or (accounts[0] if accounts else None)
            form = {
                "amount": f"{float(invoice.get('Balance', 0)):.2f}",
                "txnDate": datetime.fromtimestamp(self.clock.now(), UTC).date().isoformat(),
                "paymentMethod": "", "refNum": "",
                "depositTo": str(default_account["Id"]) if default_account else "",
            }
            html = pages.receive_payment(company, invoice, self.base_url(request),
                                         methods=methods, accounts=accounts, values=form,
                                         csrf=csrf)
            return self._html(request, html, csrf=csrf)
        form = {key: request.form.get(key, "").strip()
                for key in ("amount", "txnDate", "paymentMethod", "refNum", "depositTo")}
        try:
            payload = _payment_payload(invoice, form, methods, accounts)
            payment = self._page_write(
                realm, lambda books: books.create("Payment", payload, {"include": ""}))
        except (_FormError, QBOFault) as exc:
            html = pages.receive_payment(company, invoice, self.base_url(request),
                                         methods=methods, accounts=accounts, values=form,
                                         csrf=csrf, error=_error_text(exc))
            return self._html(request, html, 400, csrf=csrf)
        log.info("page: payment %s on invoice %s (realm %s)", payment["Id"], invoice["Id"],
                 realm)
        return _in_company(_see_other("/app/invoice", txnId=invoice["Id"], realmId=realm,
                                      notice="payment"), realm)

    def on_app_invoice_void(self, request: Request) -> Response:
        return self._change_invoice(request, "void")

    def on_app_invoice_delete(self, request: Request) -> Response:
        return self._change_invoice(request, "delete")

    def _change_invoice(self, request: Request, action: str) -> Response:
        """Void or delete: GET is the confirmation step, POST does it with the Id and the
        SyncToken the person confirmed (changed since: QBO's stale-object fault is shown)."""
        started = self._invoice_form(request)
        if isinstance(started, Response):
            return started
        posted, company, invoice = started
        realm, base = company["realm_id"], self.base_url(request)
        csrf = _csrf_token(request)
        if not posted:
            return self._html(request, pages.confirm_invoice(company, invoice, base, action,
                                                             csrf=csrf), csrf=csrf)
        ref = {"Id": invoice["Id"], "SyncToken": request.form.get("syncToken", "")}
        try:
            self._page_write(realm, lambda books: (books.void("Invoice", ref) if action == "void"
                                                   else books.delete("Invoice", ref)))
        except QBOFault as fault:
            current = self.store.entity(realm, "Invoice", invoice["Id"]) or invoice
            html = pages.confirm_invoice(company, current, base, action, csrf=csrf,
                                         error=_error_text(fault))
            return self._html(request, html, 400, csrf=csrf)
        log.info("page: %s invoice %s (realm %s)", action, invoice["Id"], realm)
        if action == "void":
            return _in_company(_see_other("/app/invoice", txnId=invoice["Id"], realmId=realm,
                                          notice="voided"), realm)
        return _in_company(_see_other("/app/homepage", realmId=realm, notice="deleted",
                                      doc=invoice.get("DocNumber", "")), realm)

    # transaction pages and lists --------------------------------------------------------------
    def on_app_salesreceipt(self, request: Request) -> Response:
        return self._txn_page(request, "SalesReceipt")

    def on_app_refundreceipt(self, request: Request) -> Response:
        return self._txn_page(request, "RefundReceipt")

    def on_app_creditmemo(self, request: Request) -> Response:
        return self._txn_page(request, "CreditMemo")

    def on_app_expense(self, request: Request) -> Response:
        return self._txn_page(request, "Purchase")

    def on_app_deposit(self, request: Request) -> Response:
        return self._txn_page(request, "Deposit")

    def _txn_page(self, request: Request, entity: str) -> Response:
        """One transaction's page (`txnId`, `realmId` as on the invoice page)."""
        found = self._find_txn(request, (entity,))
        if found is None:
            what = books_pages.TXN_PAGES[entity][1]
            html = pages.error(f"{what} not found", f"No {what.lower()} with transaction ID "
                               f"{request.args.get('txnId', '')}.")
            return self._html(request, html, 404)
        company, _, txn = found
        base, lookups = self.base_url(request), self._lookups(company)
        if entity == "Purchase":
            html = books_pages.expense(company, txn, base, lookups=lookups)
        elif entity == "Deposit":
            html = books_pages.deposit(company, txn, base, lookups=lookups)
        else:
            html = books_pages.sales_form(company, entity, txn, base, lookups=lookups)
        return self._html(request, html)

    def on_app_sales(self, request: Request) -> Response:
        company = self._page_company(request)
        if company is None:
            return self._html(request, pages.error("No company", "Create a company first."), 404)
        realm = company["realm_id"]
        txns = [(kind, txn) for kind in books_pages.SALES_LIST
                for txn in self.store.entities(realm, kind)]
        html = books_pages.sales_list(company, txns, self.store.entities(realm, "Deposit"),
                                      self.base_url(request), lookups=self._lookups(company))
        response = self._html(request, html)
        response.set_cookie(REALM_COOKIE, realm, samesite="Lax")
        return response

    def on_app_expenses(self, request: Request) -> Response:
        company = self._page_company(request)
        if company is None:
            return self._html(request, pages.error("No company", "Create a company first."), 404)
        realm = company["realm_id"]
        html = books_pages.expenses_list(company, self.store.entities(realm, "Purchase"),
                                         self.base_url(request), lookups=self._lookups(company))
        response = self._html(request, html)
        response.set_cookie(REALM_COOKIE, realm, samesite="Lax")
        return response

    def on_app_customers(self, request: Request) -> Response:
        return self._name_list(request, "Customer")

    def on_app_items(self, request: Request) -> Response:
        return self._name_list(request, "Item")

    def on_app_customers_active(self, request: Request) -> Response:
        return self._set_active(request, "Customer")

    def on_app_items_active(self, request: Request) -> Response:
        return self._set_active(request, "Item")

    def on_app_apps(self, request: Request) -> Response:
        company = self._page_company(request)
        if company is None:
            return self._html(request, pages.error("No company", "Create a company first."), 404)
        csrf = _csrf_token(request)
        html = pages.apps(
            company, self.base_url(request), app_name=self.config.app_name, csrf=csrf,
            connected=self.oauth.is_connected(company["realm_id"], self.clock.now()),
            launch_url=self.config.launch_url,
            notice="Disconnected." if request.args.get("notice") == "disconnected" else "",
        )
        response = self._html(request, html, csrf=csrf)
        response.set_cookie(REALM_COOKIE, company["realm_id"], samesite="Lax")
        if self.config.disconnect_url:  # Disconnect's form ends at the app, another origin
            app_origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.config.disconnect_url))
            response.headers["Content-Security-Policy"] = PAGE_HEADERS[
                "Content-Security-Policy"].replace("form-action 'self'",
                                                   f"form-action 'self' {app_origin}")
        return response

    def on_app_apps_disconnect(self, request: Request) -> Response:
        """Disconnect in QuickBooks: the app's tokens stop working, then QuickBooks sends the
        browser to the app's Disconnect URL (none set: back to the Apps page)."""
        if not _csrf_ok(request):
            return self._csrf_failed(request)
        realm = request.form.get("realmId", "")
        if self.store.company(realm) is None:
            return self._html(request, pages.error("No company", f"No company {realm}."), 404)
        self.oauth.revoke_company(realm)
        log.info("page: disconnect %s from realm %s", self.config.app_name, realm)
        if self.config.disconnect_url:
            return Response("", status=303, headers={"Location": self.config.disconnect_url})
        return _see_other("/app/apps", realmId=realm, notice="disconnected")
    def on_app_customers_merge(self, request: Request) -> Response:
        return self._merge(request, "Customer")

    def on_app_items_merge(self, request: Request) -> Response:
        return self._merge(request, "Item")

    def _merge(self, request: Request, entity: str) -> Response:
        """A bookkeeper's merge (merges.py): the first one's transactions go to the second."""
        if not _csrf_ok(request):
            return self._csrf_failed(request)
        realm = request.form.get("realmId", "")
        company = self.store.company(realm) if realm else None
        if company is None:
            return self._html(request, pages.error("No company", f"No company {realm}."), 404)
        survivor, deleted = request.form.get("survivor", ""), request.form.get("deleted", "")
        try:
            self._page_write(realm, lambda books: merge(books, entity, survivor_id=survivor,
                                                        deleted_id=deleted))
        except QBOFault as fault:
            return self._name_list(request, entity, company=company, status=400,
                                   error=_error_text(fault))
        log.info("page: merge %s %s into %s (realm %s)", entity, deleted, survivor, realm)
        return _see_other("/app/customers" if entity == "Customer" else "/app/items",
                          realmId=realm, notice="merged", id=survivor)

    def _name_list(self, request: Request, entity: str, *, company: dict | None = None,
                   error: str = "", status: int = 200) -> Response:
        """The Customers or the Products and Services list (inactive ones included)."""
        company = company or self._page_company(request)
        if company is None:
            return self._html(request, pages.error("No company", "Create a company first."), 404)
        realm = company["realm_id"]
        shown = self.store.entities(realm, entity)
        notice = "" if error else _notice_text(request.args, next(
            (e for e in shown if e["Id"] == request.args.get("id")), None))
        render = pages.customers if entity == "Customer" else pages.items
        csrf = _csrf_token(request)
        html = render(company, shown, self.base_url(request), csrf=csrf, notice=notice,
                      error=error)
        response = self._html(request, html, status, csrf=csrf)
        response.set_cookie(REALM_COOKIE, realm, samesite="Lax")
        return response

    def _set_active(self, request: Request, entity: str) -> Response:
        """Make inactive (QBO appends " (deleted)" to the name) or active again (the name
        without it), as a full update with the SyncToken the list showed."""
        if not _csrf_ok(request):
            return self._csrf_failed(request)
        realm = request.form.get("realmId", "")
        company = self.store.company(realm) if realm else None
        if company is None:
            return self._html(request, pages.error("No company", f"No company {realm}."), 404)
        active = request.form.get("active") == "true"
        current = self.store.entity(realm, entity, request.form.get("id", ""))
        if current is None:
            return self._name_list(request, entity, company=company, status=404,
                                   error=f"There is no {entity.lower()} with that Id.")
        payload = {**current, "SyncToken": request.form.get("syncToken", ""), "Active": active}
        name_field = NAME_FIELDS[entity]
        name = str(current.get(name_field, ""))
        if active and name.endswith(pages.DELETED_SUFFIX):
            payload[name_field] = name[: -len(pages.DELETED_SUFFIX)]
        try:
            self._page_write(realm, lambda books: books.update(entity, payload, {"include": ""}))
        except QBOFault as fault:
            return self._name_list(request, entity, company=company, status=400,
                                   error=_error_text(fault))
        log.info("page: %s %s %s (realm %s)", "activate" if active else "deactivate", entity,
                 current["Id"], realm)
        return _see_other("/app/customers" if entity == "Customer" else "/app/items",
                          realmId=realm, notice="active" if active else "inactive",
                          id=current["Id"])

    # page helpers ---------------------------------------------------------------------------
    def _page_write(self, realm: str, write: Callable[[Books], dict]) -> dict:
        """One page write as an API write does it: through Books, inside one store
        transaction (rules, balances, change events); a QBOFault rolls all of it back."""
        with self.store.transaction():
            company = self.store.company(realm)
            if company is None:
                raise forbidden(f"No company with realmId {realm}.")
            return write(Books(self.store, company, self.clock.now()))

    def _current_company(self, request: Request) -> dict | None:
        """The browser's current company: the one it last worked in (the cookie); a browser
        that has worked in none, with only one company to open: that one."""
        realm = request.cookies.get(REALM_COOKIE)
        company = self.store.company(realm) if realm else None
        if company is None:
            companies = self.store.companies()
            company = companies[0] if len(companies) == 1 else None
        return company

    def _choose_company(self, request: Request, status: int = 200) -> Response:
        """QuickBooks' company selection, for a browser with no current company."""
        return self._html(request, pages.choose_company(self.store.companies(),
                                                        self.base_url(request)), status)

    def _page_company(self, request: Request) -> dict | None:
        """The company a page shows: ?realmId=, else the realm cookie, else the first."""
        realm = request.args.get("realmId") or request.cookies.get(REALM_COOKIE)
        company = self.store.company(realm) if realm else None
        if company is None:
            companies = self.store.companies()
            company = companies[0] if companies else None
        return company

    def _invoice_form(self, request: Request) -> Response | tuple[bool, dict, dict]:
        """The start of a bookkeeper form on one invoice: the CSRF check on POST, then the
        invoice (named by the form on POST, by the query on GET). A Response ends it there."""
        posted = request.method == "POST"
        if posted and not _csrf_ok(request):
            return self._csrf_failed(request)
        values = request.form if posted else request.args
        found = self._find_invoice(request, values, guess=not posted)
        if found is None:
            return self._invoice_not_found(request, values.get("txnId", ""))
        return (posted, *found)

    def _find_invoice(self, request: Request, values: Mapping[str, str], *,
                      guess: bool) -> tuple[dict, dict] | None:
        """(company, invoice) for a bookkeeper form's txnId: in the company its realmId names
        (the sandbox's own action buttons and forms carry it), else (`guess`, GET pages) the
        browser's current company. Never another company's invoice with that id."""
        txn_id = values.get("txnId", "")
        realm = values.get("realmId")
        company = (self.store.company(realm) if realm
                   else self._current_company(request) if guess else None)
        invoice = company and self.store.entity(company["realm_id"], "Invoice", txn_id)
        return (company, invoice) if invoice else None

    def _find_txn(self, request: Request,
                  entities: tuple[str, ...]) -> tuple[dict, str, dict] | None:
        """(company, entity, transaction) for a GET page's txnId: in the company its realmId
        names (the sandbox's own pages carry it), else the browser's current company.
        Transactions share one Id sequence per company, so a txnId names one transaction
        there, whatever its type."""
        txn_id = request.args.get("txnId", "")
        realm = request.args.get("realmId")
        company = self.store.company(realm) if realm else self._current_company(request)
        for entity in entities if company and txn_id else ():
            txn = self.store.entity(company["realm_id"], entity, txn_id)
            if txn:
                return company, entity, txn
        return None

    def _lookups(self, company: dict) -> books_pages.Lookups:
        return books_pages.Lookups.read(self.store, company["realm_id"],
                                        str(company.get("country", "")))

    def _invoice_not_found(self, request: Request, txn_id: str, *,
                           company: dict | None = None) -> Response:
        if company is None:
            html = pages.error("Invoice not found", f"No invoice with transaction ID {txn_id}.")
        else:
            html = pages.error(
                "Invoice not found",
                f"{company['name']} has no invoice with transaction ID {txn_id}. QuickBooks "
                f"opens links in the company you last worked in, here {company['name']}; if "
                "the invoice is another company's, switch to that company (Settings, Switch "
                "company) and open the link again.")
        return self._html(request, html, 404)

    def _csrf_failed(self, request: Request) -> Response:
        log.warning("page: %s %s refused: CSRF token missing or wrong", request.method,
                    request.path)
        html = pages.error("This form has expired",
                           "Its security token is missing or does not match this browser's; "
                           "nothing was changed. Go back, reload the page and try again.")
        return self._html(request, html, 403)

    def _html(self, request: Request, html: str, status: int = 200, *,
              csrf: str | None = None) -> Response:
        """A QBO-like page with its security headers; sets the CSRF cookie if it is new."""
        response = Response(html, status=status, headers=PAGE_HEADERS,
                            content_type="text/html; charset=utf-8")
        if csrf is not None and request.cookies.get(CSRF_COOKIE) != csrf:
            response.set_cookie(CSRF_COOKIE, csrf, path="/app", httponly=True, samesite="Lax",
                                secure=request.scheme == "https")
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
            if time.monotonic() - started > self.config.request_cut_seconds:
                raise gateway_timeout()  # Intuit cuts a request at 120 s; its work is kept
            response = body.response() if isinstance(body, paths.Answer) \
                else json_response(body, status)
        except QBOFault as fault:
            response = json_response(fault.body(self.clock.now()), fault.status, fault.headers)
            if fault.code in XML_FAULT_CODES:  # Intuit's gateway answers in XML, always
                response = Response(intuit_xml(fault, self.clock.now()), status=fault.status,
                                    headers=fault.headers,
                                    content_type="application/xml;charset=UTF-8")
        finally:
            if entered:
                self.limiter.leave(realm)
        self._log(request, realm, entity, response.status_code, started, throttled=throttled,
                  cost=metering.cost(request.method, parts, request.get_data()))
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
            if is_write and not accepts_writes(company):
                raise invalid_company_status()  # before the requestid: never remembered
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
            if isinstance(body, paths.Answer):  # a PDF or a report: as it is
                return status, body
            body["time"] = qbo_time(now)
            body = shapes.dress(body, books)  # Intuit's keys and formats (shapes.py)
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
            return run_batch(books, _json_body(request), max_items=self.config.batch_max_items,
                             apply_items=apply_items)
        if head == "upload" and request.method == "POST":  # attachables.py
            return books.upload(request.content_type or "", request.get_data())
        if parts[:2] == ["taxservice", "taxcode"] and request.method == "POST":  # taxes.py
            return books.tax_service(_json_body(request))
        entity = ENTITY_PATHS.get(head)
        beyond = paths.route(books, request, parts, entity)  # reports, send, pdf, or a fault
        if beyond is not None:
            return beyond
        if request.method == "GET":
            if entity == "Preferences":
                return {"Preferences": books.preferences()}
            if entity == "ExchangeRate":  # read by currency and date, not by Id
                return {"ExchangeRate": books.exchange_rate(
                    request.args.get("sourcecurrencycode"), request.args.get("asofdate"))}
            if len(parts) != 2:
                raise unsupported_operation(f"GET {head} without an Id")
            if entity == "CompanyInfo":
                return {"CompanyInfo": books.company_info()}
            found = books.get(entity, parts[1])
        else:
            found = self.write(books, entity, _json_body(request), request.args)
        if entity == "Invoice" and "invoicelink" in request.args.get("include", "").lower():
            found = books.invoice_link(found, self.base_url(request))
        return {entity: found}

    def write(self, books: Books, entity: str, payload: dict, params: Any) -> dict:
        """One create/update/void/delete, chosen like QBO: by `operation` and by Id."""
        return books.write(entity, payload, params)

    def on_sandbox_sent(self, request: Request, realm: str) -> Response:
        """Control API: the forms emailed through `POST <form>/<id>/send` (form_delivery.py);
        DELETE forgets them."""
        if request.method == "DELETE":
            self.store.execute("DELETE FROM sent_forms WHERE realm_id = ?", (realm,))
        return json_response({"sent": form_delivery.sent(self.store, realm)})

    # request log --------------------------------------------------------------------------
    def _log(self, request: Request, realm: str | None, entity: str, status: int,
             started: float, *, throttled: bool = False,
             cost: metering.Cost | None = None) -> None:
        cost = cost or metering.Cost("", 0, 0)  # OAuth calls: not the Accounting API
        self.store.execute(
            "INSERT INTO request_log (time, method, path, realm, entity, status, requestid, "
            "duration_ms, throttled, minorversion, kind, metered, writes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.clock.now(), request.method, request.path, realm, entity, status,
             request.args.get("requestid"), (time.monotonic() - started) * 1000,
             int(throttled or status == 429), request.args.get("minorversion"),
             cost.kind, cost.metered, cost.writes),
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


# bookkeeper page helpers ------------------------------------------------------------------
class _FormError(Exception):
    """A form value the page rejects before asking Books (shown like a fault)."""


def _csrf_token(request: Request) -> str:
    """This browser's CSRF token: its cookie's, else a new random one (set by `_html`)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if _CSRF_SHAPE.fullmatch(token) else secrets.token_urlsafe(32)


def _csrf_ok(request: Request) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(pages.CSRF_FIELD, "")
    return bool(_CSRF_SHAPE.fullmatch(cookie)) and hmac.compare_digest(
        cookie.encode(), sent.encode())


def _in_company(response: Response, realm: str) -> Response:
    """A page write happened in this company: it is the browser's current company now."""
    response.set_cookie(REALM_COOKIE, realm, samesite="Lax")
    return response


def _see_other(path: str, **params: Any) -> Response:
    """Post/Redirect/Get: a relative 303 to the page that shows the result."""
    return Response("", status=303, headers={"Location": pages.link("", path, **params)})


def _error_text(exc: Exception) -> str:
    if isinstance(exc, QBOFault):
        detail = f": {exc.detail}" if exc.detail and exc.detail != exc.message else ""
        return f"{exc.message}{detail} (code {exc.code})"
    return str(exc)


def _notice_text(args: Mapping[str, str], entity: dict | None) -> str:
    """The message a page shows after a redirect (`notice=` from `_see_other`)."""
    code = args.get("notice", "")
    if code == "payment":
        return "Payment recorded."
    if code == "voided":
        return "Invoice voided."
    if code == "deleted":
        return " ".join(part for part in ("Invoice", args.get("doc", ""), "deleted.") if part)
    if code == "merged" and entity is not None:
        return f"Merged into {entity.get('DisplayName') or entity.get('Name')}."
    if code in ("active", "inactive") and entity is not None:
        name = entity.get("DisplayName") or entity.get("Name") or entity["Id"]
        return f"{name} is now {code}."
    return ""


def _payment_payload(invoice: dict, form: dict[str, str], methods: list[dict],
                     accounts: list[dict]) -> dict:
    """The Payment a Receive payment form makes: the whole amount applied to the invoice.
    With no PaymentMethod entities the chosen Cash / Check goes in the memo, not a ref; with
    no bank or Undeposited Funds account there is no DepositToAccountRef."""
    try:
        amount = Decimal(form["amount"].replace(",", ""))
    except InvalidOperation:
        raise _FormError("Enter the amount received as a number, e.g. 120.00.") from None
    if not amount.is_finite() or amount <= 0:
        raise _FormError("The amount received must be more than 0.")
    payload: dict[str, Any] = {
        "CustomerRef": {"value": str(invoice["CustomerRef"]["value"])},
        "TotalAmt": float(amount),
        "Line": [{"Amount": float(amount),
                  "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    }
    if form["txnDate"]:
        payload["TxnDate"] = form["txnDate"]
    if form["refNum"]:
        payload["PaymentRefNum"] = form["refNum"]
    method = form["paymentMethod"]
    if methods:
        if method and method not in {str(m["Id"]) for m in methods}:
            raise _FormError("Choose a payment method from the list.")
        if method:
            payload["PaymentMethodRef"] = {"value": method}
    elif method in pages.PLAIN_PAYMENT_METHODS:
        payload["PrivateNote"] = f"Payment method: {method}"
    elif method:
        raise _FormError("Choose a payment method from the list.")
    if accounts:
        if form["depositTo"] not in {str(a["Id"]) for a in accounts}:
            raise _FormError("Choose the account to deposit to.")
        payload["DepositToAccountRef"] = {"value": form["depositTo"]}
    return payload


def create_app(
    data_dir: str | Path,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    time_scale: float = 1.0,
    latency_ms: float = 0,
    public_url: str | None = None,
    sample_data: bool = True,
) -> SandboxApp:
    """Build the sandbox app on DATA_DIR/sandbox.sqlite3 (creating sample companies once:
    with Intuit-like sample data, or bare with `sample_data=False`)."""
    return SandboxApp(
        data_dir,
        client_id=client_id or os.environ.get("QBO_SANDBOX_CLIENT_ID", DEFAULT_CLIENT_ID),
        client_secret=client_secret
        or os.environ.get("QBO_SANDBOX_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
        time_scale=time_scale,
        latency_ms=latency_ms,
        public_url=public_url,
        sample_data=sample_data,
    )


def _call_kind(request: Request, parts: list[str]) -> str:
    """What a fault script's "on" matches: read, query, write or batch."""
    head = parts[0].lower() if parts else ""
    if head == "query":
        return "query"
    if request.method != "POST":
        return "read"
    return "batch" if head == "batch" else "write"
