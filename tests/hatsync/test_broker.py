"""The embedded broker writes each message atomically: a reader never sees half a message."""

import os
from pathlib import Path

from kombu import Connection

from hatsync.broker import Transport


def test_a_message_is_never_visible_before_it_is_whole(tmp_path, monkeypatch):
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path),
               "processed_folder": str(tmp_path / "done")}
    seen_while_writing = []
    real_replace = os.replace

    def replace(source, target):  # the moment just before the message becomes visible
        seen_while_writing.extend(name for name in os.listdir(tmp_path) if name.endswith(".msg"))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with Connection(transport=Transport, transport_options=options) as connection:
        queue = connection.SimpleQueue("sync")
        queue.put({"task": "x" * 10_000})
        assert seen_while_writing == []  # only the ".part" file existed
        assert queue.get(timeout=2).payload == {"task": "x" * 10_000}
        queue.close()


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
