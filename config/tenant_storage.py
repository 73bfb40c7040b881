"""A tenant's place in object storage: a key prefix in the bucket, or a folder locally.

A platform-wide helper: the e-office stores its documents here; provisioning creates, archives
and deletes a tenant's location. One bucket serves every tenant (buckets per account are
limited, prefixes are not); the prefix is recorded on the tenant, so a restored tenant keeps
working wherever its files were put.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from botocore.exceptions import ClientError
from django.conf import settings

from config.object_storage import s3_client, uses_s3

MARKER = ".e-office-location"


def location_for(schema_name: str) -> str:
    return f"tenants/{schema_name}/"


def _local(key: str) -> Path:
    path = (settings.LOCAL_STORAGE_DIR / key).resolve()
    if not path.is_relative_to(settings.LOCAL_STORAGE_DIR.resolve()):
        raise ValueError(f"Storage key {key!r} leaves the storage folder.")
    return path


def put_bytes(key: str, data: bytes) -> None:
    if uses_s3():
        s3_client().put_object(Bucket=settings.S3_BUCKET, Key=key, Body=data)
    else:
        path = _local(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


PARTIAL = ".partial-"


def upload_file(key: str, source: Path, *, server_side_encryption: str = "") -> None:
    """Stores a file under `key`; the object appears complete or not at all (S3 makes an upload
    visible only once it has finished; locally the copy is renamed into place).

    `server_side_encryption` ("AES256", "aws:kms") asks S3 to encrypt the object at rest; the
    local copy is then readable by its owner only (the folder's other files keep their mode)."""
    if uses_s3():
        extra = {"ServerSideEncryption": server_side_encryption} if server_side_encryption else None
        s3_client().upload_file(str(source), settings.S3_BUCKET, key, ExtraArgs=extra)
    else:
        path = _local(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}{PARTIAL}{uuid.uuid4().hex}")
        shutil.copyfile(source, partial)
        if server_side_encryption:
            partial.chmod(0o600)
        os.replace(partial, path)


def partial_uploads(prefix: str) -> list[str]:
    """Keys under `prefix` of uploads a killed process left unfinished (only locally: an S3
    upload that does not finish never becomes an object)."""
    if uses_s3():
        return []
    return [key for key in iter_keys(prefix) if PARTIAL in key.rsplit("/", 1)[-1]]


def download_file(key: str, target: Path) -> None:
    if uses_s3():
        s3_client().download_file(settings.S3_BUCKET, key, str(target))
    else:
        shutil.copyfile(_local(key), target)


def open_object(key: str) -> BinaryIO:
    """A readable stream of one stored object."""
    if uses_s3():
        return s3_client().get_object(Bucket=settings.S3_BUCKET, Key=key)["Body"]
    return _local(key).open("rb")


def exists(key: str) -> bool:
    if uses_s3():
        try:
            s3_client().head_object(Bucket=settings.S3_BUCKET, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True
    return _local(key).is_file()


def create_location(prefix: str, *, owner: str) -> None:
    """Makes the prefix exist (a marker object naming its owner); doing it twice changes nothing."""
    put_bytes(prefix + MARKER, f"e-office files of {owner}\n".encode())


def iter_keys(prefix: str) -> Iterator[str]:
    """Every stored key under the prefix, the location marker included."""
    if uses_s3():
        pages = (
            s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=settings.S3_BUCKET, Prefix=prefix)
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]
        return
    root = _local(prefix)
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield prefix + path.relative_to(root).as_posix()


def delete_keys(keys: list[str]) -> None:
    if uses_s3():
        client = s3_client()
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            client.delete_objects(Bucket=settings.S3_BUCKET, Delete={"Objects": batch})
        return
    for key in keys:
        _local(key).unlink(missing_ok=True)
