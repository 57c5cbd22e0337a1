"""Webhooks as Intuit delivers them since May 2026: signed JSON arrays of CloudEvents.

Changes are captured in SQLite by triggers on the entities table (store.py → `changes`), so
every writer produces events and a rolled-back write produces none. This module keeps the
registrations (table `webhooks`), and every `webhook_window` seconds (a background thread,
started once a webhook is registered) turns the changes not yet taken into one POST per
endpoint and realm, retries failed POSTs with exponential backoff, and injects delivery
faults (drop, delay, duplicate, reorder) for testing consumers. See README.md "Webhooks".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from .catalog import NOT_NOTIFIED
from .limits import Clock, Config
from .store import Store

logger = logging.getLogger(__name__)

RETRY_CAP = 60.0  # real seconds: the longest wait between two attempts
TICK = 0.05  # real seconds between two looks at the clock by the delivery thread
LOG_SIZE = 200  # recent delivery attempts kept (in memory)
KEEP_TAKEN = 1000  # change rows kept after they were turned into deliveries
FAULT_KEYS = ("drop", "delay_seconds", "delay_count", "duplicate", "reorder")


def signature(verifier_token: str, body: bytes) -> str:
    """The `intuit-signature` header: base64 of HMAC-SHA256 over the raw body."""
    digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def event_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


@dataclass
class Delivery:
    """One POST: the events of one realm for one endpoint."""

    url: str
    token: str
    realm: str
    events: list[dict[str, Any]]
    attempt: int = 0
    due: float = 0.0  # time.monotonic() before which it is not sent
    notes: list[str] = field(default_factory=list)  # faults applied ("delayed", ...)


class Webhooks:
    """Registrations, aggregation, signed delivery with retries, and delivery faults."""

    def __init__(self, store: Store, config: Config, clock: Clock, client_id: str) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        # Intuit's `source` is "intuit." + an opaque base64 id; ours is derived from the app.
        self.source = "intuit." + base64.b64encode(
            hashlib.sha256(client_id.encode("utf-8")).digest()).decode("ascii")
        self._lock = threading.Lock()  # queue, faults, stats, log
        self._cycle = threading.Lock()  # one collect-and-send cycle at a time
        self._queue: list[Delivery] = []
        self._faults: dict[str, Any] = {}
        self._injected: dict[str, int] = {}
        self._stats: dict[str, dict[str, Any]] = {}
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_collect = time.monotonic()
        self.clear_faults()
        if self.registrations():
            self.start()

    # lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the delivery thread (once)."""
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="qbo-sandbox-webhooks",
                                            daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.webhook_timeout + 1)

    def reset(self) -> None:
        """Forget queued deliveries, faults, stats and the log (registrations stay)."""
        with self._lock:
            self._queue.clear()
            self._stats.clear()
            self._log.clear()
        self.clear_faults()

    # registrations ------------------------------------------------------------------------
    def register(self, url: str, verifier_token: str, entities: list[str] | None = None,
                 realm: str | None = None) -> dict[str, Any]:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        if not isinstance(verifier_token, str) or not verifier_token:
            raise ValueError("verifier_token is required")
        if entities is not None and (
                not isinstance(entities, list) or not all(isinstance(e, str) for e in entities)):
            raise ValueError("entities must be a list of entity names, e.g. ['Invoice']")
        self.store.execute(
            "INSERT INTO webhooks (url, verifier_token, entities, realm, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
            "verifier_token = excluded.verifier_token, entities = excluded.entities, "
            "realm = excluded.realm",
            (url, verifier_token, json.dumps(entities) if entities else None,
             str(realm) if realm else None, self.clock.now()),
        )
        self.start()
        return next(r for r in self.registrations() if r["url"] == url)

    def registrations(self) -> list[dict[str, Any]]:
        return [
            {"url": row["url"], "verifier_token": row["verifier_token"],
             "entities": json.loads(row["entities"]) if row["entities"] else None,
             "realm": row["realm"], "created_at": row["created_at"]}
            for row in self.store.rows("SELECT * FROM webhooks ORDER BY created_at, url")
        ]

    def clear(self) -> None:
        """Remove every registration, the captured changes and what is queued."""
        with self.store.transaction():
            self.store.execute("DELETE FROM webhooks")
            self.store.execute("DELETE FROM changes")
            self.store.execute("DELETE FROM merged_changes")
        self.reset()

    def status(self) -> dict[str, Any]:
        pending = self.store.row("SELECT COUNT(*) AS n FROM changes WHERE delivered = 0")["n"]
        registrations = self.registrations()
        with self._lock:
            return {
                "webhooks": [dict(r, stats=dict(self._stats_for(r["url"])))
                             for r in registrations],
                "pending_changes": pending,
                "queued": len(self._queue),
                "faults": self.faults(),
                "log": list(self._log),
            }

    # faults -------------------------------------------------------------------------------
    def add_faults(self, payload: dict[str, Any]) -> dict[str, Any]:
        unknown = set(payload) - set(FAULT_KEYS)
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}; known: {list(FAULT_KEYS)}")
        drop = float(payload.get("drop", 0))
        delay = float(payload.get("delay_seconds", 0))
        delay_count = int(payload.get("delay_count", 1)) if "delay_seconds" in payload else 0
        duplicate = int(payload.get("duplicate", 0))
        reorder = 1 if payload.get("reorder") is True else int(payload.get("reorder") or 0)
        if min(drop, delay, delay_count, duplicate, reorder) < 0:
            raise ValueError("fault values must not be negative")
        with self._lock:
            if 0 < drop < 1:
                self._faults["drop_rate"] = drop
            else:
                self._faults["drop"] += int(drop)
            if "delay_seconds" in payload:
                self._faults["delay_seconds"] = delay
                self._faults["delay_count"] += delay_count
            self._faults["duplicate"] += duplicate
            self._faults["reorder"] += reorder
        return self.faults()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = {"drop": 0, "drop_rate": 0.0, "delay_seconds": 0.0,
                            "delay_count": 0, "duplicate": 0, "reorder": 0}
            self._injected = {"dropped": 0, "delayed": 0, "duplicated": 0, "reordered": 0}

    def faults(self) -> dict[str, Any]:
        return {"pending": dict(self._faults), "injected": dict(self._injected)}

    # delivery -----------------------------------------------------------------------------
    def flush(self) -> list[dict[str, Any]]:
        """Collect the changes now and send every delivery that is due; the attempts made."""
        with self._cycle:
            self._collect()
            return self._send_due()

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            window = self.config.webhook_window
            if window <= 0:
                continue
            try:
                with self._cycle:
                    if time.monotonic() - self._last_collect >= window:
                        self._collect()
                    self._send_due()
            except Exception:  # keep delivering after a bad cycle
                logger.exception("webhook delivery cycle failed")

    def _collect(self) -> None:
        """Turn the changes not yet taken into deliveries: one per endpoint and realm, one
        event per entity (its latest change), for realms connected to the app."""
        self._last_collect = time.monotonic()
        registrations = self.registrations()
        with self.store.transaction():
            rows = self.store.rows(
                "SELECT changes.*, merged_changes.deleted_id FROM changes LEFT JOIN "
                "merged_changes USING (seq) WHERE delivered = 0 ORDER BY seq")
            if not rows:
                return
            last = rows[-1]["seq"]
            self.store.execute("UPDATE changes SET delivered = 1 WHERE seq <= ?", (last,))
            self.store.execute("DELETE FROM changes WHERE delivered = 1 AND seq <= ?",
                               (last - KEEP_TAKEN,))
            self.store.execute("DELETE FROM merged_changes WHERE seq <= ?", (last - KEEP_TAKEN,))
            connected = {r["realm_id"] for r in self.store.rows(
                "SELECT DISTINCT realm_id FROM refresh_tokens WHERE state = 'active' "
                "AND expires_at > ?", (self.clock.now(),))}
        latest: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in rows:  # aggregated: one event per entity, its latest change...
            key = (row["realm_id"], row["type"], row["id"])
            earlier = latest.pop(key, None)
            latest[key] = dict(row)
            if earlier and earlier["operation"] == "created" and row["operation"] == "updated":
                latest[key]["operation"] = "created"  # ...but created-then-updated is created
        for registration in registrations:
            wanted = {e.lower() for e in registration["entities"] or []}
            by_realm: dict[str, list[dict[str, Any]]] = {}
            for (realm, type_, _), row in latest.items():
                if realm not in connected or registration["realm"] not in (None, realm):
                    continue
                if wanted and type_.lower() not in wanted:
                    continue
                if type_ in NOT_NOTIFIED:  # as Intuit's: no webhook for these
                    continue
                by_realm.setdefault(realm, []).append(self._event(row))
            for realm, events in by_realm.items():
                self._enqueue(Delivery(registration["url"], registration["verifier_token"],
                                       realm, events))

    def _event(self, row: Any) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": self.source,
            "type": f"qbo.{row['type'].lower()}.{row['operation']}.v1",
            "datacontenttype": "application/json",
            "time": event_time(row["time"]),
            "intuitentityid": row["id"],
            "intuitaccountid": row["realm_id"],
            # A merge names the loser (Intuit's spelling: `deletedid`); other events carry none.
            "data": {"deletedid": row["deleted_id"]} if row["deleted_id"] else {},
        }

    def _enqueue(self, delivery: Delivery) -> None:
        """Queue a new delivery, applying the pending faults to it."""
        with self._lock:
            faults, injected = self._faults, self._injected
            if faults["drop"] > 0 or (faults["drop_rate"]
                                      and random.random() < faults["drop_rate"]):
                faults["drop"] = max(0, faults["drop"] - 1)
                injected["dropped"] += 1
                self._stats_for(delivery.url)["dropped"] += 1
                self._record(delivery, "dropped", "dropped")
                return
            parts = [delivery]
            if faults["reorder"] > 0 and len(delivery.events) > 1:
                faults["reorder"] -= 1
                injected["reordered"] += 1
                backwards = delivery.events[::-1]
                half = len(backwards) // 2
                parts = [Delivery(delivery.url, delivery.token, delivery.realm, events,
                                  notes=["reordered"]) for events in (backwards[:half],
                                                                      backwards[half:])]
            if faults["delay_count"] > 0:
                faults["delay_count"] -= 1
                injected["delayed"] += 1
                for part in parts:
                    part.due = time.monotonic() + faults["delay_seconds"]
                    part.notes.append("delayed")
            if faults["duplicate"] > 0:
                faults["duplicate"] -= 1
                injected["duplicated"] += 1
                parts = [copy for part in parts for copy in (
                    part, Delivery(part.url, part.token, part.realm, part.events, due=part.due,
                                   notes=[*part.notes, "duplicate"]))]
            self._queue.extend(parts)

    def _send_due(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            due = [d for d in self._queue if d.due <= now]
            self._queue = [d for d in self._queue if d.due > now]
        return [self._send(delivery) for delivery in due]

    def _send(self, delivery: Delivery) -> dict[str, Any]:
        body = json.dumps(delivery.events).encode("utf-8")
        delivery.attempt += 1
        status: int | str
        try:
            answer = requests.post(delivery.url, data=body, timeout=self.config.webhook_timeout,
                                   headers={"Content-Type": "application/json",
                                            "intuit-signature": signature(delivery.token, body)})
            status, ok = answer.status_code, 200 <= answer.status_code < 300
        except requests.RequestException as exc:
            status, ok = f"error: {type(exc).__name__}", False
        with self._lock:
            stats = self._stats_for(delivery.url)
            stats["last_status"] = status
            if ok:
                outcome = "delivered"
                stats["delivered"] += 1
                stats["events"] += len(delivery.events)
            elif delivery.attempt >= self.config.webhook_max_attempts:
                outcome = "failed"
                stats["failed_attempts"] += 1
                stats["failed"] += 1
            else:
                outcome = "retrying"
                stats["failed_attempts"] += 1
                wait = self.config.webhook_retry_seconds * 2 ** (delivery.attempt - 1)
                delivery.due = time.monotonic() + min(RETRY_CAP, wait)
                self._queue.append(delivery)
            return self._record(delivery, status, outcome)

    def _record(self, delivery: Delivery, status: int | str, outcome: str) -> dict[str, Any]:
        entry = {
            "time": self.clock.now(), "url": delivery.url, "realm": delivery.realm,
            "status": status, "outcome": outcome, "attempt": delivery.attempt,
            "event_count": len(delivery.events), "ids": [e["id"] for e in delivery.events],
            "events": [f"{e['type']} {e['intuitentityid']}" for e in delivery.events],
            "faults": list(delivery.notes),
        }
        self._log.append(entry)
        return entry

    def _stats_for(self, url: str) -> dict[str, Any]:
        return self._stats.setdefault(url, {
            "delivered": 0, "events": 0, "failed_attempts": 0, "failed": 0, "dropped": 0,
            "last_status": None})
