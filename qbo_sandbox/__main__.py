"""Command line: `qbo-sandbox --port 8765 --data-dir var/qbo-sandbox` (the console script;
also `python -m qbo_sandbox`). Without `--data-dir` the data lives in a temporary folder
removed on exit."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile

from werkzeug.serving import make_server

from .app import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, create_app
from .testing import DISCOVERY_PATH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="qbo-sandbox",
        description="A local stand-in for Intuit's OAuth server and QuickBooks Online API v3.",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data-dir", default=None,
                        help="holds sandbox.sqlite3 (default: a temporary folder, removed on "
                        "exit)")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--client-id",
                        default=os.environ.get("QBO_SANDBOX_CLIENT_ID", DEFAULT_CLIENT_ID))
    parser.add_argument("--client-secret",
                        default=os.environ.get("QBO_SANDBOX_CLIENT_SECRET", DEFAULT_CLIENT_SECRET))
    parser.add_argument("--public-url", default=None,
                        help="base URL to advertise in discovery documents and links")
    parser.add_argument("--sample-data", action=argparse.BooleanOptionalAction, default=True,
                        help="fill the four sample companies with Intuit-like sample data "
                        "(default); --no-sample-data makes them bare")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="qbo-sandbox-")

    app = create_app(
        data_dir, client_id=args.client_id, client_secret=args.client_secret,
        time_scale=args.time_scale, latency_ms=args.latency_ms, public_url=args.public_url,
        sample_data=args.sample_data,
    )
    server = make_server(args.host, args.port, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    base = f"http://{args.host}:{server.server_port}"
    print(f"qbo_sandbox listening on {base}", flush=True)
    print(f"  discovery (intuit-oauth environment): {base}{DISCOVERY_PATH}\n"
          f"  API base (python-quickbooks api_url_v3): {base}/v3\n"
          f"  client id / secret: {args.client_id} / {args.client_secret}\n"
          f"  companies: {base}/  data: {data_dir}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        app.close()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
