"""What a request hatsync sends costs under Intuit's App Partner Program, counted the way the
local sandbox and the bench count it (qbo_sandbox/metering.py, which the product may not
import; tests/integrations/test_metrics.py keeps the two equal).

Data in (create, update, delete, void) is not metered; data out is: a read, a query, a
change data capture call, and each query item of a batch. A request counts whatever its answer.
"""

import json


def request_kind(method: str, path: str) -> str:
    """write, read, query, cdc or batch: `path` is the part after /company/<realm>/."""
    head = path.split("?")[0].strip("/").split("/")[0].lower()
    if head in ("query", "cdc"):
        return head
    if head == "batch" and method.upper() == "POST":
        return "batch"
    return "write" if method.upper() == "POST" else "read"


def batch_query_items(body: bytes | str) -> int:
    """How many of a batch request's items are queries (metered); 0 when it is no batch."""
    try:
        items = json.loads(body or b"{}").get("BatchItemRequest")
    except (ValueError, AttributeError):
        return 0
    if not isinstance(items, list):
        return 0
    return sum(1 for item in items if isinstance(item, dict) and "Query" in item)


def metered_calls(method: str, path: str, body: bytes | str = b"") -> tuple[str, int]:
    """(the bench's kind: read, query, cdc or batch_query; how many metered calls) of one
    request; ("", 0) for a write, or a batch of writes only."""
    kind = request_kind(method, path)
    if kind == "batch":
        queries = batch_query_items(body)
        return ("batch_query", queries) if queries else ("", 0)
    if kind == "write":
        return "", 0
    return kind, 1
