"""The lifecycle transitions that change what a tenant's schema accepts: suspend, resume,
archive, delete, restore.

Each is a service function that checks the transition against tenants.lifecycle before it does
any work, carries it out through tenants.services.transition_tenant, and sets the schema's write
mode (eoffice.write_modes) in the same transaction: suspended → "suspended", resumed or
restored → "open", archiving → "frozen" before the snapshot. The Tenant row, its events, its
archives and its archive runs are never deleted: a deleted tenant is a tenant without a schema.

A tenant is suspended while any suspension hold (tenants.models.SuspensionHold) is open on it:
a federal one (suspend_tenant / resume_tenant, the federal board's) or a billing one per unpaid
invoice (place_billing_hold / lift_billing_hold, dunning's, applied by
provisioning.tasks.apply_billing_holds). Lifting one kind never lifts the other. An archive's
own suspension ("Being archived: …") is a federal hold; archiving lifts every hold.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists
from psycopg import sql

from billing.services.dunning import audit_hold
from config import tenant_storage as storage
from config.tenancy import use_public_schema
from eoffice import write_modes
from eoffice.selectors.write_mode import write_mode
from eoffice.services.write_mode import set_write_mode
from provisioning.archive import (
    ARCHIVE_PREFIX,
    archive_key,
    export_tenant,
    restore_archive,
    verify_stored_archive,
)
from provisioning.migration_state import (
    TEMPLATE_SCHEMA,
    expected_tenant_migrations,
    pending_schemas,
)
from provisioning.models import ArchiveRun, TenantArchive
from provisioning.selectors import (
    ARCHIVE_LOCK_SPACE,
    archive_run_interrupted,
    unfinished_archive_run,
)
from tenants.lifecycle import SERVING_STATES, check_transition
from tenants.models import SuspensionHold, Tenant
from tenants.naming import schema_name_for
from tenants.selectors import open_holds, suspension_reason
from tenants.services import lift_holds, place_hold, record_event, transition_tenant

log = logging.getLogger(__name__)
S = Tenant.State
Hold = SuspensionHold
# How long a suspension (in a request) and a freeze (in the archive's worker) wait for the
# writes already in flight in the schema to end before they give up.
SUSPEND_WAIT_SECONDS = 10
FREEZE_WAIT_SECONDS = 120


def suspend_tenant(*, tenant: Tenant, actor: str, reason: str) -> Tenant:
    """Makes the tenant's e-office read-only by a federal hold: its users can sign in and
    read, nothing else.

    One transaction: the federal hold, the transition, and the schema's write mode
    "suspended", which waits for the writes in flight to end, so none commits after the
    suspension. A tenant already suspended for an unpaid invoice (a billing hold) stays
    suspended and gets the federal hold too, with an event saying so, so that paying cannot
    lift it. Refused (TransitionNotAllowed) for a tenant already under a federal hold, or in a
    state that cannot be suspended.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the e-office is suspended; its users are shown it.")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.state == S.SUSPENDED and not open_holds(locked, Hold.Kind.FEDERAL):
            place_hold(tenant=locked, kind=Hold.Kind.FEDERAL, reason=reason, actor=actor)
            record_event(
                tenant=locked, actor=actor, reason=f"Suspended by the federal board too: {reason}"
            )
            tenant.refresh_from_db(fields=["state"])
            return locked
        check_transition(locked, S.SUSPENDED)
        place_hold(tenant=locked, kind=Hold.Kind.FEDERAL, reason=reason, actor=actor)
        suspended = transition_tenant(
            tenant=locked, to_state=S.SUSPENDED, actor=actor, reason=reason
        )
        _set_mode(suspended.schema_name, write_modes.SUSPENDED, SUSPEND_WAIT_SECONDS)
    tenant.refresh_from_db(fields=["state"])
    return suspended


def resume_tenant(*, tenant: Tenant, actor: str, reason: str = "") -> Tenant:
    """Lifts the federal suspension; the e-office accepts changes again once no hold is left.

    A tenant also held for an unpaid invoice stays read-only: its federal hold is lifted and
    an event records that it stays suspended, and why (`suspension_reason`). Refused
    (ValidationError) for a tenant suspended only for non-payment (paying or an extension
    lifts that), and while the tenant is being archived (a run queued or running with its
    worker alive): its schema is frozen for the archive's snapshot. A run whose worker was
    lost is recorded as failed, and the tenant resumes.
    """
    reason = reason.strip()
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        _close_interrupted_run(locked, refusal="resumed")
        if locked.state == S.SUSPENDED:
            lifted = lift_holds(
                tenant=locked, kind=Hold.Kind.FEDERAL, actor=actor, reason=reason or "Resumed"
            )
            remaining = open_holds(locked)
            if remaining and not lifted:
                raise ValidationError(
                    f"{locked.name} is not suspended by the federal board; it stays read-only "
                    f"until it is settled: {suspension_reason(locked)}.",
                    code="billing_hold",
                )
            if remaining:
                record_event(
                    tenant=locked,
                    actor=actor,
                    reason=(
                        f"Federal suspension lifted{f' ({reason})' if reason else ''}; the "
                        f"e-office stays read-only: {suspension_reason(locked)}"
                    ),
                )
                tenant.refresh_from_db(fields=["state"])
                return locked
        resumed = transition_tenant(tenant=locked, to_state=S.ACTIVE, actor=actor, reason=reason)
        _set_mode(resumed.schema_name, write_modes.OPEN, SUSPEND_WAIT_SECONDS)
    tenant.refresh_from_db(fields=["state"])
    return resumed


def place_billing_hold(
    *, tenant: Tenant, reference: str, reason: str, actor: str = "system"
) -> SuspensionHold | None:
    """Makes the tenant read-only for an unpaid invoice (`reference`, its number); returns
    the open billing hold, or None for a tenant that is not serving (archived, deleted …),
    which has nothing to suspend.

    Idempotent: a second call for the same reference finds the open hold and changes nothing.
    An active tenant is suspended (transition, write mode "suspended", in this transaction); a
    suspended one keeps its state and mode (a frozen schema stays frozen) and records an
    event. Nothing is deleted; officers still sign in, read, search and export.
    """
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.state not in SERVING_STATES:
            return None
        hold, placed = place_hold(
            tenant=locked, kind=Hold.Kind.BILLING, reference=reference, reason=reason, actor=actor
        )
        if not placed:
            return hold
        audit_hold(tenant=locked, reference=reference, placed=True, reason=reason, actor=actor)
        if locked.state == S.ACTIVE:
            transition_tenant(tenant=locked, to_state=S.SUSPENDED, actor=actor, reason=reason)
            _set_mode(locked.schema_name, write_modes.SUSPENDED, SUSPEND_WAIT_SECONDS)
        else:
            record_event(tenant=locked, actor=actor, reason=f"Also held: {reason}")
    tenant.refresh_from_db(fields=["state"])
    return hold


def lift_billing_hold(*, tenant: Tenant, reference: str, actor: str, reason: str) -> bool:
    """Lifts the tenant's billing hold for invoice `reference`; True if one was open.

    The tenant resumes (transition, write mode "open") only when no hold of any kind is left
    and no archive run holds its schema: a federal suspension is never lifted here.
    """
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        lifted = lift_holds(
            tenant=locked, kind=Hold.Kind.BILLING, reference=reference, actor=actor, reason=reason
        )
        if not lifted:
            return False
        audit_hold(tenant=locked, reference=reference, placed=False, reason=reason, actor=actor)
        if locked.state != S.SUSPENDED:
            return True
        if open_holds(locked) or unfinished_archive_run(locked) is not None:
            record_event(
                tenant=locked,
                actor=actor,
                reason=f"Billing hold {reference} lifted ({reason}); still suspended: "
                f"{suspension_reason(locked)}",
            )
        else:
            transition_tenant(
                tenant=locked,
                to_state=S.ACTIVE,
                actor=actor,
                reason=f"Billing hold {reference} lifted: {reason}",
            )
            _set_mode(locked.schema_name, write_modes.OPEN, SUSPEND_WAIT_SECONDS)
    tenant.refresh_from_db(fields=["state"])
    return True


# --- archive ----------------------------------------------------------------------------------


def start_archive(
    *, tenant: Tenant, actor: str, reason: str, in_background: bool = True
) -> ArchiveRun:
    """Queues the archive of an active or suspended tenant for a worker; returns the run.

    An active tenant is suspended first, in the same transaction (its writes wait for nothing
    else). Refused, doing nothing, without a reason, when the transition is not allowed, or
    while another run of the tenant is unfinished; an earlier run whose worker was lost is
    recorded as failed, and what it left behind is removed by the new run (see run_archive).
    `in_background`: a worker is sent the run once the transaction commits; otherwise the
    caller runs it (run_archive).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the tenant is archived; it is kept in its history.")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        check_transition(locked, S.ARCHIVED)
        _close_interrupted_run(locked, refusal="archived again")
        if locked.state == S.ACTIVE:
            # Should the archive fail, the tenant stays suspended, saying why, until resumed.
            locked = suspend_tenant(tenant=locked, actor=actor, reason=f"Being archived: {reason}")
        run = ArchiveRun.objects.create(tenant=locked, actor=actor, reason=reason)
        run_id = run.pk
        if in_background:
            transaction.on_commit(lambda: _queue_archive(run_id))
    tenant.refresh_from_db(fields=["state"])
    return run


def _queue_archive(run_id: int) -> None:
    from provisioning.tasks import run_archive_task

    run_archive_task.delay(run_id)


def archive_tenant(*, tenant: Tenant, actor: str, reason: str) -> TenantArchive:
    """Archives the tenant in this process (tests, commands): start_archive, then run_archive.

    Raises the run's error if it fails; the tenant is then left suspended, as by a worker.
    """
    run = start_archive(tenant=tenant, actor=actor, reason=reason, in_background=False)
    finished = run_archive(run_id=run.pk)
    tenant.refresh_from_db()
    if finished.archive is None:
        raise ValidationError(f"Archiving {tenant.name} failed: {finished.error}")
    return finished.archive


def work_folder(run: ArchiveRun) -> Path:
    """Where a run assembles its archive: known from the run alone, so a later run on the same
    machine finds and removes what a killed one left."""
    return Path(tempfile.gettempdir()) / f"eoffice-archive-{run.token}"


def run_archive(*, run_id: int) -> ArchiveRun:
    """Carries out a queued archive run; returns it, finished (succeeded or failed).

    Freezes the schema's writes (waiting for those in flight), exports it from one snapshot,
    stores and records the archive, then archives the tenant. Guarantees: nothing written after
    the snapshot can commit (the schema stays frozen once archived); a failure unfreezes the
    schema to "suspended", removes what the run stored without recording it, and records why;
    a run is carried out by one worker at a time, and only once (a redelivered message finds it
    started and leaves it). Must not be called inside a transaction.
    """
    with _run_lock(run_id) as held:
        run = ArchiveRun.objects.select_related("tenant").get(pk=run_id)
        if not held or run.status != ArchiveRun.Status.QUEUED:
            return run
        run.status, run.started_at = ArchiveRun.Status.RUNNING, timezone.now()
        run.cleanup = _clean_up_after_earlier_runs(run)
        run.save(update_fields=["status", "started_at", "cleanup"])
        try:
            _freeze(run)
            made_at = timezone.now()
            run.storage_key = archive_key(run.tenant.schema_name, made_at)
            run.save(update_fields=["storage_key"])
            archive = export_tenant(
                tenant=run.tenant,
                actor=run.actor,
                workdir=work_folder(run),
                made_at=made_at,
                progress=lambda phase, done, total: _report(run, phase, done, total),
            )
            with transaction.atomic():
                _report(run, ArchiveRun.Phase.CLOSING, run.files_done, run.files_total)
                _lift_every_hold(run.tenant, actor=run.actor, storage_key=archive.storage_key)
                transition_tenant(
                    tenant=run.tenant,
                    to_state=S.ARCHIVED,
                    actor=run.actor,
                    reason=f"{run.reason} (archive {archive.storage_key})",
                )
                run.status, run.archive = ArchiveRun.Status.SUCCEEDED, archive
                run.phase, run.finished_at = ArchiveRun.Phase.DONE, timezone.now()
                run.save(update_fields=["status", "archive", "phase", "finished_at"])
        except Exception as error:  # recorded on the run and shown on the console
            log.exception("archive run %s of %s failed", run.pk, run.tenant)
            _fail(run, error)
        return run


@contextmanager
def _run_lock(run_id: int) -> Iterator[bool]:
    # A session lock, not a transaction lock: the run commits its progress as it goes, and the
    # lock goes with the connection if the worker dies (that is how an interrupted run shows).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ARCHIVE_LOCK_SPACE, run_id])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ARCHIVE_LOCK_SPACE, run_id])


def _freeze(run: ArchiveRun) -> None:
    """Checks the tenant may still be archived and freezes its schema, in one transaction."""
    _report(run, ArchiveRun.Phase.FREEZING, 0, 0)
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=run.tenant_id)
        check_transition(locked, S.ARCHIVED)
        if locked.state != S.SUSPENDED:
            raise ValidationError(
                f"{locked.name} is {locked.get_state_display().lower()}, no longer suspended for "
                "its archive; nothing was archived."
            )
        _set_mode(locked.schema_name, write_modes.FROZEN, FREEZE_WAIT_SECONDS)
        run.tenant = locked


def _lift_every_hold(tenant: Tenant, *, actor: str, storage_key: str) -> None:
    """An archived tenant is no longer suspended: its holds (the archive's own federal one,
    any other federal one, billing ones) are lifted, and stay on record. Should it be restored
    while an invoice is still unpaid, dunning places that invoice's billing hold again."""
    for kind in Hold.Kind:
        lift_holds(tenant=tenant, kind=kind, actor=actor, reason=f"Archived ({storage_key})")


def _report(run: ArchiveRun, phase: str, done: int, total: int) -> None:
    run.phase, run.files_done, run.files_total = phase, done, total
    ArchiveRun.objects.filter(pk=run.pk).update(phase=phase, files_done=done, files_total=total)


def _fail(run: ArchiveRun, error: BaseException) -> None:
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=run.tenant_id)
        if locked.state == S.SUSPENDED and _mode_of(locked.schema_name) == write_modes.FROZEN:
            _set_mode(locked.schema_name, write_modes.SUSPENDED, FREEZE_WAIT_SECONDS)
        run.status, run.finished_at = ArchiveRun.Status.FAILED, timezone.now()
        run.error = str(error) or type(error).__name__
        run.save(update_fields=["status", "finished_at", "error"])
    key = run.storage_key
    if not key or TenantArchive.objects.filter(storage_key=key).exists():
        return
    try:
        if storage.exists(key):
            storage.delete_keys([key])
    except Exception:  # the storage may be what failed; the next run removes it then
        log.warning("archive run %s: could not remove %s", run.pk, key, exc_info=True)


def _close_interrupted_run(tenant: Tenant, *, refusal: str) -> None:
    """Refuses while a live run archives the tenant; records a lost one as failed."""
    run = unfinished_archive_run(tenant)
    if run is None:
        return
    if not archive_run_interrupted(run):
        raise ValidationError(
            f"{tenant.name} is being archived ({run.get_phase_display().lower()}); it cannot "
            f"be {refusal} until the archive has finished or failed.",
            code="archiving",
        )
    run.status, run.finished_at = ArchiveRun.Status.FAILED, timezone.now()
    run.error = "Interrupted: the worker running it was lost."
    run.save(update_fields=["status", "finished_at", "error"])


def _clean_up_after_earlier_runs(run: ArchiveRun) -> str:
    """Removes what earlier runs of the tenant left behind (a work folder on this machine, an
    archive stored but never recorded, a partial upload); says what it removed."""
    removed: list[str] = []
    earlier = ArchiveRun.objects.filter(tenant_id=run.tenant_id, archive__isnull=True).exclude(
        pk=run.pk
    )
    recorded = set(
        TenantArchive.objects.filter(tenant_id=run.tenant_id).values_list("storage_key", flat=True)
    )
    for other in earlier:
        folder = work_folder(other)
        if folder.exists():
            _remove_folder(folder)
            removed.append(f"the work folder {folder} of run {other.pk}")
        key = other.storage_key
        if key and key not in recorded and storage.exists(key):
            storage.delete_keys([key])
            removed.append(f"the unrecorded object {key} of run {other.pk}")
    partial = storage.partial_uploads(f"{ARCHIVE_PREFIX}{run.tenant.schema_name}/")
    if partial:
        storage.delete_keys(partial)
        removed.extend(f"the partial upload {key}" for key in partial)
    return "; ".join(removed)


def _remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _mode_of(schema_name: str) -> str | None:
    if not _has_write_mode(schema_name):
        return None
    with schema_context(schema_name):
        return write_mode()


def _set_mode(schema_name: str, mode: str, wait_seconds: float) -> None:
    """Sets the schema's write mode in the caller's transaction (a schema whose migrations
    predate write modes gets its mode from migrating)."""
    if not _has_write_mode(schema_name):
        return
    with schema_context(schema_name):
        set_write_mode(mode=mode, wait_seconds=wait_seconds)


def _has_write_mode(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(quote_ident(%s) || '.eoffice_writemode') IS NOT NULL",
            [schema_name],
        )
        return bool(cursor.fetchone()[0])


def align_write_modes() -> int:
    """Gives every suspended or archived tenant's schema the mode its state calls for, where it
    has none yet (after the migration that brought write modes in, every schema is "open");
    a frozen schema is never opened here. Returns how many schemas changed."""
    changed = 0
    wanted = {S.SUSPENDED: write_modes.SUSPENDED, S.ARCHIVED: write_modes.FROZEN}
    for tenant in Tenant.objects.filter(state__in=list(wanted)):
        if not schema_exists(tenant.schema_name):
            continue
        with transaction.atomic():
            if _mode_of(tenant.schema_name) == write_modes.OPEN:
                _set_mode(tenant.schema_name, wanted[tenant.state], SUSPEND_WAIT_SECONDS)
                changed += 1
    return changed


def delete_tenant(*, tenant: Tenant, actor: str, typed_name: str, reason: str) -> Tenant:
    """Drops an archived tenant's schema and its stored files; the tenant becomes deleted.

    Refused (ValidationError) unless the tenant is archived, `typed_name` is exactly its name,
    and the latest archive of its current schema, read back from storage, has the size and
    sha256 recorded when it was made. The schema is
    dropped and the transition recorded in one transaction; the files are deleted after it,
    so a failure there leaves files behind, never a tenant whose files are gone but not its
    schema. The Tenant row, its history and its archives stay.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the tenant is deleted; it is kept in its history.")
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        check_transition(locked, S.DELETED)
        if typed_name.strip() != locked.name:
            raise ValidationError(
                f"Type the tenant's name exactly as shown (“{locked.name}”) to delete it.",
                code="name_mismatch",
            )
        archive = latest_archive_of_schema(locked)
        if archive is None:
            raise ValidationError(
                f"{locked.name} has no archive of its schema “{locked.schema_name}”; archive it "
                "before deleting it.",
                code="no_archive",
            )
        # Read back in full: an archive that is missing, cut short or altered must stop the
        # deletion before anything is dropped.
        verify_stored_archive(archive, consequence=f"so {locked.name} was not deleted")
        _drop_schema(locked.schema_name)
        transition_tenant(
            tenant=tenant,
            to_state=S.DELETED,
            actor=actor,
            reason=f"{reason} (archive {archive.storage_key} kept)",
        )
    if locked.storage_prefix:
        # "tenants/x" must not match "tenants/x_r1/…", another tenant's files.
        prefix = locked.storage_prefix.rstrip("/") + "/"
        storage.delete_keys(list(storage.iter_keys(prefix)))
    return locked


def restore_tenant(
    *, tenant: Tenant, actor: str, reason: str = "", archive: TenantArchive | None = None
) -> Tenant:
    """Brings a deleted tenant back from one of its archives (the newest unless `archive`
    names another of its own) into a new schema; it is active and its schema open.

    The new schema is `t_<id>_r<N>` (free_schema_name); the tenant's schema name and storage prefix
    move to it, so its domains serve it again. Migrations the code gained since the archive was
    made are applied. Guarantees: one transaction (restore, migrations, write mode, transition),
    so a failure leaves the tenant deleted and no new schema; refused if the archive is not the
    tenant's, does not match its recorded checksum, or has migrations this code does not know.
    """
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        check_transition(locked, S.ACTIVE)
        if locked.state != S.DELETED:
            # Suspended → active is allowed too, but that is resuming, not restoring.
            raise ValidationError(
                f"Only a deleted tenant is restored from its archive; {locked.name} is "
                f"{locked.get_state_display().lower()}.",
                code="not_deleted",
            )
        if archive is None:
            archive = locked.archives.order_by("-created_at", "-id").first()
        elif archive.tenant_id != locked.pk:
            raise ValidationError(
                f"That archive is not one of {locked.name}'s; nothing was restored.",
                code="not_its_archive",
            )
        if archive is None:
            raise ValidationError(f"{locked.name} has no archive to restore.", code="no_archive")
        unknown = {tuple(pair) for pair in archive.migrations} - expected_tenant_migrations()
        if unknown:
            names = ", ".join(f"{app}.{name}" for app, name in sorted(unknown))
            raise ValidationError(
                f"The archive was made by newer code: it has migrations this code lacks ({names}).",
                code="archive_newer",
            )
        new_schema = free_schema_name(locked)
        restore_archive(archive=archive, schema_name=new_schema)
        locked.schema_name = new_schema
        locked.storage_prefix = storage.location_for(new_schema)
        locked.save(update_fields=["schema_name", "storage_prefix"])
        # The archive's snapshot was taken frozen; migrations that follow may need to write.
        _set_mode(new_schema, write_modes.OPEN, SUSPEND_WAIT_SECONDS)
        if pending_schemas([new_schema]):
            call_command(
                "migrate_schemas",
                schema_name=new_schema,
                tenant=True,
                interactive=False,
                verbosity=0,
            )
            use_public_schema()
            _set_mode(new_schema, write_modes.OPEN, SUSPEND_WAIT_SECONDS)
        restored = f"(restored {archive.storage_key} into {new_schema})"
        transition_tenant(
            tenant=locked,
            to_state=S.ACTIVE,
            actor=actor,
            reason=f"{reason.strip()} {restored}".lstrip(),
        )
    tenant.refresh_from_db(fields=["schema_name", "storage_prefix", "state"])
    return locked


def latest_archive_of_schema(tenant: Tenant) -> TenantArchive | None:
    """The newest archive of the schema the tenant has now (not of an earlier, restored one)."""
    return (
        TenantArchive.objects.filter(tenant=tenant, schema_name=tenant.schema_name)
        .order_by("-created_at", "-id")
        .first()
    )


def free_schema_name(tenant: Tenant) -> str:
    """`t_<id>_r<N>` (tenants.naming) for the first N ≥ 1 that neither a tenant nor PostgreSQL
    holds: made from the tenant's id only, never from its address or an earlier schema name."""
    number = 1
    while True:
        candidate = schema_name_for(tenant.pk, restore=number)
        if not Tenant.objects.filter(schema_name=candidate).exists() and not schema_exists(
            candidate
        ):
            return candidate
        number += 1


def _drop_schema(schema_name: str) -> None:
    if schema_name in {get_public_schema_name(), TEMPLATE_SCHEMA}:
        raise ValueError(f"Refusing to drop the {schema_name} schema.")
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
            .format(sql.Identifier(schema_name))
            .as_string(connection.connection)
        )
