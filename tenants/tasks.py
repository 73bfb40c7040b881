"""Control-plane background work over the tenant registry."""

from django.db import OperationalError
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from config.celery import app
from eoffice.selectors.org_chart import rollup_figures
from tenants.selectors import serving_tenants
from tenants.services import record_rollup


@app.task
def refresh_all_rollups() -> int:
    """Queues one collect_rollup per serving tenant; returns how many were queued."""
    with schema_context(get_public_schema_name()):
        tenant_ids = list(serving_tenants().values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        collect_rollup.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@app.task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def collect_rollup(*, tenant_id: int) -> dict[str, int] | None:
    """Reads one tenant's figures inside its schema and records them in the public rollup
    table (the control plane collects; the e-office never writes outside its schema).

    One task per tenant, so one tenant's failure or slowness leaves the others' figures fresh.
    Running it twice only rewrites the same row; a tenant no longer serving is skipped (None).
    """
    with schema_context(get_public_schema_name()):
        tenant = serving_tenants().filter(pk=tenant_id).first()
        if tenant is None:
            return None
        with tenant_context(tenant):
            figures = rollup_figures()
        record_rollup(schema_name=tenant.schema_name, **figures)
    return figures
