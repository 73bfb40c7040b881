"""A small secretariat org chart inside a test tenant, and helpers to act in it.

SECY (Secretary)
└── DS(Admin) (Deputy Secretary)
    ├── SO(Admin) (Section Officer)      ── AO(Admin) (Assistant) reports to SO(Admin)
    └── SO(Budget)
CR (Central Registry) reports to DS(Admin)
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from typing import Any

from django.utils import timezone

from accounts.invitations import Site
from accounts.models import User
from accounts.services import create_account
from eoffice.models import (
    Category,
    Delegation,
    File,
    Item,
    Movement,
    Office,
    Post,
    Posting,
    Receipt,
)
from eoffice.selectors.access import Desk, desk_of
from eoffice.services import files, movement, receipts
from eoffice.services.audit import Origin
from eoffice.services.files import FileDetails
from eoffice.services.receipts import ReceiptDetails, Upload

ORIGIN = Origin("203.0.113.7", "pytest")
# Punjab's e-office as an administrator's request names it, for the invitations it sends.
PUNJAB_SITE = Site(name="Test Punjab", base_url="http://punjab.localhost")
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


def tenant_admin() -> User:
    """The e-office's administrator in the current schema (the test tenants have one)."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("pk")[:1].get()


def by_admin() -> dict[str, Any]:
    """The keyword arguments of an org chart or settings change made by the administrator."""
    return {"actor": tenant_admin(), "origin": ORIGIN}


def receipt_details(chart: Chart, **overrides: Any) -> ReceiptDetails:
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
    return ReceiptDetails(**values)


def file_details(chart: Chart, **overrides: Any) -> FileDetails:
    values: dict[str, object] = {
        "subject": "School repairs 2026-27",
        "category_id": chart.category.pk,
    }
    values.update(overrides)
    return FileDetails(**values)


def days_from_now(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def pdf_bytes(pages: int = 1) -> bytes:
    """A real PDF with blank pages (pypdf writes it as any scanner's PDF would be read)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def docx_bytes() -> bytes:
    """A zip laid out as a Word document (the sniffer reads the zip signature and the name)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# Acting in the chart: each helper is one service call, by the officer with that short name.


def register(chart: Chart, who: str = "so", **overrides: Any) -> Receipt:
    """A physical receipt registered at the officer's first post."""
    return receipts.register_receipt(
        desk=chart.desk(who), details=receipt_details(chart, **overrides), origin=ORIGIN
    )


def register_scan(chart: Chart, who: str = "so", pages: int = 1, **overrides: Any) -> Receipt:
    """An electronic receipt with a scanned PDF of `pages` pages."""
    return receipts.register_receipt(
        desk=chart.desk(who),
        details=receipt_details(chart, mode="electronic", **overrides),
        upload=Upload(BytesIO(pdf_bytes(pages)), "scan.pdf"),
        origin=ORIGIN,
    )


def open_file(
    chart: Chart, who: str = "so", *, post_id: int | None = None, **overrides: Any
) -> File:
    return files.open_file(
        desk=chart.desk(who),
        details=file_details(chart, **overrides),
        origin=ORIGIN,
        post_id=post_id,
    )


def send(chart: Chart, who: str, item: Item, to: str, **options: Any) -> Movement:
    """Forwards `item` from the officer to the post with abbreviation `to`."""
    return movement.forward(
        desk=chart.desk(who),
        item_id=item.pk,
        to_post_id=chart.post(to).pk,
        origin=ORIGIN,
        **options,
    )


def open_as(chart: Chart, who: str, item: Item) -> None:
    """The officer opens the item, as its page does (marks it read, audits graded items)."""
    movement.open_item(desk=chart.desk(who), item=Item.objects.get(pk=item.pk), origin=ORIGIN)


def fresh(item: Item) -> Item:
    return Item.objects.select_related("holder_post", "last_movement").get(pk=item.pk)


def give_post(chart: Chart, who: str, abbreviation: str, *, additional: bool = True) -> Posting:
    """Posts the officer to a second post (an additional charge by default)."""
    return Posting.objects.create(
        officer=chart.officers[who],
        post=chart.post(abbreviation),
        from_date=timezone.localdate() - timedelta(days=1),
        is_additional_charge=additional,
    )


def delegate(chart: Chart, who: str, abbreviation: str) -> Delegation:
    """The officer acts for the post as a delegate from yesterday to next week."""
    return Delegation.objects.create(
        post=chart.post(abbreviation),
        delegate=chart.officers[who],
        from_date=timezone.localdate() - timedelta(days=1),
        to_date=timezone.localdate() + timedelta(days=7),
        created_by=chart.officers["secy"],
    )
