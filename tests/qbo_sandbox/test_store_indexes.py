"""The duplicate-number check runs on every invoice create: it must search an index, not read
every invoice of the company (an import of 10,000 invoices made it quadratic)."""

from qbo_sandbox.store import Store


def test_looking_up_invoices_by_number_searches_indexes(tmp_path):
    store = Store(tmp_path)
    value = "json_extract(data, '$.DocNumber')"
    plan = [row[3] for row in store.rows(
        "EXPLAIN QUERY PLAN SELECT seq, data FROM entities WHERE realm_id = ? AND type = ? "
        f"AND lower({value}) IN (?) UNION SELECT seq, data FROM entities WHERE realm_id = ? "
        f"AND type = ? AND ({value} GLOB '*[^ -~]*') = 1 ORDER BY seq",
        ["1", "Invoice", "x", "1", "Invoice"])]
    assert any("entities_doc_number_lower" in step for step in plan), plan
    assert any("entities_doc_number_not_ascii" in step for step in plan), plan


def test_numbers_are_matched_whatever_their_case_and_non_ascii_ones_are_kept(tmp_path):
    store = Store(tmp_path)
    for seq, number in enumerate(["INV-1", "inv-2", "Ñ-3", "4"]):
        store.put_entity("1", "Invoice", {"Id": str(seq + 1), "DocNumber": number})
    found = store.entities_matching("1", "Invoice", "$.DocNumber", ["inv-1", "inv-2"])
    assert [e["DocNumber"] for e in found] == ["INV-1", "inv-2", "Ñ-3"]
