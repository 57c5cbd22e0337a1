"""The embedded broker writes each message atomically: a reader never sees half a message."""

import os
from pathlib import Path

from kombu import Connection

from hatsync.broker import Transport


def test_a_message_is_never_visible_before_it_is_whole(tmp_path, monkeypatch):
    (tmp_path / "control").mkdir()
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path),
               "control_folder": str(tmp_path / "control")}
    seen_while_writing = []
    real_replace = os.replace

    def replace(source, target):  # the moment just before the message becomes visible
        if str(target).endswith(".sync.msg"):
            seen_while_writing.extend(n for n in os.listdir(tmp_path) if n.endswith(".msg"))
            seen_while_writing.append(Path(source).read_bytes()[-10:])  # written in full
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with Connection(transport=Transport, transport_options=options) as connection:
        channel = connection.default_channel
        channel._put("sync", {"task": "x" * 10_000})
        # only the ".part" file existed, and it was whole before the rename
        assert seen_while_writing == [b"x" * 8 + b'"}']
        assert channel._get("sync") == {"task": "x" * 10_000}


def test_the_embedded_defaults_publish_and_consume_through_it(tmp_path):
    """The settings pick it whenever the broker is the filesystem (bin/demo's embedded shape)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL")}
    env["HATSYNC_VAR_DIR"] = str(tmp_path)
    code = ("import django; django.setup(); from hatsync.celery import app; "
            "c = app.connection_for_write(); print(type(c.transport).__module__); c.release()")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip().splitlines()[-1] == "hatsync.broker"
