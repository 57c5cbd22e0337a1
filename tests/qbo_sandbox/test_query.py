"""The query language subset: parsing, escaping, operators, paging, and its 4000 fault."""

from __future__ import annotations

import pytest

from qbo_sandbox.faults import QBOFault
from qbo_sandbox.query import parse, run

CUSTOMERS = [
    {"Id": "1", "DisplayName": "Ana Lima", "Active": True, "Balance": 10,
     "MetaData": {"LastUpdatedTime": "2024-01-02T00:00:00+00:00"}},
    {"Id": "2", "DisplayName": "O'Brien & Sons", "Active": True, "Balance": 0,
     "MetaData": {"LastUpdatedTime": "2024-03-01T00:00:00+00:00"}},
    {"Id": "3", "DisplayName": "Ben Ode (deleted)", "Active": False, "Balance": 0,
     "MetaData": {"LastUpdatedTime": "2024-02-01T00:00:00+00:00"}},
    {"Id": "10", "DisplayName": "“Quoted” Co", "Active": True, "Balance": 5,
     "MetaData": {"LastUpdatedTime": "2024-04-01T00:00:00+00:00"}},
]


def ids(text: str) -> list[str]:
    return [c["Id"] for c in run(parse(text), CUSTOMERS).get("Customer", [])]


def test_equality_on_display_name_is_case_insensitive():
    assert ids("select * from Customer where DisplayName = 'ana lima'") == ["1"]


def test_backslash_escaped_quote_matches():
    assert ids(r"SELECT * FROM customer WHERE DisplayName = 'O\'Brien & Sons'") == ["2"]


def test_non_ascii_quotes_in_values_match():
    assert ids("select * from Customer where DisplayName = '“Quoted” Co'") == ["10"]


def test_in_list_like_and_and():
    assert ids("select * from Customer where Id in ('1', '2', '10') and DisplayName like '%o%'"
               ) == ["2", "10"]


def test_inactive_entities_are_hidden_unless_active_is_filtered():
    assert "3" not in ids("select * from Customer")
    assert ids("select * from Customer where Active = false") == ["3"]
    assert ids("select * from Customer where Active in (true, false)") == ["1", "2", "3", "10"]


def test_nested_metadata_field_comparison_and_order():
    text = ("select * from Customer where MetaData.LastUpdatedTime > '2024-01-15' "
            "orderby MetaData.LastUpdatedTime desc")
    assert ids(text) == ["10", "2"]


def test_numeric_ids_sort_as_numbers_and_paging_uses_startposition():
    assert ids("select * from Customer orderby Id") == ["1", "2", "10"]
    assert ids("select * from Customer STARTPOSITION 2 MAXRESULTS 1") == ["2"]


def test_count_returns_total_count():
    assert run(parse("select count(*) from Customer"), CUSTOMERS) == {"totalCount": 3}


def test_empty_result_is_an_empty_query_response():
    assert run(parse("select * from Customer where DisplayName = 'nobody'"), CUSTOMERS) == {}


def test_select_star_with_extra_fields_and_order_by_with_a_space_are_accepted():
    assert ids("SELECT *, Sku FROM Customer ORDER BY DisplayName MAXRESULTS 100")[0] == "1"


@pytest.mark.parametrize("text", [
    "select * from Customer where Nonsense = 'x'",
    "select * from Unicorn",
    "select * from Customer maxresults 1001",
    "select * from Customer where DisplayName = 'unterminated",
    "delete from Customer",
])
def test_bad_queries_raise_the_4000_parser_fault(text):
    with pytest.raises(QBOFault) as error:
        parse(text)
    assert error.value.code == "4000"


def test_query_over_http_get_and_post_agree(us):
    us.customer("Zed")
    by_post = us.query("select * from Customer where DisplayName = 'zed'").json()
    by_get = us.get("query", query="select * from Customer where DisplayName = 'zed'").json()
    assert by_post["QueryResponse"] == by_get["QueryResponse"]
    assert by_post["QueryResponse"]["maxResults"] == 1


def test_unknown_property_over_http_is_a_400_fault(us):
    answer = us.query("select * from Customer where Email = 'x'")
    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["code"] == "4000"
