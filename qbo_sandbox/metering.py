"""What a request costs under Intuit's App Partner Program (QBO-FACTS.md, "Going live").

Data in (create, update, delete, void) is "Core" and not metered; data out (reads, queries,
reports) is "CorePlus" and metered. Intuit does not say whether change data capture, batch and
read-by-id count, so, as QBO-FACTS advises, every data-out call counts: a read, a query, a CDC
call, and each query item of a batch (its write items are writes). A call is counted whatever
its answer (a throttled or refused read still went out), so the figure errs high, never low.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Cost:
    kind: str  # write, read, query, cdc or batch
    metered: int  # data-out calls it counts as
    writes: int  # data-in operations it holds


def cost(method: str, parts: list[str], body: bytes | str = b"") -> Cost:
    """The cost of one Accounting API request: its method, its path after /company/<realm>/
    split on "/", and its body (a batch's items are looked at)."""
    head = parts[0].lower() if parts else ""
    if head == "query":
        return Cost("query", 1, 0)
    if head == "cdc":
        return Cost("cdc", 1, 0)
    if head == "batch" and method == "POST":
        queries, writes = batch_items(body)
        return Cost("batch", queries, writes)
    if method == "POST":
        return Cost("write", 0, 1)
    return Cost("read", 1, 0)


def batch_items(body: bytes | str) -> tuple[int, int]:
    """(query items, write items) of a batch request's body; (0, 0) when it is not one."""
    try:
        items = json.loads(body or b"{}").get("BatchItemRequest")
    except (ValueError, AttributeError):
        return 0, 0
    if not isinstance(items, list):
        return 0, 0
    queries = sum(1 for item in items if isinstance(item, dict) and "Query" in item)
    return queries, len(items) - queries
