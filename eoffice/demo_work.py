"""A demo e-office's org chart and a morning's work, so `make run` shows trays that are in use."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from eoffice.models import Category, Office, Priority
from eoffice.selectors.access import desk_of
from eoffice.services import files, movement, notes, receipts
from eoffice.services.audit import Origin
from eoffice.services.org_chart import seed_org_chart

ORIGIN = Origin(None, "demo loader")
OFFICES = [
    {"code": "SEC", "name": "Secretariat", "parent_code": ""},
    {"code": "ADMIN", "name": "Admin Section", "parent_code": "SEC"},
    {"code": "BUDGET", "name": "Budget Section", "parent_code": "SEC"},
    {"code": "REG", "name": "Central Registry", "parent_code": "SEC"},
]
POSTS = [
    {"abbreviation": "SECY", "designation": "Secretary", "office_code": "SEC", "reports_to": ""},
    {
        "abbreviation": "DS(Admin)",
        "designation": "Deputy Secretary (Admin)",
        "office_code": "ADMIN",
        "reports_to": "SECY",
    },
    {
        "abbreviation": "SO(Admin)",
        "designation": "Section Officer (Admin)",
        "office_code": "ADMIN",
        "reports_to": "DS(Admin)",
    },
    {
        "abbreviation": "SO(Budget)",
        "designation": "Section Officer (Budget)",
        "office_code": "BUDGET",
        "reports_to": "DS(Admin)",
    },
    {
        "abbreviation": "CR",
        "designation": "Diary Clerk",
        "office_code": "REG",
        "reports_to": "SO(Admin)",
    },
]
# The demo's officers, in the order demo_data lists them, hold these posts.
POSTINGS = ["SO(Admin)", "DS(Admin)", "CR"]
LETTERS = [
    ("Audit para 14 of 2025-26: reply to the Accountant General", "Accountant General", 3, -2),
    ("Transfer and posting of senior clerks", "Services and General Administration", 1, 5),
    ("Budget estimates 2027-28: call for proposals", "Finance Department", 2, 3),
    ("Complaint regarding delay in a pension case", "Mr. Abdul Rauf", 0, None),
]


@transaction.atomic
def load_demo_office(*, officers: list[tuple[str, str]]) -> bool:
    """Seeds the chart and some moving work unless the tenant already has offices."""
    if Office.objects.exists():
        return False
    postings = [
        {"email": email, "full_name": name, "post": post}
        for (email, name), post in zip(officers, POSTINGS, strict=False)
    ]
    seed_org_chart(offices=OFFICES, posts=POSTS, officers=postings, channels=[])
    by_post = {row["post"]: User.objects.get(email=row["email"]) for row in postings}
    if not {"SO(Admin)", "DS(Admin)"} <= set(by_post):
        return True
    so, ds = desk_of(by_post["SO(Admin)"]), desk_of(by_post["DS(Admin)"])
    registry = desk_of(by_post["CR"]) if "CR" in by_post else so
    general = Category.objects.get(code="GEN")
    today = timezone.localdate()
    for subject, sender, priority, due in LETTERS:
        receipt = receipts.register_receipt(
            desk=registry,
            details=receipts.ReceiptDetails(
                mode="physical",
                subject=subject,
                sender_name=sender,
                letter_date=today - timedelta(days=9),
                received_date=today - timedelta(days=6 if due is not None and due < 0 else 1),
                category_id=general.pk,
                priority=priority,
                due_date=None if due is None else today + timedelta(days=due),
            ),
            origin=ORIGIN,
        )
        if registry is not so:
            movement.forward(
                desk=registry,
                item_id=receipt.pk,
                to_post_id=so.posts[0].pk,
                remarks="For necessary action",
                origin=ORIGIN,
            )
    file = files.open_file(
        desk=so,
        details=files.FileDetails(
            subject="Purchase of computers for the Secretariat",
            category_id=general.pk,
            priority=Priority.PRIORITY,
        ),
        origin=ORIGIN,
    )
    notes.save_draft(
        desk=so,
        file_id=file.pk,
        body="Quotations from three suppliers are placed in the correspondence. "
        "The lowest is within the budget. Submitted for approval.",
        origin=ORIGIN,
    )
    movement.forward(
        desk=so, item_id=file.pk, to_post_id=ds.posts[0].pk, remarks="For approval", origin=ORIGIN
    )
    return True
