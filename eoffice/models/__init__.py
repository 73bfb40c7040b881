"""The e-office of one tenant: org chart, receipts, files, notes, movement and audit trail."""

from eoffice.models.audit import AuditEntry
from eoffice.models.calendar import CalendarSettings, Holiday
from eoffice.models.movement import Movement, PostAccess
from eoffice.models.notices import Notice, NoticeRead
from eoffice.models.numbering import DiaryCounter, FileCounter, FileNumbering
from eoffice.models.org_changes import OrgChange
from eoffice.models.org_chart import Delegation, Office, Post, Posting, SubmissionChannel
from eoffice.models.records import (
    RESTRICTED_GRADINGS,
    Category,
    CorrespondenceEntry,
    Document,
    File,
    Grading,
    Item,
    Note,
    Priority,
    Receipt,
)
from eoffice.models.reported import ReportedMonth
from eoffice.models.write_mode import WriteMode

__all__ = [
    "RESTRICTED_GRADINGS",
    "AuditEntry",
    "CalendarSettings",
    "Category",
    "CorrespondenceEntry",
    "Delegation",
    "DiaryCounter",
    "Document",
    "File",
    "FileCounter",
    "FileNumbering",
    "Grading",
    "Holiday",
    "Item",
    "Movement",
    "Note",
    "Notice",
    "NoticeRead",
    "Office",
    "OrgChange",
    "Post",
    "PostAccess",
    "Posting",
    "Priority",
    "Receipt",
    "ReportedMonth",
    "SubmissionChannel",
    "WriteMode",
]
