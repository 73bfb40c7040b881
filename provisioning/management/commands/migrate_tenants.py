"""`migrate_schemas` that touches only the tenant schemas that need it."""

import time
from typing import Any

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor
from django_tenants.utils import get_public_schema_name

from provisioning.blueprint import current_blueprint
from provisioning.lifecycle_services import align_write_modes
from provisioning.migration_state import (
    TEMPLATE_SCHEMA,
    allow_migration_writes,
    create_template_schema,
    pending_schemas,
)
from tenants.models import Tenant


class Command(MigrateSchemasCommand):
    help = (
        "Migrates the public schema, then only the tenant schemas (and the template schema new "
        "tenants are made from) that miss a migration: found in one query over all schemas and "
        "migrated in parallel. With nothing to apply it takes seconds however many tenants exist."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # SyncCommon.handle: reads --shared/--tenant/--schema/--executor into attributes.
        super(MigrateSchemasCommand, self).handle(*args, **options)
        public = get_public_schema_name()
        if self.sync_public:
            get_executor(codename=self.executor)(self.args, self.options).run_migrations(
                tenants=[public]
            )
        if not self.sync_tenant:
            return

        if self.schema_name and self.schema_name != public:
            names = [self.schema_name]
        else:
            create_template_schema()
            tenants = Tenant.objects.exclude(schema_name=public).values_list(
                "schema_name", flat=True
            )
            names = [TEMPLATE_SCHEMA, *tenants]
        started = time.perf_counter()
        pending = pending_schemas(names)
        self.stdout.write(
            f"{len(pending)} of {len(names)} tenant schemas need migrations "
            f"(checked in {(time.perf_counter() - started) * 1000:.0f} ms)."
        )
        if pending:
            allow_migration_writes()  # a suspended tenant's data migrations must not be refused
            codename = "multiprocessing" if len(pending) > 1 else "standard"
            get_executor(codename=codename)(self.args, self.options).run_migrations(tenants=pending)
        if TEMPLATE_SCHEMA in pending:
            current_blueprint()  # made now, so the next tenant is created at full speed
        if pending:
            # A schema that has just gained write modes starts "open"; a suspended or archived
            # tenant's must not stay so.
            align_write_modes()
