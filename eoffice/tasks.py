"""Background work that runs inside one tenant's schema."""

from django.db import OperationalError

from config.celery import app
from config.tenancy import current_schema
from eoffice.selectors.org_chart import rollup_figures
from tenants.services import record_rollup


@app.task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def publish_rollup() -> dict[str, int]:
    """Computes this tenant's figures and writes them to the public rollup table.

    Queue it inside the tenant (tenant_context): the worker runs it in that schema. Running it
    twice only rewrites the same row.
    """
    figures = rollup_figures()
    record_rollup(schema_name=current_schema(), **figures)
    return figures
