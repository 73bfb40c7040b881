"""Tasks queued inside a tenant run in that tenant's schema, in a real worker process."""

from functools import partial

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from eoffice.tasks import publish_rollup
from tenants.models import TenantRollup
from tests.conftest import Worker, World
from tests.worker import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.worker]


def fresh_rollup(tenant_pk: int, since: object) -> TenantRollup | None:
    return TenantRollup.objects.filter(tenant_id=tenant_pk, computed_at__gte=since).first()


def test_task_queued_inside_a_tenant_sees_that_tenants_data(
    world: World, celery_worker: Worker
) -> None:
    queued_at = timezone.now()
    for made in (world.punjab, world.sindh):
        with tenant_context(made.tenant):
            publish_rollup.delay()

    for made in (world.punjab, world.sindh):
        rollup = wait_for(
            partial(fresh_rollup, made.tenant.pk, queued_at),
            timeout=60,
            what=f"the rollup of {made.tenant.name}",
            log=celery_worker.log,
        )
        # Each count is its own schema's: Punjab has 4 accounts, Sindh 3.
        assert rollup.officers == made.account_count, made.tenant.name
    assert world.punjab.account_count != world.sindh.account_count
