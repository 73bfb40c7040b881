"""Error reporting: Sentry, with the tenant on every event."""

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event

from config.logging import current_tenant


def tag_tenant(event: Event, hint: dict[str, Any]) -> Event:
    """Tags the event with the schema the failing code was serving.

    Read at capture time from the connection, so it holds for requests and for Celery tasks
    alike (tenant-schemas-celery switches the connection before a task runs).
    """
    event.setdefault("tags", {})["tenant"] = current_tenant()
    return event


def init_sentry(
    *, dsn: str, environment: str, traces_sample_rate: float, transport: Any = None
) -> None:
    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        before_send=tag_tenant,
        **options,
    )
