import uuid

from django.db import models


class SchemaBlueprint(models.Model):
    """The script that creates a tenant schema, for one set of tenant migrations.

    Made from the template schema's dump (see provisioning.blueprint); the schema's name is left
    open in it. Never edited: a new set of migrations gets a new blueprint.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    sql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"blueprint {self.fingerprint[:12]} ({self.created_at:%Y-%m-%d %H:%M})"


class ProvisioningStep(models.Model):
    """One step of a tenant's provisioning pipeline and where it stands (see pipeline.STEPS)."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="provisioning_steps"
    )
    name = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text="What the step did.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["tenant", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="one_step_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.name} ({self.state})"


class ProvisioningAttempt(models.Model):
    """Append-only record of each time a step ran: when, how it ended, and why it failed."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted (worker lost)"

    step = models.ForeignKey(ProvisioningStep, on_delete=models.PROTECT, related_name="runs")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RUNNING)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["step", "number"]
        constraints = [
            models.UniqueConstraint(fields=["step", "number"], name="one_attempt_number_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.step.name} attempt {self.number}: {self.outcome}"


class OpeningInvitation(models.Model):
    """An invitation sent when a tenant's e-office opened (its first administrator and every
    officer of the survey), so a re-run of the step sends nobody a second one. Append-only."""

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="opening_invitations"
    )
    email = models.EmailField()
    as_admin = models.BooleanField(default=False)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="one_opening_invitation")
        ]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.email} invited {self.sent_at:%Y-%m-%d %H:%M}"


class TenantArchive(models.Model):
    """A full export of a tenant (its schema's tables and its files) kept in object storage."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="archives")
    schema_name = models.CharField(max_length=63, help_text="The schema that was exported.")
    storage_key = models.CharField(max_length=500, unique=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    tables = models.PositiveIntegerField()
    rows = models.PositiveBigIntegerField()
    files = models.PositiveIntegerField()
    migrations = models.JSONField(help_text="The tenant migrations the schema had applied.")
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"archive of {self.tenant} ({self.created_at:%Y-%m-%d %H:%M})"


class ArchiveRun(models.Model):
    """One attempt at archiving a tenant, run by a worker, with where it stands.

    A run is carried out only while its worker holds the run's advisory lock, so a run recorded
    as running whose lock is free was interrupted (its worker died); see provisioning.selectors.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Archived"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        FREEZING = "freezing", "Waiting for changes in flight, then freezing every write"
        SCHEMA = "schema", "Exporting the schema's tables, indexes and triggers"
        ROWS = "rows", "Copying every table's rows from one snapshot"
        FILES = "files", "Copying the stored files"
        PACKING = "packing", "Packing and checksumming the archive"
        UPLOADING = "uploading", "Storing the archive"
        CLOSING = "closing", "Closing the e-office"
        DONE = "done", "Done"

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="archive_runs"
    )
    # Names the run's work folder: unique across databases sharing a machine, unlike the id.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.QUEUED)
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    actor = models.CharField(max_length=254)
    reason = models.TextField()
    # Where this run stores its archive, recorded before the upload so a retry can remove an
    # object that a killed worker stored without recording it.
    storage_key = models.CharField(max_length=500, blank=True)
    archive = models.OneToOneField(
        TenantArchive, on_delete=models.PROTECT, null=True, blank=True, related_name="run"
    )
    error = models.TextField(blank=True)
    cleanup = models.TextField(blank=True, help_text="What was left by earlier runs and removed.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two runs of one tenant never overlap: the second would archive a frozen copy twice
            # or unfreeze the first's schema when it fails.
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_unfinished_archive_run_per_tenant",
            )
        ]

    def __str__(self) -> str:
        return f"archive run {self.pk} of {self.tenant}: {self.status}"


class TenantBackup(models.Model):
    """One nightly (or on-demand) logical backup of a tenant: its schema and files, stored under
    backups/ in object storage (provisioning.backups). Never deleted: retention expires the
    stored object and keeps the row, with the event that says why."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Stored"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired by retention"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="backups")
    schema_name = models.CharField(max_length=63, help_text="The schema that was backed up.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING)
    storage_key = models.CharField(max_length=500, unique=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # Per table: {"name", "rows", "md5"}; and the files: {"path", "size", "sha256"}.
    tables = models.JSONField(default=list)
    files = models.JSONField(default=list)
    migrations = models.JSONField(default=list)
    actor = models.CharField(max_length=254)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a restore of this backup was verified table by table (see BackupRestore).
    verified_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["tenant", "state", "-started_at"])]

    def __str__(self) -> str:
        return f"backup of {self.tenant} ({self.started_at:%Y-%m-%d %H:%M}): {self.state}"


class BackupRestore(models.Model):
    """One restore of a backup into a fresh schema, and what its verification found.

    A verified restore leaves the schema `schema_name` (unless it was a drill, which drops it);
    a failed one leaves nothing, and `mismatches` names each table or file that differed."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    backup = models.ForeignKey(TenantBackup, on_delete=models.PROTECT, related_name="restores")
    schema_name = models.CharField(max_length=63)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RUNNING)
    drill = models.BooleanField(
        default=False, help_text="Restored only to prove the backup; the schema was dropped."
    )
    tables_checked = models.PositiveIntegerField(default=0)
    files_checked = models.PositiveIntegerField(default=0)
    # [{"table" or "file": name, "expected": …, "found": …}]
    mismatches = models.JSONField(default=list)
    error = models.TextField(blank=True)
    actor = models.CharField(max_length=254)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"restore of backup {self.backup_id} into {self.schema_name}: {self.state}"
