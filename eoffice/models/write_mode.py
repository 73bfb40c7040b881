"""The one row that says which writes this schema accepts (see eoffice.write_modes)."""

from django.db import models

from eoffice import write_modes


class WriteMode(models.Model):
    """Open, suspended or frozen: set by the control plane with each lifecycle transition, read
    by the trigger every table of the schema has. Exactly one row (id 1)."""

    class Mode(models.TextChoices):
        OPEN = write_modes.OPEN, "Open"
        SUSPENDED = write_modes.SUSPENDED, "Suspended (sign-in and reading only)"
        FROZEN = write_modes.FROZEN, "Frozen (no writes)"

    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.OPEN)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="one_write_mode_row"),
            # Spelt out rather than `mode__in`: pg_dump writes an IN over varchar back in
            # another form, and blueprint schemas must be identical to migrated ones.
            models.CheckConstraint(
                condition=models.Q(mode=write_modes.OPEN)
                | models.Q(mode=write_modes.SUSPENDED)
                | models.Q(mode=write_modes.FROZEN),
                name="known_write_mode",
            ),
        ]

    def __str__(self) -> str:
        return self.mode
