"""The federal implementation report's tables (control plane, schema `public`)."""

from reports.models.events import ReportEvent
from reports.models.figures import MonthlyFigures
from reports.models.rules import AdoptionRule
from reports.models.workshops import Workshop, WorkshopAttendee

__all__ = ["AdoptionRule", "MonthlyFigures", "ReportEvent", "Workshop", "WorkshopAttendee"]
