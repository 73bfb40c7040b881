"""Errors reach Sentry tagged with the tenant; log lines name the tenant."""

import json
import logging
from typing import Any

import pytest
import sentry_sdk
from django_tenants.utils import schema_context
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from config.logging import JSONFormatter, TenantFilter
from config.observability import init_sentry
from tests.conftest import World

pytestmark = pytest.mark.django_db


class CapturingTransport(Transport):
    """Keeps envelopes in memory instead of sending them anywhere."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.events: list[Any] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            if item.type == "event":
                self.events.append(item.payload.json)


@pytest.fixture
def sentry_events() -> Any:
    transport = CapturingTransport()
    init_sentry(
        dsn="https://key@sentry.invalid/1",
        environment="test",
        traces_sample_rate=0.0,
        transport=transport,
    )
    yield transport.events
    sentry_sdk.init()  # no DSN: the client is inactive again


def test_events_carry_the_tenant_schema_as_a_tag(world: World, sentry_events: list) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        sentry_sdk.capture_message("inside punjab")
    sentry_sdk.capture_message("on the control plane")
    sentry_sdk.flush()

    tags = {event["message"]: event["tags"]["tenant"] for event in sentry_events}
    assert tags == {
        "inside punjab": world.punjab.tenant.schema_name,
        "on the control plane": "public",
    }


def test_json_log_lines_name_the_tenant(world: World) -> None:
    record = logging.LogRecord("eoffice", logging.INFO, __file__, 1, "note sent", None, None)
    record.file_number = "PB/ADMIN/12/2026"

    with schema_context(world.sindh.tenant.schema_name):
        TenantFilter().filter(record)
    line = json.loads(JSONFormatter().format(record))

    assert line["tenant"] == world.sindh.tenant.schema_name
    assert line["message"] == "note sent"
    assert line["file_number"] == "PB/ADMIN/12/2026"
    assert line["level"] == "INFO"
