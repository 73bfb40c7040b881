"""`manage.py tenant_backup`: the runbook's one command for backups (README, "Backups and
restore"). Thin: each action is one call of provisioning.backups or backup_retention."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from provisioning.backup_retention import expire_backups
from provisioning.backups import back_up_tenant, restore_backup, switch_to_restore
from provisioning.models import BackupRestore, TenantBackup
from tenants.models import Tenant

ACTIONS = ("backup", "list", "restore", "drill", "switch", "expire")


class Command(BaseCommand):
    help = (
        "Backs a tenant up, lists its backups, restores one into a fresh verified schema "
        "(restore) or only proves it restores (drill), switches the tenant to a verified "
        "restore, or applies the retention rule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("tenant", help="The tenant's address (subdomain) or id.")
        parser.add_argument("--backup", type=int, help="Backup id (default: the newest stored).")
        parser.add_argument("--restore", type=int, help="Restore id, for switch.")
        parser.add_argument("--confirm", default="", help="The tenant's name, for switch.")
        parser.add_argument("--reason", default="", help="Why, for switch.")
        parser.add_argument("--actor", default="operator", help="Who, for the record.")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = _tenant(options["tenant"])
        action, actor = options["action"], options["actor"]
        started = time.monotonic()
        if action == "backup":
            backup = back_up_tenant(tenant=tenant, actor=actor)
            if backup.state != TenantBackup.State.SUCCEEDED:
                raise CommandError(f"Backup {backup.pk} failed: {backup.error}")
            rows = sum(table["rows"] for table in backup.tables)
            self.stdout.write(
                f"Backup {backup.pk}: {backup.storage_key}, {backup.size_bytes} bytes, "
                f"{len(backup.tables)} tables, {rows} rows, {len(backup.files)} files, "
                f"sha256 {backup.sha256}, in {time.monotonic() - started:.2f} s"
            )
        elif action == "list":
            for backup in tenant.backups.order_by("-started_at", "-id"):
                verified = f" verified {backup.verified_at:%Y-%m-%d}" if backup.verified_at else ""
                self.stdout.write(
                    f"{backup.pk}\t{backup.started_at:%Y-%m-%d %H:%M}\t{backup.state}{verified}"
                    f"\t{backup.storage_key}"
                )
        elif action in ("restore", "drill"):
            result = restore_backup(
                backup=_backup(tenant, options["backup"]), actor=actor, drill=action == "drill"
            )
            if result.state != BackupRestore.State.VERIFIED:
                raise CommandError(f"Restore {result.pk} failed: {result.error}")
            kept = "rolled back (drill)" if result.drill else "kept, frozen, not serving"
            self.stdout.write(
                f"Restore {result.pk} verified: {result.tables_checked} tables and "
                f"{result.files_checked} files match; schema {result.schema_name} {kept}; "
                f"in {time.monotonic() - started:.2f} s."
            )
        elif action == "switch":
            if options["restore"] is None:
                raise CommandError("Name the verified restore to switch to: --restore ID.")
            restore = BackupRestore.objects.get(pk=options["restore"], backup__tenant=tenant)
            switched = switch_to_restore(
                restore=restore,
                actor=actor,
                typed_name=options["confirm"],
                reason=options["reason"],
            )
            self.stdout.write(f"{switched.name} now serves schema {switched.schema_name}.")
        else:
            expired = expire_backups(tenant=tenant, actor=actor)
            self.stdout.write(f"Expired {len(expired)} backups: {expired}")


def _tenant(name: str) -> Tenant:
    found = Tenant.objects.filter(pk=int(name)) if name.isdigit() else None
    tenant = (found.first() if found is not None else None) or Tenant.objects.filter(
        subdomain=name
    ).first()
    if tenant is None:
        raise CommandError(f"No tenant {name!r}.")
    return tenant


def _backup(tenant: Tenant, backup_id: int | None) -> TenantBackup:
    backups = tenant.backups.filter(state=TenantBackup.State.SUCCEEDED)
    backup = backups.filter(pk=backup_id).first() if backup_id else backups.first()
    if backup is None:
        raise CommandError(f"{tenant.name} has no such stored backup.")
    return backup
