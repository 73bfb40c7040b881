"""Checks that what a request needs (database, broker, storage, static files) is there now."""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.db import connection
from kombu import Connection

from config.object_storage import s3_client, uses_s3


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    ms: float
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            body["error"] = self.error
        return body


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not os.access(str(folder), os.W_OK):
            raise OSError(f"queue folder {folder} is missing or not writable")
        return
    timeout = settings.READINESS_TIMEOUT
    with Connection(url, connect_timeout=timeout, transport_options={"max_retries": 0}) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


def check_storage() -> None:
    if uses_s3():
        s3_client(timeout=settings.READINESS_TIMEOUT).head_bucket(Bucket=settings.S3_BUCKET)
        return
    folder = settings.LOCAL_STORAGE_DIR
    if not os.access(folder, os.W_OK):
        raise OSError(f"storage folder {folder} is missing or not writable")


def check_static() -> None:
    # With hashed names every page's {% static %} needs the manifest, loaded when this process
    # first used the storage: without it each page is a 500 (ValueError: Missing manifest entry).
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return  # locally the finders serve the source folders; there is nothing to collect
    if not staticfiles_storage.hashed_files:
        raise OSError(
            f"no static files manifest ({staticfiles_storage.manifest_name}) in "
            f"{settings.STATIC_ROOT}: run `manage.py collectstatic` before starting the web process"
        )


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "static": check_static,
}


def run_checks() -> dict[str, CheckResult]:
    """Runs every check, each bounded by READINESS_TIMEOUT; a failure never raises."""
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a probe reports every failure, whatever its kind
            message = f"{type(exc).__name__}: {exc}"[:300]
            results[name] = CheckResult(False, (time.perf_counter() - started) * 1000, message)
        else:
            results[name] = CheckResult(True, (time.perf_counter() - started) * 1000)
    return results
