"""Helpers for using the sandbox from tests: in-process via `responses`, or as a real server.

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(rsps, app)                      # http://qbo-sandbox.test now reaches `app`

    with serve(tmp_path) as base_url:         # a real threaded HTTP server on a free port
        ...
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .app import SandboxApp, create_app

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
