"""What every figure of the federal report means, and the level rule in words.

FIGURES is the report's order: the report page, its exports and the tenants' own
"Implementation figures" page show each figure with this label and definition.
"""

from __future__ import annotations

from reports.models import AdoptionRule

FIGURES: list[tuple[str, str, str]] = [
    (
        "days_recorded",
        "Days recorded",
        "Days of the month whose usage was collected from the tenant's e-office.",
    ),
    (
        "days_missing",
        "Days missing",
        "Finished days of the month on which the tenant was billable and no usage was "
        "collected; a missing day is shown as missing, never counted as zero.",
    ),
    ("officers", "Officer accounts", "Active officer accounts at the last recorded day's end."),
    (
        "officers_active",
        "Officers active",
        "Distinct officers who signed in from the 1st of the month to the last recorded day.",
    ),
    (
        "officers_trained",
        "Officers trained",
        "Officers trained at workshops held up to the month's end and not withdrawn: named "
        "attendees counted once by name and post, plus the attendees counted at workshops "
        "that did not name them.",
    ),
    (
        "receipts_electronic",
        "Receipts, electronic",
        "Receipts registered during the month whose mode is electronic.",
    ),
    (
        "receipts_physical",
        "Receipts, physical",
        "Receipts registered during the month from paper (scanned or recorded by hand).",
    ),
    ("files_opened", "Files opened", "Files created during the month."),
    (
        "files_opened_electronic",
        "Files opened, electronic",
        "Files opened during the month whose every correspondence (documents and receipts) "
        "was electronic at the last recorded day; a file with no correspondence counts as "
        "electronic, its notes being on screen.",
    ),
    (
        "files_opened_physical",
        "Files opened, physical",
        "Files opened during the month with at least one physical receipt among their "
        "correspondence at the last recorded day.",
    ),
    (
        "files_closed",
        "Files closed",
        "Closings of files during the month (a file closed, reopened and closed again counts "
        "twice).",
    ),
    (
        "closing_days_sum",
        "Days to closing, total",
        "The sum over the month's closings of the whole days from the file's opening to its "
        "closing; divided by files closed it gives the average days to close a file.",
    ),
    (
        "files_active",
        "Files moved",
        "Files sent from one post to another during the month.",
    ),
    (
        "file_posts_sum",
        "Posts per moved file, total",
        "The sum over the files moved in the month of the distinct posts each has been at "
        "(the post that opened it and every post it was sent from or to); divided by files "
        "moved it gives the average posts a file passes through.",
    ),
    (
        "pendency_measured",
        "Pendency measured",
        "Whether the items pending in trays were counted for the month (they are counted on "
        "the night after each day; a month whose last such count is missing shows no "
        "pendency).",
    ),
    (
        "pending_over_7",
        "Pending over 7 working days",
        "Receipts and files in a tray's inbox or parked at a post that arrived there more than "
        "7 working days ago (weekends and the tenant's holidays not counted), at the last "
        "count of the month.",
    ),
    (
        "pending_over_30",
        "Pending over 30 working days",
        "As above, for items that arrived more than 30 working days ago.",
    ),
    (
        "letters_electronic",
        "Letters, electronic",
        "Letters sent during the month to other offices through the e-office.",
    ),
    ("letters_post", "Letters, by post", "Letters sent during the month on paper."),
    (
        "storage_bytes",
        "Storage used",
        "Bytes the tenant's documents held in object storage at the last recorded day's end.",
    ),
]

# Derived shares shown beside the figures (reports.selectors.report.shares_of).
SHARES: list[tuple[str, str, str]] = [
    ("trained_share", "Trained", "Officers trained as a share of officer accounts."),
    ("active_share", "Active", "Officers active as a share of officer accounts."),
    (
        "electronic_share",
        "Electronic",
        "Electronic receipts and files opened as a share of all receipts and files opened.",
    ),
    (
        "letters_electronic_share",
        "Letters electronic",
        "Electronic letters as a share of all letters sent.",
    ),
    ("average_closing_days", "Days to close", "Days to closing, total ÷ files closed."),
    ("average_posts_per_file", "Posts per file", "Posts per moved file, total ÷ files moved."),
]

LABELS: dict[str, str] = {key: label for key, label, _ in FIGURES + SHARES}


def level_rules(rule: AdoptionRule) -> list[tuple[int, str]]:
    """The rule's levels in words, level 0 first."""
    pending = rule.level4_max_pending_days
    return [
        (
            0,
            "Not live (neither active nor suspended), no figures for the month, or level 1 "
            "not met.",
        ),
        (
            1,
            f"Live, and at least {rule.level1_trained_share}% of officer accounts trained.",
        ),
        (
            2,
            f"Level 1, and at least {rule.level2_active_share}% of officer accounts signed in "
            "during the month.",
        ),
        (
            3,
            f"Level 2, and at least {rule.level3_electronic_share}% of the month's receipts "
            "and files opened electronic.",
        ),
        (
            4,
            f"Level 3, and at least {rule.level4_letters_electronic_share}% of the month's "
            f"letters electronic, with pendency measured and no item pending more than "
            f"{pending} working days.",
        ),
    ]


def level_rule_text(rule: AdoptionRule) -> str:
    """The whole rule as one text (stored with each tenant's reported month)."""
    return "\n".join(f"Level {level}: {text}" for level, text in level_rules(rule))
