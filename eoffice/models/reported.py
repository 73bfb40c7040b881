"""The platform's published figures for this tenant, written into its schema as data."""

from django.db import models


class ReportedMonth(models.Model):
    """One month of the federal report as the platform published it for this tenant: its
    figures, its adoption level and the rule that level was judged by. Written by the control
    plane's task (eoffice.services.reported), also while the e-office is suspended."""

    month = models.DateField(unique=True)  # the 1st of the month
    figures = models.JSONField(default=dict)
    level = models.SmallIntegerField(null=True, blank=True)
    level_rule = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: level {self.level}"
