"""Which Accounting API paths the sandbox serves besides an entity's own (`<entity>` and
`<entity>/<id>`, query, cdc, batch): reports, and the paths after a form's id (send, pdf).
Every other path answers the fault Intuit answers for a resource it does not have, and
writes nothing:

    400 {"Fault": {"Error": [{"Message": "Unsupported Operation", "code": "500",
          "Detail": "Operation Could not find resource for relative : /v3/company/<realm>/...
                     of full path: https://.../v3/company/<realm>/...?... is not supported."}],
          "type": "ValidationFault"}}

(Intuit's wording, as integrators quote it: e.g. minimul/qbo_api issues 79 and 81,
IntuitDeveloper/SampleApp-CRUD-PHP issue 7.)
"""

from __future__ import annotations

import json
from typing import Any

from . import faults, form_delivery, reports
from .form_delivery import Answer


def route(books: Any, request: Any, parts: list[str], entity: str | None) -> Any:
    """The answer for a path that is not an entity's own, or None when it is one (the
    caller reads or writes the entity). `entity`: what the first segment names, if any."""
    head = parts[0].lower() if parts else ""
    if head == "reports":
        if request.method != "GET" or len(parts) != 2:
            raise not_found(request)
        report = reports.answer(books, parts[1], request.args)
        if report is None:
            raise not_found(request)
        return Answer(json.dumps(report).encode(), "application/json;charset=UTF-8")
    if entity is None:
        raise not_found(request)
    if len(parts) == 1 or (len(parts) == 2 and request.method == "GET"):
        return None
    if len(parts) == 3:
        action = parts[2].lower()
        if action == "send" and request.method == "POST" and entity in form_delivery.SENDABLE:
            return {entity: form_delivery.send(books, entity, parts[1],
                                               request.args.get("sendTo"))}
        if action == "pdf" and request.method == "GET" and entity in form_delivery.PRINTABLE:
            return form_delivery.pdf(books, entity, parts[1])
    raise not_found(request)


def not_found(request: Any) -> faults.QBOFault:
    """Intuit's answer for a path it does not serve (400, code 500)."""
    full = request.base_url + (f"?{request.query_string.decode()}"
                               if request.query_string else "")
    return faults.QBOFault(
        500, "Unsupported Operation",
        f"Operation Could not find resource for relative : {request.path} of full path: "
        f"{full} is not supported.", status=400)
