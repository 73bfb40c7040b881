"""The base of append-only rows (billing's ledger and the report's history): written once,
never changed or deleted.

The database enforces it too (billing 0004's trigger `billing_refuse_change`, reports 0002's
`reports_refuse_change`); the model refuses
early so the mistake shows where it was made.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only and are never deleted.")
