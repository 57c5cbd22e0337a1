"""Error tracking with Sentry (sentry-sdk), on only when SENTRY_DSN is set.

The Django and Celery integrations report a page's or a task's unexpected error. Before an
event leaves the process, `scrub_event` removes what must never reach a third party: OAuth
tokens and sign-in codes, cookies and session ids, Authorization and intuit-signature headers,
request bodies (a form, a QuickBooks webhook delivery), the text of a QuickBooks query, the
JSON sent to or answered by QuickBooks, and every stack frame's local variables (a push's
frames hold its payload and its access token). What stays: the exception's type, our own
messages (blanked as the logs are), where it happened, the path and method, the realm.
"""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .log_redaction import redact

FILTERED = "[Filtered]"

# Keys whose values are secrets or QuickBooks data wherever they appear in an event.
_SECRET_KEY = re.compile(
    r"token|secret|password|passwd|authorization|cookie|session|csrf|signature|(?<!status_)code|"
    r"payload|body|answer|response|entity|entities|query|dsn|api[-_]?key|^args$|^kwargs$",
    re.IGNORECASE)
# Headers kept as they are (nothing of a person or a company in them).
_SAFE_HEADERS = {"accept", "accept-encoding", "accept-language", "content-length",
                 "content-type", "host", "user-agent", "x-forwarded-for",
                 "x-forwarded-proto", "x-request-id"}
# JSON or a dict's repr inside a message: QuickBooks data ("{"Invoice": {"Line": ...}}").
_OBJECT_TEXT = re.compile(r"[{\[].*[}\]]", re.DOTALL)
_MAX_TEXT = 1000
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")


def scrub_text(text: str) -> str:
    """A message or an exception's value: secrets blanked, any JSON or dict in it removed."""
    return redact(_OBJECT_TEXT.sub("{…}", text))[:_MAX_TEXT]


def scrub_url(url: str) -> str:
    """The URL without its query (a sign-in code, a QuickBooks query's text, a requestid)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return FILTERED
    if not parts.scheme and not parts.netloc:
        return parts.path.split("?")[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _scrub_mapping(value: Any, depth: int = 0) -> Any:
    """Extra data, contexts, tags: secret-named keys filtered, texts scrubbed, kept shallow."""
    if depth > 4:
        return FILTERED
    if isinstance(value, dict):
        return {key: FILTERED if _SECRET_KEY.search(str(key))
                else _scrub_mapping(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_mapping(item, depth + 1) for item in value[:50]]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _scrub_request(request: dict) -> dict:
    headers = request.get("headers") or {}
    kept = {"method": request.get("method"), "url": scrub_url(request.get("url") or "")}
    kept["headers"] = {name: (value if name.lower() in _SAFE_HEADERS else FILTERED)
                       for name, value in headers.items()}
    if request.get("query_string"):
        kept["query_string"] = FILTERED
    if "data" in request:
        kept["data"] = FILTERED  # a form, a webhook delivery: never sent
    return {key: value for key, value in kept.items() if value is not None}


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    """An HTTP call keeps its method, status and URL without the query; a log line its
    scrubbed message; no breadcrumb keeps any other data."""
    data = crumb.get("data") or {}
    kept: dict[str, Any] = {}
    if crumb.get("type") == "http" or crumb.get("category") in {"httplib", "http"}:
        kept = {key: data[key] for key in ("method", "status_code", "reason") if key in data}
        if data.get("url"):
            kept["url"] = scrub_url(str(data["url"]))
    scrubbed = {key: crumb[key] for key in ("type", "category", "level", "timestamp")
                if key in crumb}
    if crumb.get("message"):
        scrubbed["message"] = scrub_text(str(crumb["message"]))
    if kept:
        scrubbed["data"] = kept
    return scrubbed


def _scrub_frames(container: dict) -> None:
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        frame.pop("vars", None)


def _scrub_span(span: dict) -> dict:
    if span.get("description"):
        # "POST https://quickbooks.api.intuit.com/v3/company/1/query?query=select ..."
        method, _, rest = str(span["description"]).partition(" ")
        if rest.startswith(("http", "/")):
            span["description"] = f"{method} {scrub_url(rest)}"
        else:  # SQL: its values are parameters (no PII sent); a literal in it goes too
            span["description"] = _SQL_LITERAL.sub("%s", scrub_text(span["description"]))
    if span.get("data"):
        span["data"] = {key: (scrub_url(str(value)) if key in {"url", "http.url"}
                              else FILTERED if _SECRET_KEY.search(key) or key.startswith("http.")
                              else _scrub_mapping(value))
                        for key, value in span["data"].items()}
    return span


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send (and before_send_transaction): the event, with nothing in it that
    is a secret or QuickBooks data. Pure: it only rewrites the dict it is given."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"] or {})
    for entry in (event.get("exception") or {}).get("values") or []:
        if entry.get("value"):
            entry["value"] = scrub_text(str(entry["value"]))
        _scrub_frames(entry)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    if isinstance(event.get("logentry"), dict):
        logentry = event["logentry"]
        formatted = logentry.get("formatted") or logentry.get("message") or ""
        event["logentry"] = {"message": scrub_text(str(formatted))}
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        breadcrumbs["values"] = [scrub_breadcrumb(c) for c in breadcrumbs.get("values") or []]
    elif isinstance(breadcrumbs, list):
        event["breadcrumbs"] = [scrub_breadcrumb(c) for c in breadcrumbs]
    for key in ("extra", "contexts", "tags"):
        if event.get(key):
            event[key] = _scrub_mapping(event[key])
    for span in event.get("spans") or []:
        _scrub_span(span)
    if event.get("user"):
        event["user"] = {key: value for key, value in event["user"].items() if key == "id"}
    event.pop("modules", None)  # nothing secret, only noise
    return event


def init_sentry(*, dsn: str, environment: str, release: str = "",
                traces_sample_rate: float = 0.0, transport: Callable | None = None) -> bool:
    """Turns Sentry on when `dsn` is set (settings.py calls it with SENTRY_DSN); True if on."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # no user names, addresses, cookies or request bodies
        include_local_variables=False,  # a frame's variables hold payloads and tokens
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        **options,
    )
    return True
