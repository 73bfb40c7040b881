"""The rule that turns a month's figures into an adoption level, kept as dated versions."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from billing.models.append_only import AppendOnly

PERCENT = [MaxValueValidator(100)]


class AdoptionRule(AppendOnly):
    """One version of the level thresholds; the version in force at an instant is the latest
    with `effective_at` on or before it (the latest recorded on a tie). Append-only: a change
    is a new version (reports.services.rules.change_rule), audited as a ReportEvent.

    Levels are cumulative; shares are percentages of whole numbers, compared exactly:
      1. live and at least `level1_trained_share` % of officer accounts trained;
      2. and at least `level2_active_share` % of officer accounts signed in during the month;
      3. and at least `level3_electronic_share` % of receipts and files electronic;
      4. and at least `level4_letters_electronic_share` % of letters electronic, pendency
         measured and no item pending more than `level4_max_pending_days` working days.
    """

    class PendingDays(models.IntegerChoices):
        # The pendency snapshot counts items past these two cutoffs only.
        SEVEN = 7, "7 working days"
        THIRTY = 30, "30 working days"

    effective_at = models.DateTimeField()
    level1_trained_share = models.PositiveSmallIntegerField(default=10, validators=PERCENT)
    level2_active_share = models.PositiveSmallIntegerField(default=50, validators=PERCENT)
    level3_electronic_share = models.PositiveSmallIntegerField(default=90, validators=PERCENT)
    level4_letters_electronic_share = models.PositiveSmallIntegerField(
        default=100, validators=PERCENT
    )
    level4_max_pending_days = models.PositiveSmallIntegerField(
        default=PendingDays.THIRTY, choices=PendingDays.choices
    )
    changed_by = models.CharField(max_length=254, help_text="E-mail of who changed it.")
    reason = models.TextField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level1_trained_share__lte=100)
                & models.Q(level2_active_share__lte=100)
                & models.Q(level3_electronic_share__lte=100)
                & models.Q(level4_letters_electronic_share__lte=100),
                name="adoption_rule_shares_are_percentages",
            ),
            models.CheckConstraint(
                condition=models.Q(level4_max_pending_days__in=[7, 30]),
                name="adoption_rule_pending_days_measured",
            ),
        ]

    def __str__(self) -> str:
        return f"Adoption rule from {self.effective_at:%Y-%m-%d %H:%M}"
