"""The subset of QBO's SQL-like query language real clients send, parsed and evaluated.

    select * | count(*) from Entity [where A = 'x' [and B in ('a', 'b')] [and C like '%x%']]
        [orderby F [asc|desc]] [startposition N] [maxresults N]

Keywords and entity names are case-insensitive; quotes inside strings are escaped with a
backslash; string comparisons are case-insensitive, as QBO's are for names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .faults import query_parser

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100

_META = ("MetaData.CreateTime", "MetaData.LastUpdatedTime")
QUERYABLE: dict[str, tuple[str, ...]] = {
    "Customer": (
        "Id", "SyncToken", "DisplayName", "GivenName", "FamilyName", "MiddleName",
        "CompanyName", "FullyQualifiedName", "PrimaryEmailAddr", "PrimaryPhone", "Active",
        "Balance", "Job", *_META,
    ),
    "Item": ("Id", "SyncToken", "Name", "FullyQualifiedName", "Type", "Active", "Sku",
             "UnitPrice", "Taxable", *_META),
    "Invoice": ("Id", "SyncToken", "DocNumber", "TxnDate", "DueDate", "CustomerRef",
                "TotalAmt", "Balance", *_META),
    "Payment": ("Id", "SyncToken", "TxnDate", "CustomerRef", "TotalAmt", "PaymentRefNum",
                "UnappliedAmt", "DepositToAccountRef", "PaymentMethodRef", *_META),
    "TaxCode": ("Id", "Name", "Active", "Taxable", "TaxGroup", *_META),
    "TaxRate": ("Id", "Name", "Active", "RateValue", *_META),
    "Account": ("Id", "SyncToken", "Name", "FullyQualifiedName", "AccountType",
                "AccountSubType", "Classification", "AcctNum", "SubAccount", "CurrentBalance",
                "Active", *_META),
    "CompanyInfo": ("Id", "CompanyName", "Country", *_META),
    "Preferences": ("Id", *_META),
    "PaymentMethod": ("Id", "SyncToken", "Name", "Type", "Active", *_META),
    "Term": ("Id", "SyncToken", "Name", "Type", "DueDays", "Active", *_META),
    "Class": ("Id", "SyncToken", "Name", "FullyQualifiedName", "SubClass", "Active", *_META),
    "Department": ("Id", "SyncToken", "Name", "FullyQualifiedName", "SubDepartment", "Active",
                   *_META),
    "Vendor": ("Id", "SyncToken", "DisplayName", "GivenName", "FamilyName", "CompanyName",
               "PrimaryEmailAddr", "Active", "Balance", *_META),
    "Employee": ("Id", "SyncToken", "DisplayName", "GivenName", "FamilyName", "Active",
                 *_META),
    "SalesReceipt": ("Id", "SyncToken", "DocNumber", "TxnDate", "CustomerRef", "TotalAmt",
                     "DepositToAccountRef", *_META),
    "RefundReceipt": ("Id", "SyncToken", "DocNumber", "TxnDate", "CustomerRef", "TotalAmt",
                      "DepositToAccountRef", *_META),
    "CreditMemo": ("Id", "SyncToken", "DocNumber", "TxnDate", "CustomerRef", "TotalAmt",
                   "Balance", "RemainingCredit", *_META),
    "Deposit": ("Id", "SyncToken", "TxnDate", "TotalAmt", "DepositToAccountRef", *_META),
    "Purchase": ("Id", "SyncToken", "DocNumber", "TxnDate", "PaymentType", "AccountRef",
                 "EntityRef", "TotalAmt", "Credit", *_META),
    "CompanyCurrency": ("Id", "SyncToken", "Code", "Name", "Active", *_META),
    "ExchangeRate": ("SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate", "Rate",
                     "MetaData.LastUpdatedTime"),
    "Bill": ("Id", "SyncToken", "DocNumber", "TxnDate", "DueDate", "VendorRef", "APAccountRef",
             "TotalAmt", "Balance", *_META),
    "BillPayment": ("Id", "SyncToken", "DocNumber", "TxnDate", "VendorRef", "PayType",
                    "TotalAmt", *_META),
    "VendorCredit": ("Id", "SyncToken", "DocNumber", "TxnDate", "VendorRef", "TotalAmt",
                     "Balance", *_META),
    "PurchaseOrder": ("Id", "SyncToken", "DocNumber", "TxnDate", "VendorRef", "TotalAmt",
                      "POStatus", *_META),
    "Transfer": ("Id", "SyncToken", "TxnDate", "Amount", "FromAccountRef", "ToAccountRef",
                 *_META),
    "CreditCardPaymentTxn": ("Id", "SyncToken", "TxnDate", "Amount", "BankAccountRef",
                          "CreditCardAccountRef", *_META),
    "JournalEntry": ("Id", "SyncToken", "DocNumber", "TxnDate", "TotalAmt", "Adjustment",
                     *_META),
    "Estimate": ("Id", "SyncToken", "DocNumber", "TxnDate", "ExpirationDate", "CustomerRef",
                 "TotalAmt", "TxnStatus", *_META),
    "TimeActivity": ("Id", "SyncToken", "TxnDate", "NameOf", "EmployeeRef", "VendorRef",
                     "CustomerRef", "ItemRef", "BillableStatus", *_META),
    "Attachable": ("Id", "SyncToken", "FileName", "Note", "ContentType", "Category", "Size",
                   "AttachableRef.EntityRef.type", "AttachableRef.EntityRef.value", *_META),
    "RecurringTransaction": ("Id", "Type", *_META),
    "TaxAgency": ("Id", "SyncToken", "DisplayName", "TaxTrackedOnSales",
                  "TaxTrackedOnPurchases", *_META),
}
# Name-list entities: QBO returns only active ones unless the query filters on Active.
ACTIVE_BY_DEFAULT = {"Customer", "Item", "TaxCode", "TaxRate", "Account", "PaymentMethod",
                     "Term", "Class", "Department", "Vendor", "Employee"}
ENTITY_NAMES = {name.lower(): name for name in QUERYABLE} | {
    "creditcardpayment": "CreditCardPaymentTxn"}  # queried by its path name, answered by this

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:\\.|[^'\\])*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)


@dataclass
class Condition:
    field: str
    op: str
    value: Any


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip().rstrip(";")
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise query_parser(f"Encountered an unexpected character at position {pos}: "
                               f"{text[pos:pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        raw = match.group(kind)
        if kind == "string":
            tokens.append(("value", re.sub(r"\\(.)", r"\1", raw[1:-1])))
        elif kind == "number":
            tokens.append(("value", Decimal(raw)))
        elif kind == "word" and raw.lower() in ("true", "false"):
            tokens.append(("value", raw.lower() == "true"))
        elif kind == "word":
            tokens.append(("word", raw))
        else:
            tokens.append((kind, raw))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise query_parser("Unexpected end of query")
        self.pos += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() in words:
            self.pos += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            found = self.peek()
            raise query_parser(f"Expected {word.upper()} but found {found[1] if found else 'end'}")

    def expect(self, kind: str, value: str | None = None) -> Any:
        token = self.take()
        if token[0] != kind or (value is not None and token[1] != value):
            raise query_parser(f"Encountered \"{token[1]}\" where {value or kind} was expected")
        return token[1]


def parse(text: str) -> Query:
    """Parse a query; raise the QBO 4000 fault on anything it does not understand."""
    p = _Parser(text)
    p.expect_keyword("select")
    count = False
    if p.keyword("count"):
        p.expect("punct", "(")
        p.expect("punct", "*")
        p.expect("punct", ")")
        count = True
    else:
        # "*" or "*, Sku" or a field list: QBO returns whole entities either way here.
        while True:
            token = p.take()
            if token[0] not in ("punct", "word") or token[1] == ",":
                raise query_parser(f"Unexpected {token[1]} in select list")
            nxt = p.peek()
            if nxt and nxt == ("punct", ","):
                p.take()
                continue
            break
    p.expect_keyword("from")
    entity_word = p.expect("word")
    entity = ENTITY_NAMES.get(entity_word.lower())
    if entity is None:
        raise query_parser(f"Invalid entity {entity_word}")
    query = Query(entity=entity, count=count)
    if p.keyword("where"):
        while True:
            query.conditions.append(_condition(p, entity))
            if not p.keyword("and"):
                break
    ordered = p.keyword("orderby")
    if not ordered and p.keyword("order"):
        p.expect_keyword("by")
        ordered = True
    if ordered:
        while True:
            name = _field(entity, p.expect("word"))
            descending = False
            if p.keyword("desc"):
                descending = True
            else:
                p.keyword("asc")
            query.order_by.append((name, descending))
            if p.peek() == ("punct", ","):
                p.take()
                continue
            break
    while p.peek() is not None:
        if p.keyword("startposition"):
            query.start_position = max(1, int(_number(p)))
        elif p.keyword("maxresults"):
            query.max_results = int(_number(p))
            if query.max_results > MAX_RESULTS or query.max_results < 1:
                raise query_parser(
                    f"MAXRESULTS must be between 1 and {MAX_RESULTS}, got {query.max_results}"
                )
        else:
            raise query_parser(f"Encountered \"{p.peek()[1]}\" after the query's end")
    return query


def _number(p: _Parser) -> Decimal:
    token = p.take()
    if token[0] != "value" or not isinstance(token[1], Decimal):
        raise query_parser(f"Expected a number, found {token[1]}")
    return token[1]


def _field(entity: str, name: str) -> str:
    for known in QUERYABLE[entity]:
        if known.lower() == name.lower():
            return known
    raise query_parser(f"property '{name}' is not queryable")


def _condition(p: _Parser, entity: str) -> Condition:
    name = _field(entity, p.expect("word"))
    token = p.take()
    if token[0] == "op":
        op = "!=" if token[1] == "<>" else token[1]
        value = p.take()
        if value[0] != "value":
            raise query_parser(f"Expected a value after {op}, found {value[1]}")
        return Condition(name, op, value[1])
    if token[0] == "word" and token[1].lower() == "like":
        value = p.take()
        if value[0] != "value" or not isinstance(value[1], str):
            raise query_parser("LIKE needs a quoted pattern")
        return Condition(name, "like", value[1])
    if token[0] == "word" and token[1].lower() == "in":
        p.expect("punct", "(")
        values = []
        while True:
            value = p.take()
            if value[0] != "value":
                raise query_parser(f"Expected a value in IN list, found {value[1]}")
            values.append(value[1])
            sep = p.take()
            if sep == ("punct", ")"):
                break
            if sep != ("punct", ","):
                raise query_parser(f"Expected , or ) in IN list, found {sep[1]}")
        return Condition(name, "in", values)
    raise query_parser(f"Unsupported operator {token[1]}")


def _lookup(entity: dict[str, Any], name: str) -> Any:
    value: Any = entity
    for part in name.split("."):
        if isinstance(value, list):  # a list on the way (AttachableRef): its first match
            value = next((item.get(part) for item in value
                          if isinstance(item, dict) and item.get(part) is not None), None)
        else:
            value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, dict):
        # References compare by id; email/phone objects by their text.
        for key in ("value", "Address", "FreeFormNumber"):
            if key in value:
                return value[key]
    return value


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value)
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return Decimal(text)
    except InvalidOperation:  # pragma: no cover - regex guards this
        pass
    return text.casefold()


def _compare(left: Any, op: str, right: Any) -> bool:
    a, b = _normal(left), _normal(right)
    if op == "like":
        pattern = "^" + ".*".join(re.escape(part) for part in str(right).casefold().split("%"))
        return a is not None and re.match(pattern + "$", str(a), re.DOTALL) is not None
    if op == "in":
        return any(_compare(left, "=", option) for option in right)
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if a is None or b is None or type(a) is not type(b):
        return False
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def run(query: Query, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """Evaluate the query over a realm's entities; the result is QBO's QueryResponse."""
    matches = list(entities)
    if query.entity in ACTIVE_BY_DEFAULT and not any(
        c.field == "Active" for c in query.conditions
    ):
        matches = [e for e in matches if e.get("Active", True)]
    for cond in query.conditions:
        matches = [e for e in matches if _compare(_lookup(e, cond.field), cond.op, cond.value)]
    if query.count:
        return {"totalCount": len(matches)}
    matches.sort(key=lambda e: int(e["Id"]) if str(e.get("Id", "")).isdigit() else 0)
    for name, descending in reversed(query.order_by):
        matches.sort(key=lambda e, n=name: _sort_key(_lookup(e, n)), reverse=descending)
    page = matches[query.start_position - 1 : query.start_position - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: page, "startPosition": query.start_position, "maxResults": len(page)}


def _sort_key(value: Any) -> tuple[int, Any]:
    normal = _normal(value)
    if normal is None:
        return (0, "")
    if isinstance(normal, Decimal):
        return (1, normal)
    return (2, str(normal))
