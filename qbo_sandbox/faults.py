"""QBO fault bodies: the exact JSON shapes Intuit returns, raised as one exception type."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def qbo_time(ts: float | None = None) -> str:
    """A timestamp the way QBO writes it (ISO 8601 with milliseconds and offset)."""
    moment = datetime.fromtimestamp(ts, UTC) if ts is not None else datetime.now(UTC)
    return moment.isoformat(timespec="milliseconds")


class QBOFault(Exception):
    """A fault the API answers with; `body()` gives QBO's JSON."""

    def __init__(
        self,
        code: str | int,
        message: str,
        detail: str = "",
        *,
        element: str = "",
        type: str = "ValidationFault",
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = str(code)
        self.message = message
        self.detail = detail
        self.element = element
        self.type = type
        self.status = status
        self.headers = headers or {}

    def error(self) -> dict[str, Any]:
        return {
            "Message": self.message,
            "Detail": self.detail,
            "code": self.code,
            "element": self.element,
        }

    def fault(self) -> dict[str, Any]:
        return {"Error": [self.error()], "type": self.type}

    def body(self, now: float | None = None) -> dict[str, Any]:
        return {"Fault": self.fault(), "time": qbo_time(now)}


def required_missing(element: str) -> QBOFault:
    return QBOFault(
        2020,
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element=element,
    )


def string_length(element: str) -> QBOFault:
    return QBOFault(
        2050,
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Element: {element}",
        element=element,
    )


def invalid_reference(element: str, value: Any) -> QBOFault:
    return QBOFault(
        2500,
        "Invalid Reference Id",
        f"Invalid Reference Id : Something you're trying to use has been made inactive or does "
        f"not exist. {element}={value}",
        element=element,
    )


def object_not_found(entity: str, entity_id: Any) -> QBOFault:
    return QBOFault(
        610,
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. Check the "
        f"fields with accounts, customers, items, vendors or employees. {entity} Id={entity_id}",
    )


def transaction_deleted(entity: str, entity_id: Any) -> QBOFault:
    """Reading, changing or deleting a transaction that was deleted: Intuit answers 610 with
    this Detail (seen in answers quoted in mcohen01/node-quickbooks#21)."""
    return QBOFault(
        610,
        "Object Not Found",
        "Object Not Found : Another user has deleted this transaction.",
    )


def stale_object(entity: str, sync_token: Any) -> QBOFault:
    return QBOFault(
        5010,
        "Stale Object Error",
        f"Stale Object Error : You and another user were working on the same thing. Please try "
        f"again. The {entity} you sent had SyncToken={sync_token}, which is no longer current.",
    )


def duplicate_name() -> QBOFault:
    return QBOFault(
        6240,
        "Duplicate Name Exists Error",
        "The name supplied already exists. : Another customer, vendor or employee is already "
        "using this name. Please use a different name.",
    )


def duplicate_item_name() -> QBOFault:
    return duplicate_list_name("product or service")


def duplicate_list_name(kind: str) -> QBOFault:
    """6240 for a name list other than customers/vendors/employees (account, class, ...)."""
    return QBOFault(
        6240,
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another {kind} is already using this "
        "name. Please use a different name.",
    )


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QBOFault:
    return QBOFault(
        6140,
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has "
        f"already been used. DocNumber={doc_number} is assigned to TxnType={txn_type} with "
        f"TxnId={txn_id}",
    )


def business_rule(detail: str, element: str = "") -> QBOFault:
    return QBOFault(6000, "A business validation error has occurred while processing your "
                    "request", f"Business Validation Error: {detail}", element=element)


def invalid_name_characters(element: str) -> QBOFault:
    # QBO rejects ':' (the sub-customer/sub-item separator) and control characters in names as a
    # malformed string value; we answer 2050 with the element named (see README).
    return QBOFault(
        2050,
        "String length is either shorter or longer than supported by specification",
        f"Invalid character in {element}: names may not contain ':', tabs, new lines or other "
        "control characters.",
        element=element,
    )


def query_parser(detail: str) -> QBOFault:
    return QBOFault(
        4000,
        "Error parsing query",
        f"QueryParserError: {detail}",
    )


def unsupported_operation(detail: str) -> QBOFault:
    return QBOFault(
        500, "Unsupported Operation", f"Operation {detail} is not supported.", status=400
    )


def request_malformed(detail: str) -> QBOFault:
    return QBOFault(2010, "Request has invalid or unsupported property",
                    f"Property Name:{detail} specified is unsupported or invalid")


def authentication_failed(detail: str) -> QBOFault:
    return QBOFault(
        3200,
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        detail,
        type="AuthenticationFault",
        status=401,
    )


def forbidden(detail: str) -> QBOFault:
    return QBOFault(
        3100,
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        detail,
        type="AuthorizationFault",
        status=403,
    )


def throttled(retry_after: int | None,
              detail: str = "The request limit was reached.  Try again later") -> QBOFault:
    """Intuit's 429 (answered as XML: limits.throttled_xml). `retry_after` None: no
    Retry-After header, as Intuit documents none (it says to wait 60 s)."""
    headers = {} if retry_after is None else {"Retry-After": str(max(1, int(retry_after)))}
    return QBOFault(
        3001,
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        detail,
        type="SERVICE",
        status=429,
        headers=headers,
    )


def system_fault(status: int = 500) -> QBOFault:
    if status == 503:
        return QBOFault(
            10000, "An application error has occurred while processing your request",
            "System Failure Error: Service Unavailable", type="SystemFault", status=503,
        )
    return QBOFault(
        10000, "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your "
        "data. Please wait a few minutes and try again.", type="SystemFault", status=status,
    )


def account_period_closed(close_date: str) -> QBOFault:
    """The books are closed (Preferences.AccountingInfoPrefs.BookCloseDate) and the change is
    dated on or before that day. Intuit's fault list: 6200 "Account Period Closed" (6210 is
    the same with a closing-date password set); its message as Intuit answers it."""
    return QBOFault(
        6200,
        "Account Period Closed",
        f"The account period has closed. Transactions dated on or before {close_date} "
        "cannot be added, changed, voided or deleted.",
    )


def invalid_company_status() -> QBOFault:
    """The company cannot be written to: trial or subscription ended, cancelled, or a
    billing problem (Intuit's 6190, its wording; reads still answer)."""
    return QBOFault(
        6190,
        "Invalid Company Status",
        "Subscription period has ended or cancelled or there was a billing problem : You "
        "can't add data to QuickBooks Online because your trial or subscription period "
        "ended, you cancelled your subscription, or there was a billing problem.",
    )
