"""Control-plane background work over the tenant registry."""

from django_tenants.utils import tenant_context

from config.celery import app
from tenants.selectors import serving_tenants


@app.task
def refresh_all_rollups() -> int:
    """Queues one rollup task inside each serving tenant; returns how many were queued."""
    from eoffice.tasks import publish_rollup

    count = 0
    for tenant in serving_tenants():
        with tenant_context(tenant):
            publish_rollup.delay()
        count += 1
    return count
