"""Attachables: notes and uploaded files linked to entities. A mixin of `entities.Books`.

- A note: POST /attachable with Note (and, as a rule, AttachableRef); read, query, update and
  delete as any entity.
- A file: POST /upload, multipart/form-data as Intuit takes it: parts named file_content_NN
  (the file; Content-Transfer-Encoding base64 is decoded) each with an optional
  file_metadata_NN (an Attachable in JSON: AttachableRef, Note, ...); the answer is
  {"AttachableResponse": [{"Attachable": ...}, ...]}, one per file. The sandbox keeps the file's
  name, content type and Size (bytes), not its content.
- AttachableRef: each EntityRef ({type, value}) names an existing entity the API serves.
"""

from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any

from . import faults
from .catalog import ENTITY_PATHS
from .values import clean, iso

if TYPE_CHECKING:
    from .store import Store

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # Intuit's limit per file
_PART = re.compile(r"file_(content|metadata)_(\w+)$")
_LINKABLE = {name.lower(): name for name in ENTITY_PATHS.values()}


def multipart_parts(content_type: str, body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """(form field name, {"filename", "content_type", "data"}) for each part of a
    multipart/form-data body; base64 parts decoded. Tolerates bare LF line ends (as
    python-quickbooks sends)."""
    if "multipart/form-data" not in (content_type or "").lower():
        raise faults.request_malformed("Content-Type (multipart/form-data expected)")
    message = BytesParser(policy=policy.default).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + body)
    parts = []
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        if part.get_content_type() == "application/json" or str(name).startswith(
                "file_metadata"):
            data = data.strip()
        parts.append((str(name), {"filename": part.get_filename(),
                                  "content_type": part.get_content_type(), "data": data}))
    return parts


class Attachables:
    """The Attachable saver (notes and file metadata) and uploads."""

    store: Store
    realm: str
    country: str
    prefs: dict[str, Any]
    company: dict[str, Any]
    now: float

    def _attachable(self, data: dict, current: dict | None, params: dict) -> dict:
        refs = []
        for raw in data.get("AttachableRef") or []:
            ref = clean(raw) if isinstance(raw, dict) else {}
            entity_ref = ref.get("EntityRef") or {}
            kind = _LINKABLE.get(str(entity_ref.get("type", "")).lower())
            target = entity_ref.get("value")
            if kind is None or target in (None, ""):
                raise faults.invalid_reference("AttachableRef.EntityRef", target)
            if self.store.entity(self.realm, kind, str(target)) is None:
                raise faults.invalid_reference("AttachableRef.EntityRef", target)
            ref["EntityRef"] = {"type": kind, "value": str(target)}
            ref.setdefault("IncludeOnSend", False)
            refs.append(ref)
        data["AttachableRef"] = refs
        if current is not None:  # the file stays what was uploaded
            for key in ("FileName", "ContentType", "Size"):
                if key in current:
                    data[key] = current[key]
                else:
                    data.pop(key, None)
        if not data.get("Note") and not data.get("FileName"):
            raise faults.required_missing("Note")
        data.pop("FileAccessUri", None)
        data.pop("TempDownloadUri", None)
        data.update(domain="QBO", sparse=False)
        self.store.put_entity(self.realm, "Attachable", data)
        return data

    def upload(self, content_type: str, body: bytes) -> dict[str, Any]:
        """POST /upload: one Attachable per file part (with its metadata part, if any)."""
        files: dict[str, dict[str, Any]] = {}
        metadata: dict[str, dict[str, Any]] = {}
        for name, part in multipart_parts(content_type, body):
            match = _PART.match(name)
            if not match:
                continue
            if match.group(1) == "content":
                files[match.group(2)] = part
            else:
                try:
                    meta = json.loads(part["data"] or b"{}")
                except ValueError:
                    raise faults.request_malformed(name) from None
                if not isinstance(meta, dict):
                    raise faults.request_malformed(name)
                metadata[match.group(2)] = meta
        if not files:
            raise faults.required_missing("file_content_01")
        answers = []
        for suffix, part in files.items():
            if len(part["data"]) > MAX_UPLOAD_BYTES:
                raise faults.business_rule("A file can be at most 100 MB.", "file_content")
            meta = clean(metadata.get(suffix, {}))
            for key in ("Id", "SyncToken", "sparse", "domain", "MetaData"):
                meta.pop(key, None)
            meta["FileName"] = meta.get("FileName") or part["filename"] or f"file_{suffix}"
            meta["ContentType"] = meta.get("ContentType") or part["content_type"]
            meta["Size"] = len(part["data"])
            meta["Id"] = self.store.next_id(self.realm, "Attachable")
            meta["SyncToken"] = "0"
            meta["MetaData"] = {"CreateTime": iso(self.now), "LastUpdatedTime": iso(self.now)}
            answers.append({"Attachable": self._attachable(meta, None, {})})
        return {"AttachableResponse": answers}
