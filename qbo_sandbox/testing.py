"""Helpers for using the sandbox from tests: in-process via `responses`, or as a real server,
and a pytest plugin for other projects.

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(rsps, app)                      # http://qbo-sandbox.test now reaches `app`

    with serve(tmp_path) as base_url:         # a real threaded HTTP server on a free port
        ...

The pytest plugin: in another project's top-level conftest.py,

    pytest_plugins = ["qbo_sandbox.testing"]

    def test_reads_the_sample_customers(qbo_sandbox):
        qb = qbo_sandbox.quickbooks()     # python-quickbooks, connected to the US company
        token = qbo_sandbox.access_token  # or plain HTTP: GET qbo_sandbox.api_url + "/customer/1"
                                          # with "Authorization: Bearer <token>"

`qbo_sandbox` (function scope) is a `Sandbox`: a real server on 127.0.0.1 with its own data
folder in `tmp_path`, the four sample companies filled with Intuit-like sample data, and an
app already connected to the US company (`realm`, `access_token`, `refresh_token`). Options:
`--qbo-sandbox-latency-ms=N` (every API call waits N ms, e.g. 150 as Intuit's answer does).
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SandboxApp, create_app

DEFAULT_BASE_URL = "http://qbo-sandbox.test"
DISCOVERY_PATH = "/.well-known/openid_sandbox_configuration/"
READY_LINE = re.compile(r"qbo_sandbox listening on (http://\S+)")


def mount(rsps: Any, app: SandboxApp, base_url: str = DEFAULT_BASE_URL) -> str:
    """Route every request to `base_url` (any method) through `rsps` into the WSGI `app`."""
    base_url = base_url.rstrip("/")
    pattern = re.compile(re.escape(base_url) + r"(/.*)?$")

    def callback(request: Any) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        builder = EnvironBuilder(
            path=parts.path or "/",
            base_url=base_url,
            query_string=parts.query,
            method=request.method,
            headers=dict(request.headers),
            data=body,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        chunks, status, headers = run_wsgi_app(app, environ, buffered=True)
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return int(status.split()[0]), dict(headers.items()), content

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
        rsps.add_callback(method, pattern, callback=callback)
    return base_url


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def serve(
    data_dir: str | Path, port: int = 0, host: str = "127.0.0.1", *, sample_data: bool = True,
    **opts: Any,
) -> Iterator[str]:
    """Run the real threaded server in a background thread; yield its base URL.
    `sample_data=False`: the sample companies are bare (as hatsync's tests want them)."""
    app = create_app(data_dir, sample_data=sample_data, **opts)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="qbo-sandbox", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.close()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_subprocess(
    data_dir: str | Path, port: int | None = None, *extra_args: str, timeout: float = 15.0,
    sample_data: bool = True,
) -> tuple[subprocess.Popen, str]:
    """Start `python -m qbo_sandbox` and wait for its ready line; return (process, base URL).
    `sample_data=False` passes `--no-sample-data` (bare sample companies)."""
    port = port or free_port()
    if not sample_data:
        extra_args = ("--no-sample-data", *extra_args)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "qbo_sandbox", "--port", str(port), "--data-dir", str(data_dir),
         *extra_args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = READY_LINE.search(line)
        if match:
            return process, match.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("qbo_sandbox did not print its ready line")


# pytest plugin ------------------------------------------------------------------------------
US_REALM = "9341453108260001"  # Craig's Design and Landscaping Services (sample data)
REDIRECT_URI = "http://localhost:8000/callback"


@dataclass
class Sandbox:
    """A running sandbox and an app connected to one of its companies: what a test needs to
    point any client at it (python-quickbooks, intuit-oauth, node-quickbooks, curl)."""

    base_url: str  # e.g. http://127.0.0.1:41234
    realm: str  # the connected company's realmId
    client_id: str
    client_secret: str
    access_token: str
    refresh_token: str
    redirect_uri: str = REDIRECT_URI

    @property
    def api_url(self) -> str:
        """The Accounting API of the connected company: `{api_url}/customer/1`."""
        return f"{self.base_url}/v3/company/{self.realm}"

    @property
    def discovery_url(self) -> str:
        """intuit-oauth's `environment`: the OpenID discovery document's URL."""
        return self.base_url + DISCOVERY_PATH

    def control(self, method: str, path: str, body: dict | None = None) -> Any:
        """A control API call (`/_sandbox/<path>`), e.g. `control("POST", "clock/advance",
        {"seconds": 3600})`; answers the JSON."""
        return _http_json(method, f"{self.base_url}/_sandbox/{path}", body)

    def connect(self, realm: str) -> Sandbox:
        """A Sandbox connected to another company (Connect pressed, code exchanged)."""
        return connect(self.base_url, realm, self.client_id, self.client_secret)

    def quickbooks(self, **kwargs: Any) -> Any:
        """A python-quickbooks `QuickBooks` client for the connected company (needs the
        `python-quickbooks` and `intuit-oauth` packages; plain http is allowed for it)."""
        from intuitlib.client import AuthClient
        from quickbooks import QuickBooks

        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
        auth = AuthClient(self.client_id, self.client_secret, self.redirect_uri,
                          environment=self.discovery_url)
        auth.access_token, auth.refresh_token = self.access_token, self.refresh_token
        auth.realm_id = self.realm
        kwargs.setdefault("minorversion", 75)
        client = QuickBooks(auth_client=auth, refresh_token=self.refresh_token,
                            company_id=self.realm, **kwargs)
        client.api_url_v3 = self.base_url + "/v3"
        return client


def connect(base_url: str, realm: str = US_REALM, client_id: str = DEFAULT_CLIENT_ID,
            client_secret: str = DEFAULT_CLIENT_SECRET) -> Sandbox:
    """Connect an app to company `realm` of the sandbox at `base_url` without a browser:
    the consent screen's Connect (control API `authorize`), then the token exchange."""
    code = _http_json("POST", f"{base_url}/_sandbox/authorize", {
        "realm_id": realm, "redirect_uri": REDIRECT_URI, "state": "qbo-sandbox-testing",
        "client_id": client_id})["code"]
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    request = Request(_http_url(f"{base_url}/oauth2/v1/tokens/bearer"), method="POST",  # noqa: S310
                      data=urlencode({"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": REDIRECT_URI}).encode(),
                      headers={"Authorization": f"Basic {basic}", "Accept": "application/json",
                               "Content-Type": "application/x-www-form-urlencoded"})
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - the sandbox's own URL
        tokens = json.loads(answer.read())
    return Sandbox(base_url, realm, client_id, client_secret, tokens["access_token"],
                   tokens["refresh_token"])


def _http_url(url: str) -> str:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    return url


def _http_json(method: str, url: str, body: dict | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = Request(_http_url(url), method=method, data=data,  # noqa: S310
                      headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urlopen(request, timeout=30) as answer:  # noqa: S310 - the sandbox's own URL
        content = answer.read()
    return json.loads(content) if content else None


try:
    import pytest
except ImportError:  # the plugin needs pytest; the helpers above do not
    pytest = None  # type: ignore[assignment]

if pytest is not None:
    def pytest_addoption(parser: Any) -> None:
        parser.addoption("--qbo-sandbox-latency-ms", type=float, default=0.0,
                         help="qbo_sandbox fixture: wait this long in every API call")

    @pytest.fixture
    def qbo_sandbox(tmp_path_factory: Any, request: Any) -> Iterator[Sandbox]:
        """A fresh sandbox server (sample data) and an app connected to its US company."""
        latency = request.config.getoption("--qbo-sandbox-latency-ms", default=0.0)
        data_dir = tmp_path_factory.mktemp("qbo-sandbox")
        with serve(data_dir, latency_ms=latency or 0) as base_url:
            yield connect(base_url)
