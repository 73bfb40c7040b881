"""The control plane collects each tenant's figures: a task in the public schema enters each
tenant, reads its figures there and records them, in a real worker process."""

from functools import partial

import pytest
from django.utils import timezone

from tenants.models import TenantRollup
from tenants.tasks import collect_rollup
from tests.conftest import Worker, World
from tests.worker import wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.worker]


def fresh_rollup(tenant_pk: int, since: object) -> TenantRollup | None:
    return TenantRollup.objects.filter(tenant_id=tenant_pk, computed_at__gte=since).first()


def test_each_tenants_rollup_counts_that_tenants_own_data(
    world: World, celery_worker: Worker
) -> None:
    queued_at = timezone.now()
    for made in (world.punjab, world.sindh):
        # Queued from the control plane (the public schema), never from inside the tenant.
        collect_rollup.delay(tenant_id=made.tenant.pk)

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
