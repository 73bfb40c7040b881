"""A small secretariat org chart inside a test tenant, and helpers to act in it.

SECY (Secretary)
└── DS(Admin) (Deputy Secretary)
    ├── SO(Admin) (Section Officer)      ── AO(Admin) (Assistant) reports to SO(Admin)
    └── SO(Budget)
CR (Central Registry) reports to DS(Admin)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import User
from accounts.services import create_account
from eoffice.models import Category, Office, Post, Posting
from eoffice.selectors.access import Desk, desk_of
from eoffice.services.audit import Origin
from eoffice.services.files import FileDetails
from eoffice.services.receipts import ReceiptDetails

ORIGIN = Origin("203.0.113.7", "pytest")
PASSWORD = "Correct-Horse-2026"

POSTS = [
    # abbreviation, designation, office, reports to
    ("SECY", "Secretary", "SEC", None),
    ("DS(Admin)", "Deputy Secretary (Admin)", "ADMIN", "SECY"),
    ("SO(Admin)", "Section Officer (Admin)", "ADMIN", "DS(Admin)"),
    ("SO(Budget)", "Section Officer (Budget)", "BUDGET", "DS(Admin)"),
    ("AO(Admin)", "Assistant (Admin)", "ADMIN", "SO(Admin)"),
    ("CR", "Central Registry", "SEC", "DS(Admin)"),
]
OFFICERS = {
    "SECY": "secy",
    "DS(Admin)": "ds",
    "SO(Admin)": "so",
    "SO(Budget)": "sob",
    "AO(Admin)": "ao",
    "CR": "cr",
}


@dataclass
class Chart:
    posts: dict[str, Post]
    officers: dict[str, User]  # by short name: secy, ds, so, sob, ao, cr
    category: Category

    def desk(self, who: str) -> Desk:
        return desk_of(self.officers[who])

    def post(self, abbreviation: str) -> Post:
        return self.posts[abbreviation]


def build_chart(domain: str = "punjab.example", *, passwords: bool = False) -> Chart:
    """Creates the chart in the current schema (call inside schema_context)."""
    sec = Office.objects.create(code="SEC", name="Secretariat")
    Office.objects.create(code="ADMIN", name="Admin Section", parent=sec)
    Office.objects.create(code="BUDGET", name="Budget Section", parent=sec)
    offices = {office.code: office for office in Office.objects.all()}
    posts: dict[str, Post] = {}
    for abbreviation, designation, office, reports_to in POSTS:
        posts[abbreviation] = Post.objects.create(
            abbreviation=abbreviation,
            designation=designation,
            office=offices[office],
            reports_to=posts[reports_to] if reports_to else None,
        )
    officers: dict[str, User] = {}
    start = timezone.localdate() - timedelta(days=30)
    for abbreviation, short in OFFICERS.items():
        officer = create_account(
            email=f"{short}@{domain}",
            full_name=f"{short.upper()} Officer",
            password=PASSWORD if passwords else None,
        )
        Posting.objects.create(officer=officer, post=posts[abbreviation], from_date=start)
        officers[short] = officer
    return Chart(posts=posts, officers=officers, category=Category.objects.get(code="GEN"))


def receipt_details(chart: Chart, **overrides: object) -> ReceiptDetails:
    today = timezone.localdate()
    values: dict[str, object] = {
        "mode": "physical",
        "subject": "Request for additional budget for school repairs",
        "sender_name": "District Education Officer, Lahore",
        "letter_date": today - timedelta(days=3),
        "received_date": today,
        "category_id": chart.category.pk,
    }
    values.update(overrides)
    return ReceiptDetails(**values)  # type: ignore[arg-type]


def file_details(chart: Chart, **overrides: object) -> FileDetails:
    values: dict[str, object] = {
        "subject": "School repairs 2026-27",
        "category_id": chart.category.pk,
    }
    values.update(overrides)
    return FileDetails(**values)  # type: ignore[arg-type]


def days_from_now(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF with blank pages (pypdf writes it as any scanner's PDF would be read)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
