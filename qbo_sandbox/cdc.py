"""Change data capture (GET /cdc): per entity, what changed since a moment, oldest first, the
deleted ones as `{"Id", "status": "Deleted", "MetaData"}`; at most CDC_MAX_OBJECTS per entity
and CDC_MAX_DAYS back, as Intuit's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import ENTITY_PATHS, NOT_NOTIFIED
from .values import iso

if TYPE_CHECKING:
    from .store import Store

CDC_MAX_DAYS = 30
CDC_MAX_OBJECTS = 1000


def _parse_time(value: str, element: str) -> float:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise faults.request_malformed(f"{element}={value}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def changes(store: Store, realm: str, now: float, entities: str,
            changed_since: str) -> dict[str, Any]:
    """The CDC answer for `entities` (comma separated) since `changed_since` (ISO 8601)."""
    names = [name.strip() for name in (entities or "").split(",") if name.strip()]
    if not names:
        raise faults.required_missing("entities")
    known = {value.lower(): value for value in ENTITY_PATHS.values()
             if value not in NOT_NOTIFIED}
    unknown = [name for name in names if name.lower() not in known]
    if unknown:
        raise faults.request_malformed(f"entities={','.join(unknown)}")
    since = _parse_time(changed_since, "changedSince")
    if since < now - CDC_MAX_DAYS * 86400:
        raise faults.business_rule(
            f"changedSince may be at most {CDC_MAX_DAYS} days in the past.", "changedSince")
    responses = []
    for name in (known[n.lower()] for n in names):
        changed = [(_parse_time(e["MetaData"]["LastUpdatedTime"], "LastUpdatedTime"), e)
                   for e in store.entities(realm, name)
                   if e.get("MetaData", {}).get("LastUpdatedTime")]
        changed = [(t, e) for t, e in changed if t >= since]
        changed += [(row["time"], {"domain": "QBO", "status": "Deleted", "Id": row["id"],
                                   "MetaData": {"LastUpdatedTime": iso(row["time"])}})
                    for row in store.rows(
                        "SELECT id, time FROM deleted WHERE realm_id = ? AND type = ? "
                        "AND time >= ?", (realm, name, since))]
        changed.sort(key=lambda pair: pair[0])
        page = [entity for _, entity in changed[:CDC_MAX_OBJECTS]]
        responses.append({name: page, "startPosition": 1, "maxResults": len(page)})
    return {"CDCResponse": [{"QueryResponse": responses}]}
