"""Log records that name the tenant they were written for."""

import json
import logging
from datetime import UTC, datetime

from django.db import connection

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "tenant"}


def current_tenant() -> str:
    """The schema of the tenant this thread serves; "public" on the control plane."""
    return getattr(connection, "schema_name", None) or "public"


class TenantFilter(logging.Filter):
    """Adds `tenant` (the schema name) to every record, for both text and JSON output."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.tenant = current_tenant()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line, with the tenant and any `extra=` fields kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "tenant": getattr(record, "tenant", current_tenant()),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)
