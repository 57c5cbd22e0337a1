"""The control API under /_sandbox/ (JSON) used by tests, benchmarks and the demo.

Endpoints: reset, companies (+ preferences, entities, merge), requests (+ counts), config, faults,
authorize, tokens/expire, clock (+ advance), webhooks (+ flush, faults). See README.md for
bodies and answers.
"""

from __future__ import annotations

import json
from typing import Any, Protocol
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .catalog import ENTITY_PATHS
from .companies import (
    COMPANY_SETTINGS,
    DEFAULT_PREFERENCES,
    accepts_writes,
    closed_through,
    create_company,
    plan_of,
    set_closing_date,
    set_multicurrency,
    set_status,
    summary,
)
from .entities import Books
from .faults import QBOFault
from .limits import Clock, Config, Limiter
from .merges import merge
from .oauth import OAuthError, OAuthServer
from .store import Store
from .tracking import DEPARTMENT_TERMS
from .webhooks import Webhooks


class SandboxApp(Protocol):
    """What the control API needs of the app serving it: app.py's SandboxApp is one. Typed
    here so that control never imports app (app imports control for its routes)."""

    store: Store
    config: Config
    clock: Clock
    limiter: Limiter
    oauth: OAuthServer
    webhooks: Webhooks

    def reset(self, *, empty: bool, sample_data: bool | None = None) -> None: ...

    def advance_clock(self, seconds: float) -> None: ...

    def anchor_clock(self) -> None: ...

RULES = [
    Rule("/_sandbox/reset", endpoint="ctl_reset", methods=["POST"]),
    Rule("/_sandbox/companies", endpoint="ctl_companies", methods=["GET", "POST"]),
    Rule("/_sandbox/companies/<realm>", endpoint="ctl_company", methods=["GET"]),
    Rule("/_sandbox/companies/<realm>/preferences", endpoint="ctl_preferences",
         methods=["GET", "PATCH", "POST"]),
    Rule("/_sandbox/companies/<realm>/closing-date", endpoint="ctl_closing_date",
         methods=["GET", "POST"]),
    Rule("/_sandbox/companies/<realm>/status", endpoint="ctl_status", methods=["GET", "POST"]),
    Rule("/_sandbox/companies/<realm>/entities/<entity>", endpoint="ctl_entities",
         methods=["GET"]),
    Rule("/_sandbox/companies/<realm>/merge", endpoint="ctl_merge", methods=["POST"]),
    Rule("/_sandbox/requests", endpoint="ctl_requests", methods=["GET", "DELETE"]),
    Rule("/_sandbox/requests/counts", endpoint="ctl_request_counts", methods=["GET"]),
    Rule("/_sandbox/config", endpoint="ctl_config", methods=["GET", "POST", "PATCH"]),
    Rule("/_sandbox/faults", endpoint="ctl_faults", methods=["GET", "POST", "DELETE"]),
    Rule("/_sandbox/authorize", endpoint="ctl_authorize", methods=["POST"]),
    Rule("/_sandbox/tokens/expire", endpoint="ctl_expire_tokens", methods=["POST"]),
    Rule("/_sandbox/clock", endpoint="ctl_clock", methods=["GET"]),
    Rule("/_sandbox/clock/advance", endpoint="ctl_clock_advance", methods=["POST"]),
    Rule("/_sandbox/webhooks", endpoint="ctl_webhooks", methods=["GET", "POST", "DELETE"]),
    Rule("/_sandbox/webhooks/flush", endpoint="ctl_webhooks_flush", methods=["POST"]),
    Rule("/_sandbox/webhooks/faults", endpoint="ctl_webhook_faults",
         methods=["GET", "POST", "DELETE"]),
]


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def dispatch(app: SandboxApp, endpoint: str, request: Request, **args: Any) -> Response:
    handler = globals().get(endpoint)
    if handler is None or not endpoint.startswith("ctl_"):
        return _json({"error": f"no handler for {endpoint}"}, 404)
    payload = request.get_json(force=True, silent=True) if request.get_data() else {}
    if payload is None or not isinstance(payload, dict):
        return _json({"error": "the body must be a JSON object"}, 400)
    try:
        return _json(*handler(app, request, payload, **args))
    except (ControlError, ValueError, KeyError, TypeError) as exc:
        status = exc.status if isinstance(exc, ControlError) else 400
        return _json({"error": str(exc)}, status)


def _company(app: SandboxApp, realm: str) -> dict[str, Any]:
    company = app.store.company(realm)
    if company is None:
        raise ControlError(404, f"no company with realm id {realm}")
    return company


def ctl_reset(app: SandboxApp, request: Request, payload: dict) -> tuple:
    sample_data = payload.get("sample_data")  # None: the app's setting (CLI --no-sample-data)
    if sample_data is not None and not isinstance(sample_data, bool):
        raise ValueError("sample_data must be true or false")
    app.reset(empty=bool(payload.get("empty")), sample_data=sample_data)
    return ({"companies": [summary(app.store, c) for c in app.store.companies()]},)


def ctl_companies(app: SandboxApp, request: Request, payload: dict) -> tuple:
    if request.method == "GET":
        return ({"companies": [summary(app.store, c) for c in app.store.companies()]},)
    if not payload.get("name"):
        raise ValueError("name is required")
    with app.store.uncaptured():  # a new company's defaults are no webhook events
        created = create_company(
            app.store, app.clock.now(), name=payload["name"],
            country=payload.get("country", "US"), preferences=payload.get("preferences"),
            tax_codes=payload.get("tax_codes"), realm_id=payload.get("realm_id"),
            sample_data=bool(payload.get("sample_data", False)),  # tests want bare ones
        )
    return created, 201


def ctl_company(app: SandboxApp, request: Request, payload: dict, realm: str) -> tuple:
    return (summary(app.store, _company(app, realm)),)


def ctl_preferences(app: SandboxApp, request: Request, payload: dict, realm: str) -> tuple:
    company = _company(app, realm)
    if request.method != "GET":
        for key, value in payload.items():
            if key not in DEFAULT_PREFERENCES and key not in COMPANY_SETTINGS:
                known = sorted([*DEFAULT_PREFERENCES, *COMPANY_SETTINGS])
                raise ValueError(f"unknown preference {key!r}; known: {known}")
            if key == "multicurrency":
                set_multicurrency(company, bool(value))
            elif key == "department_terminology":
                if value not in DEPARTMENT_TERMS:
                    raise ValueError(f"department_terminology must be one of "
                                     f"{', '.join(DEPARTMENT_TERMS)}")
                company["preferences"][key] = value
            else:
                company["preferences"][key] = bool(value)
        if company["country"] == "CA":
            company["preferences"]["gratuity"] = False
        app.store.save_company(company, company["created_at"])
    return (company["preferences"],)


def ctl_closing_date(app: SandboxApp, request: Request, payload: dict, realm: str) -> tuple:
    """Close the books through {"date": "YYYY-MM-DD"}, or open them ({"date": null})."""
    company = _company(app, realm)
    if request.method == "POST":
        set_closing_date(company, payload.get("date"))
        app.store.save_company(company, company["created_at"])
    return ({"date": closed_through(company) or None},)


def ctl_status(app: SandboxApp, request: Request, payload: dict, realm: str) -> tuple:
    """{"status": "active" | "lapsed", "plan": "simple_start" | "essentials" | "plus" |
    "advanced"}: a lapsed company answers every write with 6190."""
    company = _company(app, realm)
    if request.method == "POST":
        set_status(company, status=payload.get("status"), plan=payload.get("plan"))
        app.store.save_company(company, company["created_at"])
    return ({"status": "active" if accepts_writes(company) else "lapsed",
             "plan": plan_of(company)},)


def ctl_entities(app: SandboxApp, request: Request, payload: dict, realm: str,
                 entity: str) -> tuple:
    company = _company(app, realm)
    name = ENTITY_PATHS.get(entity.lower())
    if name is None:
        raise ControlError(404, f"unknown entity {entity}")
    books = Books(app.store, company, app.clock.now())
    return ({name: books.all(name)},)


def ctl_merge(app: SandboxApp, request: Request, payload: dict, realm: str) -> tuple:
    """A bookkeeper's merge: {"entity": "Customer" | "Item", "survivor": Id, "deleted": Id}
    (merges.py); answers the survivor, or QuickBooks' fault."""
    entity = str(payload.get("entity", ""))
    if not payload.get("survivor") or not payload.get("deleted"):
        raise ValueError("survivor and deleted (the two Ids) are required")
    try:
        with app.store.transaction():
            books = Books(app.store, _company(app, realm), app.clock.now())
            survivor = merge(books, entity, survivor_id=str(payload["survivor"]),
                             deleted_id=str(payload["deleted"]))
    except QBOFault as fault:
        return fault.body(), fault.status
    return ({entity: survivor},)


def ctl_requests(app: SandboxApp, request: Request, payload: dict) -> tuple:
    if request.method == "DELETE":
        app.store.execute("DELETE FROM request_log")
        return ({"deleted": True},)
    sql, params = "SELECT * FROM request_log WHERE 1 = 1", []
    if request.args.get("realm"):
        sql += " AND realm = ?"
        params.append(request.args["realm"])
    if request.args.get("since"):
        sql += " AND time >= ?"
        params.append(float(request.args["since"]))
    rows = app.store.rows(sql + " ORDER BY id", params)
    return ({"requests": [dict(row) for row in rows]},)


def ctl_request_counts(app: SandboxApp, request: Request, payload: dict) -> tuple:
    """How many requests, by company, answer, operation and kind; and what they cost
    (metering.py): `metered` data-out calls and `writes`, in all and per company
    (`metered_by_realm`: {realm: {"read", "query", "cdc", "batch_query", "writes"}}; requests
    by kind per company: `by_realm_kind`)."""
    rows = app.store.rows("SELECT realm, status, method, entity, throttled, kind, metered, "
                          "writes FROM request_log")
    counts: dict[str, Any] = {"total": len(rows), "by_realm": {}, "by_status": {},
                              "by_operation": {}, "by_kind": {}, "throttled": 0,
                              "metered": 0, "writes": 0, "metered_by_realm": {},
                              "by_realm_kind": {}}
    for row in rows:
        for key, value in (
            ("by_realm", row["realm"] or "-"),
            ("by_status", str(row["status"])),
            ("by_operation", f"{row['method']} {row['entity'] or '-'}"),
            ("by_kind", row["kind"] or "oauth"),
        ):
            counts[key][value] = counts[key].get(value, 0) + 1
        counts["throttled"] += row["throttled"]
        counts["metered"] += row["metered"]
        counts["writes"] += row["writes"]
        if row["kind"]:
            kinds = counts["by_realm_kind"].setdefault(row["realm"] or "-", {})
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
            realm = counts["metered_by_realm"].setdefault(
                row["realm"] or "-", {"read": 0, "query": 0, "cdc": 0, "batch_query": 0,
                                      "writes": 0})
            if row["metered"]:
                realm["batch_query" if row["kind"] == "batch" else row["kind"]] += row["metered"]
            realm["writes"] += row["writes"]
    return (counts,)


def ctl_config(app: SandboxApp, request: Request, payload: dict) -> tuple:
    if request.method != "GET":
        app.config.update(payload)
        if "time_scale" in payload:
            app.clock.set_scale(app.config.time_scale)
            app.anchor_clock()
    return (app.config.as_dict(),)


def ctl_faults(app: SandboxApp, request: Request, payload: dict) -> tuple:
    if request.method == "DELETE":
        app.limiter.reset()
    elif request.method == "POST":
        app.limiter.script_faults(payload.get("realm"), list(payload.get("responses", [])))
    return ({"pending": app.limiter.scripted_count(), "holding": app.limiter.holding_count(),
             "injected": app.limiter.injected},)


def ctl_authorize(app: SandboxApp, request: Request, payload: dict) -> tuple:
    """Press "Connect" without a browser: returns the code and the redirect it would send."""
    params = {
        "client_id": payload.get("client_id", app.oauth.client_id),
        "response_type": "code",
        "scope": payload.get("scope", "com.intuit.quickbooks.accounting"),
        "redirect_uri": payload.get("redirect_uri", ""),
        "state": payload.get("state", ""),
    }
    try:
        app.oauth.check_authorize_request(params)
    except OAuthError as exc:
        raise ControlError(400, f"{exc.error}: {exc.description}") from None
    realm = str(payload.get("realm_id", ""))
    _company(app, realm)
    code = app.oauth.issue_code(realm_id=realm, redirect_uri=params["redirect_uri"],
                                scope=params["scope"], now=app.clock.now())
    query = urlencode({"code": code, "state": params["state"], "realmId": realm})
    separator = "&" if "?" in params["redirect_uri"] else "?"
    return ({"code": code, "realm_id": realm, "state": params["state"],
             "redirect": params["redirect_uri"] + separator + query},)


def ctl_expire_tokens(app: SandboxApp, request: Request, payload: dict) -> tuple:
    expired = app.oauth.expire_access_tokens(payload.get("realm"), app.clock.now())
    return ({"expired": expired},)


def ctl_clock(app: SandboxApp, request: Request, payload: dict) -> tuple:
    return ({"now": app.clock.now(), "time_scale": app.clock.scale},)


def ctl_clock_advance(app: SandboxApp, request: Request, payload: dict) -> tuple:
    app.advance_clock(float(payload.get("seconds", 0)))
    return ({"now": app.clock.now()},)


def ctl_webhooks(app: SandboxApp, request: Request, payload: dict) -> tuple:
    if request.method == "DELETE":
        app.webhooks.clear()
    elif request.method == "POST":
        registration = app.webhooks.register(
            payload.get("url", ""), payload.get("verifier_token", ""),
            entities=payload.get("entities"), realm=payload.get("realm"))
        return registration, 201
    return (app.webhooks.status(),)


def ctl_webhooks_flush(app: SandboxApp, request: Request, payload: dict) -> tuple:
    return ({"deliveries": app.webhooks.flush()},)


def ctl_webhook_faults(app: SandboxApp, request: Request, payload: dict) -> tuple:
    if request.method == "DELETE":
        app.webhooks.clear_faults()
    elif request.method == "POST":
        return (app.webhooks.add_faults(payload),)
    return (app.webhooks.faults(),)


# batch (lives here because it fans out to the same writes the API routes use) ------------
