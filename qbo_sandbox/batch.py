"""POST /batch: up to `max_items` operations (queries and writes) in one call, each answered on
its own (a fault in one leaves the others, each runs in its own savepoint), as Intuit's."""

from __future__ import annotations

from typing import Any

from .catalog import ENTITY_PATHS
from .entities import Books
from .faults import QBOFault


def run_batch(books: Books, payload: dict, *, max_items: int,
              apply_items: int | None = None) -> dict:
    """The BatchItemResponse for `payload`; `apply_items` (a fault script's): only the first N
    operations run."""
    items = payload.get("BatchItemRequest")
    if not isinstance(items, list) or not items:
        raise QBOFault(2020, "Required param missing, need to supply the required value for "
                       "the API", "Required parameter BatchItemRequest is missing in the request",
                       element="BatchItemRequest")
    limit = max_items
    if len(items) > limit:
        raise QBOFault(
            2010, "Request has invalid or unsupported property",
            f"Property Name:BatchItemRequest has {len(items)} items; the maximum is {limit} "
            "per batch request.", element="BatchItemRequest",
        )
    answers = []
    for item in items[:apply_items]:
        answer: dict[str, Any]
        try:
            with books.store.savepoint():
                answer = _batch_item(books, item)
        except QBOFault as fault:
            answer = {"Fault": fault.fault()}
        answer["bId"] = item.get("bId")
        answers.append(answer)
    return {"BatchItemResponse": answers}


def _batch_item(books: Books, item: dict) -> dict:
    if "Query" in item:
        return {"QueryResponse": books.query(item["Query"])}
    names = set(ENTITY_PATHS.values())
    entity = next((key for key in item if key in names), None)
    if entity is None:
        raise QBOFault(2010, "Request has invalid or unsupported property",
                       "Property Name:BatchItemRequest item names no supported entity")
    operation = item.get("operation", "create")
    body = item[entity]
    if operation == "create":
        return {entity: books.create(entity, body, {"include": ""})}
    params = {"operation": operation, "include": item.get("optionsData", "")}
    return {entity: books.write(entity, body, params)}
