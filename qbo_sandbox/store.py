"""SQLite persistence for the sandbox: companies, entities, tokens, request ids and the log,
webhook registrations and the entity changes captured for them (triggers, see SCHEMA).

One connection shared by all threads, guarded by a re-entrant lock: every API request runs its
reads and writes inside `transaction()`, so concurrent writers never lose each other's changes.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS companies (
    realm_id TEXT PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL,
    preferences TEXT NOT NULL, created_at REAL NOT NULL, position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    realm_id TEXT NOT NULL, space TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (realm_id, space)
);
CREATE TABLE IF NOT EXISTS entities (
    realm_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
    seq INTEGER NOT NULL, PRIMARY KEY (realm_id, type, id)
);
CREATE INDEX IF NOT EXISTS entities_seq ON entities (seq);
CREATE INDEX IF NOT EXISTS entities_doc_number
    ON entities (realm_id, type, json_extract(data, '$.DocNumber'));
CREATE INDEX IF NOT EXISTS entities_doc_number_lower
    ON entities (realm_id, type, lower(json_extract(data, '$.DocNumber')));
CREATE INDEX IF NOT EXISTS entities_doc_number_not_ascii
    ON entities (realm_id, type, (json_extract(data, '$.DocNumber') GLOB '*[^ -~]*'));
CREATE INDEX IF NOT EXISTS entities_name_lower
    ON entities (realm_id, type, lower(json_extract(data, '$.DisplayName')));
CREATE INDEX IF NOT EXISTS entities_name_not_ascii
    ON entities (realm_id, type, (json_extract(data, '$.DisplayName') GLOB '*[^ -~]*'));
CREATE INDEX IF NOT EXISTS entities_customer_ref
    ON entities (realm_id, type, json_extract(data, '$.CustomerRef.value'));
CREATE TABLE IF NOT EXISTS deleted (
    realm_id TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    realm_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at REAL NOT NULL, used INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, grant_id TEXT NOT NULL, client_id TEXT NOT NULL,
    realm_id TEXT NOT NULL, scope TEXT NOT NULL, issued_at REAL NOT NULL,
    expires_at REAL NOT NULL, state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    grant_id TEXT PRIMARY KEY, realm_id TEXT NOT NULL, hard_expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY, grant_id TEXT NOT NULL, client_id TEXT NOT NULL,
    realm_id TEXT NOT NULL, expires_at REAL NOT NULL, revoked INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS request_ids (
    realm_id TEXT NOT NULL, request_id TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (realm_id, request_id)
);
CREATE TABLE IF NOT EXISTS webhooks (
    url TEXT PRIMARY KEY, verifier_token TEXT NOT NULL, entities TEXT, realm TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, realm_id TEXT NOT NULL, type TEXT NOT NULL,
    id TEXT NOT NULL, operation TEXT NOT NULL, time REAL NOT NULL, delivered INTEGER NOT NULL
);
-- The loser's id of a 'merged' change (merges.py): the webhook's data.deletedid.
CREATE TABLE IF NOT EXISTS merged_changes (seq INTEGER PRIMARY KEY, deleted_id TEXT NOT NULL);
-- Forms emailed through the API (form_delivery.py): the sandbox sends no mail.
CREATE TABLE IF NOT EXISTS sent_forms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, realm_id TEXT NOT NULL, type TEXT NOT NULL,
    id TEXT NOT NULL, doc_number TEXT NOT NULL, send_to TEXT NOT NULL, time REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, realm TEXT, entity TEXT, status INTEGER NOT NULL, requestid TEXT,
    duration_ms REAL NOT NULL, throttled INTEGER NOT NULL, minorversion TEXT,
    kind TEXT NOT NULL DEFAULT '', metered INTEGER NOT NULL DEFAULT 0,
    writes INTEGER NOT NULL DEFAULT 0
);
-- Change capture for webhooks: every stored entity change, whoever writes it, while a
-- webhook is registered. Triggers run inside the writer's transaction, so a rolled-back
-- write leaves no change. `sandbox_now`: the sandbox clock, from the {real, sandbox, scale}
-- the app stores under the setting "clock_anchor" whenever its clock changes.
CREATE VIEW IF NOT EXISTS sandbox_now AS SELECT COALESCE(
    (SELECT json_extract(value, '$.sandbox') + ((julianday('now') - 2440587.5) * 86400.0
            - json_extract(value, '$.real')) * json_extract(value, '$.scale')
     FROM settings WHERE key = 'clock_anchor'),
    (julianday('now') - 2440587.5) * 86400.0) AS time;
CREATE TRIGGER IF NOT EXISTS entities_created AFTER INSERT ON entities
WHEN EXISTS (SELECT 1 FROM webhooks)
BEGIN
    INSERT INTO changes (realm_id, type, id, operation, time, delivered)
    VALUES (NEW.realm_id, NEW.type, NEW.id, 'created', (SELECT time FROM sandbox_now), 0);
END;
CREATE TRIGGER IF NOT EXISTS entities_updated AFTER UPDATE ON entities
WHEN EXISTS (SELECT 1 FROM webhooks) AND NEW.data IS NOT OLD.data
BEGIN
    INSERT INTO changes (realm_id, type, id, operation, time, delivered)
    VALUES (NEW.realm_id, NEW.type, NEW.id,
            CASE WHEN json_extract(NEW.data, '$.PrivateNote') = 'Voided'
                  AND json_extract(OLD.data, '$.PrivateNote') IS NOT 'Voided'
                 THEN 'voided' ELSE 'updated' END,
            (SELECT time FROM sandbox_now), 0);
END;
CREATE TRIGGER IF NOT EXISTS entities_deleted AFTER DELETE ON entities
WHEN EXISTS (SELECT 1 FROM webhooks)
BEGIN
    INSERT INTO changes (realm_id, type, id, operation, time, delivered)
    VALUES (OLD.realm_id, OLD.type, OLD.id, 'deleted', (SELECT time FROM sandbox_now), 0);
END;
"""


class Store:
    """The sandbox's SQLite database at DATA_DIR/sandbox.sqlite3."""

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / "sandbox.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self._depth = 0
        with self.lock:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.executescript(SCHEMA)
            self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """A data folder made by an older sandbox gets the columns added since."""
        have = {row["name"] for row in self.conn.execute("PRAGMA table_info(request_log)")}
        for name, kind in (("kind", "TEXT NOT NULL DEFAULT ''"),
                           ("metered", "INTEGER NOT NULL DEFAULT 0"),
                           ("writes", "INTEGER NOT NULL DEFAULT 0")):
            if name not in have:
                self.conn.execute(f"ALTER TABLE request_log ADD COLUMN {name} {kind}")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock and one SQLite transaction; nested calls join the outer one."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self.conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[Store]:
        """A nested unit inside `transaction()`: undone alone if its block raises."""
        with self.lock:
            name = f"sp{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            self.conn.execute(f"RELEASE {name}")

    def execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        with self.lock:
            return self.conn.execute(sql, params)

    def rows(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def row(self, sql: str, params: tuple | list = ()) -> sqlite3.Row | None:
        with self.lock:
            return self.conn.execute(sql, params).fetchone()

    # settings -------------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        found = self.row("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(found["value"]) if found else default

    def set_setting(self, key: str, value: Any) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    # companies ------------------------------------------------------------------------------
    def company(self, realm_id: str) -> dict[str, Any] | None:
        found = self.row("SELECT * FROM companies WHERE realm_id = ?", (str(realm_id),))
        return _company(found) if found else None

    def companies(self) -> list[dict[str, Any]]:
        return [_company(r) for r in self.rows("SELECT * FROM companies ORDER BY position")]

    def save_company(self, company: dict[str, Any], created_at: float) -> None:
        with self.transaction():
            position = self.row("SELECT COALESCE(MAX(position), 0) + 1 AS p FROM companies")["p"]
            self.execute(
                "INSERT INTO companies (realm_id, name, country, preferences, created_at, position)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(realm_id) DO UPDATE SET "
                "name = excluded.name, country = excluded.country, "
                "preferences = excluded.preferences",
                (
                    company["realm_id"], company["name"], company["country"],
                    json.dumps(company["preferences"]), created_at, position,
                ),
            )

    # entities -------------------------------------------------------------------------------
    def next_id(self, realm_id: str, space: str) -> str:
        with self.transaction():
            self.execute(
                "INSERT INTO counters (realm_id, space, value) VALUES (?, ?, 1) "
                "ON CONFLICT(realm_id, space) DO UPDATE SET value = value + 1",
                (realm_id, space),
            )
            found = self.row(
                "SELECT value FROM counters WHERE realm_id = ? AND space = ?", (realm_id, space)
            )
            return str(found["value"])

    def entity(self, realm_id: str, type_: str, entity_id: str) -> dict[str, Any] | None:
        found = self.row(
            "SELECT data FROM entities WHERE realm_id = ? AND type = ? AND id = ?",
            (realm_id, type_, str(entity_id)),
        )
        return json.loads(found["data"]) if found else None

    def entities(self, realm_id: str, type_: str) -> list[dict[str, Any]]:
        return [
            json.loads(r["data"])
            for r in self.rows(
                "SELECT data FROM entities WHERE realm_id = ? AND type = ? ORDER BY seq",
                (realm_id, type_),
            )
        ]

    def values(self, realm_id: str, type_: str, path: str,
               where: tuple[str, Any] | None = None) -> list[tuple[str, Any]]:
        """(Id, value at JSON `path`) of every entity of a type, optionally only those whose
        value at another path equals a value: uniqueness checks and sums without decoding
        every entity (DocNumber and CustomerRef.value are indexed)."""
        sql = (f"SELECT id, json_extract(data, '{_path(path)}') AS value FROM entities "  # noqa: S608
               "WHERE realm_id = ? AND type = ?")
        params: list[Any] = [realm_id, type_]
        if where is not None:
            sql += f" AND json_extract(data, '{_path(where[0])}') = ?"
            params.append(where[1])
        return [(row["id"], row["value"]) for row in self.rows(sql, params)]

    def entities_matching(self, realm_id: str, type_: str, path: str,
                          lowered: list[str]) -> list[dict[str, Any]]:
        """Entities whose value at `path`, lower-cased, is one of `lowered` (ASCII), plus
        every entity whose value is not ASCII: a superset of what a case-insensitive match
        finds, for queries to narrow without decoding every entity."""
        marks = ", ".join("?" for _ in lowered)
        value = f"json_extract(data, '{_path(path)}')"
        # Two indexed searches (a UNION: SQLite would scan for the OR), so a create's
        # duplicate check costs the same in a company of 10 invoices or 100,000.
        rows = self.rows(
            f"SELECT seq, data FROM entities WHERE realm_id = ? AND type = ? "  # noqa: S608
            f"AND lower({value}) IN ({marks}) UNION "
            f"SELECT seq, data FROM entities WHERE realm_id = ? AND type = ? "
            f"AND ({value} GLOB '*[^ -~]*') = 1 ORDER BY seq",
            [realm_id, type_, *lowered, realm_id, type_],
        )
        return [json.loads(r["data"]) for r in rows]

    def put_entity(self, realm_id: str, type_: str, data: dict[str, Any]) -> None:
        with self.transaction():
            existing = self.row(
                "SELECT seq FROM entities WHERE realm_id = ? AND type = ? AND id = ?",
                (realm_id, type_, data["Id"]),
            )
            if existing:
                self.execute(
                    "UPDATE entities SET data = ? WHERE realm_id = ? AND type = ? AND id = ?",
                    (json.dumps(data), realm_id, type_, data["Id"]),
                )
            else:
                seq = self.row("SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM entities")["s"]
                self.execute(
                    "INSERT INTO entities (realm_id, type, id, data, seq) VALUES (?, ?, ?, ?, ?)",
                    (realm_id, type_, data["Id"], json.dumps(data), seq),
                )

    @contextmanager
    def uncaptured(self) -> Iterator[Store]:
        """A transaction whose entity changes produce no webhook events (sample companies,
        companies made through the control API)."""
        with self.transaction():
            before = self.row("SELECT COALESCE(MAX(seq), 0) AS s FROM changes")["s"]
            yield self
            self.execute("DELETE FROM changes WHERE seq > ?", (before,))
            self.execute("DELETE FROM merged_changes WHERE seq > ?", (before,))

    def wipe(self) -> None:
        with self.transaction():
            for table in (
                "companies", "counters", "entities", "deleted", "auth_codes", "refresh_tokens",
                "grants", "access_tokens", "request_ids", "request_log", "changes",
                "merged_changes", "sent_forms",
            ):
                self.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def _path(path: str) -> str:
    if not re.fullmatch(r"\$(\.\w+)+", path):
        raise ValueError(f"not a JSON path: {path!r}")
    return path


def _company(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "realm_id": row["realm_id"],
        "name": row["name"],
        "country": row["country"],
        "preferences": json.loads(row["preferences"]),
        "created_at": row["created_at"],
    }
