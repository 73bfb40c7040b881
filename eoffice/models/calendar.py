"""The tenant's working calendar: its weekend and its public holidays (pendency counts working
days in it)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

# Saturday and Sunday (ISO weekdays): the Pakistan federal government's five-day week.
DEFAULT_WEEKEND = [6, 7]


def default_weekend() -> list[int]:
    return list(DEFAULT_WEEKEND)


class Holiday(models.Model):
    """A public holiday. Withdrawn (never deleted) when it is not kept after all."""

    day = models.DateField(unique=True)
    name = models.CharField(max_length=200)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.name}"


class CalendarSettings(models.Model):
    """The one row of the tenant's calendar settings (pk 1)."""

    weekend = ArrayField(
        models.PositiveSmallIntegerField(),
        default=default_weekend,
        help_text=_("ISO weekdays off: 1 is Monday, 7 is Sunday."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="calendar_settings_singleton")
        ]
        verbose_name_plural = "calendar settings"

    def __str__(self) -> str:
        return f"weekend {self.weekend}"
