"""What each figure the platform reports for this e-office means (the Implementation figures
page shows them beside the numbers the platform published)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (key in ReportedMonth.figures, label, definition), in the report's order.
REPORTED_FIGURES: tuple[tuple[str, Promise, Promise], ...] = (
    (
        "receipts_electronic",
        _("Receipts received electronically"),
        _("Receipts registered in the month whose letter arrived as a document."),
    ),
    (
        "receipts_physical",
        _("Receipts received on paper"),
        _("Receipts registered in the month from a letter on paper."),
    ),
    (
        "files_opened_electronic",
        _("Electronic files opened"),
        _("Files opened in the month that hold no paper receipt by its end."),
    ),
    (
        "files_opened_physical",
        _("Files opened with paper"),
        _("Files opened in the month that hold at least one paper receipt by its end."),
    ),
    (
        "files_closed",
        _("Files closed"),
        _("Closings of files in the month (a file closed twice counts twice)."),
    ),
    (
        "closing_days_sum",
        _("Days files were open"),
        _("Over the files closed in the month, the whole days from opening to closing, summed."),
    ),
    (
        "files_active",
        _("Files moved"),
        _("Files sent from one post to another at least once in the month."),
    ),
    (
        "file_posts_sum",
        _("Posts the moved files passed"),
        _("Over the files moved in the month, the distinct posts each has been at, summed."),
    ),
    (
        "pending_over_7",
        _("Pending over 7 working days"),
        _(
            "Receipts and files in a post's tray or parked that arrived more than 7 working "
            "days ago (weekends and holidays of this e-office's calendar do not count)."
        ),
    ),
    (
        "pending_over_30",
        _("Pending over 30 working days"),
        _("As above, more than 30 working days ago."),
    ),
)
