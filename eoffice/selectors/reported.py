"""The platform's published figures for this e-office, as they were written into its schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from eoffice.figure_definitions import REPORTED_FIGURES
from eoffice.models import ReportedMonth

MONTHS = 12


@dataclass(frozen=True)
class ReportedFigure:
    key: str
    label: Promise
    definition: Promise
    value: Any


@dataclass(frozen=True)
class Reported:
    month: ReportedMonth
    figures: list[ReportedFigure]


def reported_months(limit: int = MONTHS) -> list[Reported]:
    """The latest `limit` months the platform reported, newest first (one query), each figure
    with its definition (a figure the platform did not send shows as None)."""
    rows = ReportedMonth.objects.order_by("-month")[:limit]
    return [
        Reported(
            month=row,
            figures=[
                ReportedFigure(key, label, definition, row.figures.get(key))
                for key, label, definition in REPORTED_FIGURES
            ],
        )
        for row in rows
    ]
