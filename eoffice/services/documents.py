"""Storing uploaded letters and attachments under the tenant's storage prefix.

Only PDFs, images and office files are accepted, judged by their first bytes rather than by
the name the browser sent. Keys are relative to the tenant's prefix, so a tenant restored under
a new prefix still finds its documents.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from typing import BinaryIO

from django.utils.translation import gettext, gettext_lazy
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from accounts.models import User
from config import tenant_storage as storage
from config.tenancy import current_schema, current_tenant
from eoffice.errors import Invalid
from eoffice.models import Document

MAX_BYTES = 25 * 1024 * 1024
ACCEPTED = gettext_lazy("PDF, PNG, JPEG, TIFF, Word, Excel, PowerPoint or OpenDocument")
_ZIP_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
_OLE_TYPES = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


def _extension(name: str) -> str:
    match = re.search(r"(\.[A-Za-z0-9]{1,5})$", name)
    return match.group(1).lower() if match else ""


def sniff(name: str, head: bytes) -> str:
    """The content type of an accepted upload; Invalid if its bytes are not one we accept."""
    extension = _extension(name)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"PK\x03\x04") and extension in _ZIP_TYPES:
        return _ZIP_TYPES[extension]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and extension in _OLE_TYPES:
        return _OLE_TYPES[extension]
    raise Invalid(
        gettext("“%(name)s” is not a file we accept. Upload a %(accepted)s file.")
        % {"name": name, "accepted": ACCEPTED}
    )


def count_pages(content_type: str, data: bytes, name: str) -> int:
    if content_type != "application/pdf":
        return 1
    try:
        pages = len(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise Invalid(
            gettext("“%(name)s” is damaged and cannot be read as a PDF.") % {"name": name}
        ) from error
    if pages < 1:
        raise Invalid(gettext("“%(name)s” is a PDF without pages.") % {"name": name})
    return pages


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "document"
    return re.sub(r"[^\w.\- ]+", "_", name)[:120]


def tenant_key(relative: str) -> str:
    prefix = getattr(current_tenant(), "storage_prefix", "") or storage.location_for(
        current_schema()
    )
    return prefix.rstrip("/") + "/" + relative


def store_document(*, upload: BinaryIO, name: str, uploaded_by: User) -> Document:
    """Checks and stores an upload, and records it. Call inside the transaction that uses it:
    should that transaction fail, the stored object is left unreferenced, never half-recorded."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(
            gettext("“%(name)s” is larger than %(size)s MB.")
            % {"name": name, "size": MAX_BYTES // (1024 * 1024)}
        )
    if not data:
        raise Invalid(gettext("“%(name)s” is empty.") % {"name": name})
    content_type = sniff(name, data[:16])
    pages = count_pages(content_type, data, name)
    safe = _safe_name(name)
    relative = f"documents/{uuid.uuid4().hex}/{safe}"
    storage.put_bytes(tenant_key(relative), data)
    return Document.objects.create(
        storage_key=relative,
        original_name=safe,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        uploaded_by=uploaded_by,
    )


def open_document(document: Document) -> BinaryIO:
    return storage.open_object(tenant_key(document.storage_key))
