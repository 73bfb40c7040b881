"""Moved to config.tenant_storage (the e-office stores its documents there too, and the data
plane imports nothing of provisioning). Kept only so that a caller written before the move
still imports; import config.tenant_storage instead."""

from config.tenant_storage import (
    MARKER,
    create_location,
    delete_keys,
    download_file,
    exists,
    iter_keys,
    location_for,
    open_object,
    put_bytes,
    upload_file,
)

__all__ = [
    "MARKER",
    "create_location",
    "delete_keys",
    "download_file",
    "exists",
    "iter_keys",
    "location_for",
    "open_object",
    "put_bytes",
    "upload_file",
]
