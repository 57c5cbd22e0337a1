"""What each request costs under Intuit's metering (qbo_sandbox/metering.py): data out counts,
data in does not, and a batch counts its query items."""

import json

from qbo_sandbox.metering import Cost, cost

from .conftest import US, control


def test_reads_queries_and_cdc_are_metered_and_writes_are_not():
    assert cost("GET", ["invoice", "12"]) == Cost("read", 1, 0)
    assert cost("GET", ["preferences"]) == Cost("read", 1, 0)
    assert cost("POST", ["query"], b"select * from Item") == Cost("query", 1, 0)
    assert cost("GET", ["query"]) == Cost("query", 1, 0)
    assert cost("GET", ["cdc"]) == Cost("cdc", 1, 0)
    assert cost("POST", ["invoice"], b'{"Line": []}') == Cost("write", 0, 1)
    assert cost("POST", ["payment"], b"{}") == Cost("write", 0, 1)


def test_a_batch_counts_its_query_items_as_metered_and_the_rest_as_writes():
    body = json.dumps({"BatchItemRequest": [
        {"bId": "1", "Query": "select * from Customer where DisplayName = 'A'"},
        {"bId": "2", "Query": "select * from Item where Name = 'B'"},
        {"bId": "3", "Invoice": {"Line": []}, "operation": "create"},
    ]})
    assert cost("POST", ["batch"], body) == Cost("batch", 2, 1)
    assert cost("POST", ["batch"], b"not json") == Cost("batch", 0, 0)
    assert cost("POST", ["batch"], b'{"BatchItemRequest": 3}') == Cost("batch", 0, 0)


def test_request_counts_add_up_metered_calls_and_writes_per_company(us):
    control("DELETE", "requests")
    customer = us.customer("Metered Customer")
    us.get(f"customer/{customer['Id']}")
    us.query("select * from Customer")
    us.post("batch", {"BatchItemRequest": [
        {"bId": "q", "Query": "select * from Item"},
        {"bId": "c", "Customer": {"DisplayName": "Batch Customer"}, "operation": "create"},
    ]})
    counts = control("GET", "requests/counts")
    assert counts["by_kind"] == {"write": 1, "read": 1, "query": 1, "batch": 1}
    assert counts["metered"] == 3 and counts["writes"] == 2
    assert counts["metered_by_realm"][US] == {"read": 1, "query": 1, "cdc": 0,
                                              "batch_query": 1, "writes": 2}
    assert counts["by_realm_kind"][US] == counts["by_kind"]


def test_a_data_folder_from_an_older_sandbox_gets_the_cost_columns(tmp_path):
    import sqlite3

    from qbo_sandbox.store import Store

    old = sqlite3.connect(tmp_path / "sandbox.sqlite3")
    old.execute("CREATE TABLE request_log (id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT "
                "NULL, method TEXT NOT NULL, path TEXT NOT NULL, realm TEXT, entity TEXT, status "
                "INTEGER NOT NULL, requestid TEXT, duration_ms REAL NOT NULL, throttled INTEGER "
                "NOT NULL, minorversion TEXT)")
    old.commit()
    old.close()
    store = Store(tmp_path)
    columns = {row["name"] for row in store.conn.execute("PRAGMA table_info(request_log)")}
    assert {"kind", "metered", "writes"} <= columns
    store.close()
