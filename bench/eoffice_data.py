"""A realistic e-office in one tenant schema, loaded with COPY, for bench/eoffice.py.

One province department: a Secretariat, four wings and ten sections (15 offices) with 200 posts
in a reporting tree, an officer posted to each, 100,000 receipts and 50,000 files over three
years, 250,000 movements and 250,000 sent notes, the posts that may see each item, receipts put
in files at running page numbers, and the audit trail of it all. The rows are generated in
Python from one seed (the same data on every run, dated relative to today) and written with
PostgreSQL's COPY in one transaction: the ORM, row by row, would take the better part of an
hour for the same rows.

What is measured lives here too, named in `Loaded`: Deputy Secretary (Admin)'s post holds a
heavy inbox (3,402 items with it, 250 files parked, 700 items closed), Central Registry (R&I)
registered most receipts (a 70,000-row register), and two files with that post (50 and 5 sent
notes, each with correspondence, movements and history) compare the file page's query counts.

Internal consistency, which the services would keep: diary numbers run 1..n per year as
DiaryCounter says, file numbers follow the tenant's pattern with FileCounter's serials, an
item's holder, tray, arrival and last movement agree with its movements (each hop starts where
the previous one ended; a "return" goes back to the post it came from), every post an item was
created by, sent from or to has its PostAccess row, a file's sent notes are numbered 1..n by
officers of posts that held it while they held it (notes_count = n), correspondence pages run
without gaps (pages_used), electronic receipts have their document, restricted receipts are
never filed and every foreign key is checked when the transaction commits.
"""

from __future__ import annotations

import bisect
import contextlib
import random
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SEED = 2026
PASSWORD = "Bench-Officer-2026"
YEARS = 3  # of history

# The posts measured, by abbreviation.
INBOX_POST = "DS(Admin)"
REGISTRY_POST = "R&I"
# Who the heavy inbox holds (besides what reaches it on its own, which the walk prevents).
HEAVY_INBOX = 3_400  # with the two measured files: 3,402, so its last page is not full
HEAVY_PARKED = 250
HEAVY_CLOSED = 700
BIG_FILE_NOTES = 50
SMALL_FILE_NOTES = 5
SEARCH_WORD = "pension"  # in a few percent of subjects, as officers search for it


@dataclass(frozen=True)
class Scale:
    receipts: int = 100_000
    files: int = 50_000
    movements: int = 250_000
    notes: int = 250_000


@dataclass
class Loaded:
    """What the benchmark needs to know about the data it measures."""

    schema: str
    inbox_officer: str  # e-mail; holds INBOX_POST
    registry_officer: str  # e-mail; holds REGISTRY_POST
    inbox_post_id: int
    registry_post_id: int
    big_file_id: int  # BIG_FILE_NOTES sent notes, with INBOX_POST
    small_file_id: int  # SMALL_FILE_NOTES sent notes, with INBOX_POST
    search_word: str
    current_year: int
    counts: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


# --- The org chart -------------------------------------------------------------------------------

WINGS = [
    ("ADMW", "Administration Wing", "Admin"),
    ("FINW", "Finance Wing", "Finance"),
    ("DEVW", "Development Wing", "Dev"),
    ("COW", "Coordination Wing", "Coord"),
]
# code, name, wing, short label, share of incoming receipts marked to it
SECTIONS = [
    ("ADMIN", "Admin Section", "ADMW", "Admin", 16),
    ("ESTB", "Establishment Section", "ADMW", "Estb", 14),
    ("LIT", "Litigation Section", "ADMW", "Lit", 8),
    ("BUDGET", "Budget Section", "FINW", "Budget", 12),
    ("ACCTS", "Accounts Section", "FINW", "Accts", 10),
    ("PLAN", "Planning Section", "DEVW", "Plan", 8),
    ("DEVP", "Development Projects Section", "DEVW", "DevP", 9),
    ("PROC", "Procurement Section", "DEVW", "Proc", 8),
    ("COORD", "Coordination Section", "COW", "Coord", 8),
    ("CMP", "Complaints Cell", "COW", "Cmp", 7),
]

# Word lists split from strings: one name a line would fill two pages with lists.
FIRST_NAMES = (  # noqa: SIM905
    "Muhammad Ahmed Ali Hassan Usman Bilal Imran Kamran Tariq Zubair Asad Faisal Nadeem Shahid "
    "Adeel Waqas Junaid Salman Rizwan Farhan Ayesha Fatima Sana Saima Nadia Rabia Hina Amna "
    "Sadia Maryam Zainab Uzma Shazia Farah Nida Samina Asma Bushra Irfan Khalid"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Khan Ahmad Qureshi Butt Chaudhry Malik Sheikh Siddiqui Awan Raza Shah Bhatti Mirza Abbasi "
    "Hashmi Javed Iqbal Aslam Rana Cheema Gondal Warraich Niazi Baloch Afridi Durrani Kazmi"
).split()
DISTRICTS = (  # noqa: SIM905
    "Lahore Faisalabad Multan Rawalpindi Gujranwala Sialkot Sargodha Bahawalpur Sahiwal Kasur "
    "Okara Jhang Sheikhupura Rahim-Yar-Khan Dera-Ghazi-Khan Mianwali Attock Chakwal Khanewal"
).split()
THINGS = (  # noqa: SIM905
    "computers, printers and scanners|vehicles for field staff|office furniture|photocopiers|"
    "stationery for the financial year|generators for the Secretariat|solar panels|"
    "air conditioners|software licences|CCTV cameras"
).split("|")
DESIGNATIONS = (  # noqa: SIM905
    "Assistant|Senior Clerk|Junior Clerk|Superintendent|Section Officer|Stenographer|"
    "Data Entry Operator|Driver|Record Keeper|Accounts Officer|Planning Officer"
).split("|")
SENDERS = [
    *(f"Deputy Commissioner, {d}" for d in DISTRICTS),
    *(f"District Education Officer, {d}" for d in DISTRICTS[:8]),
    "Accountant General Punjab",
    "Finance Department",
    "Services and General Administration Department",
    "Planning and Development Board",
    "Law and Parliamentary Affairs Department",
    "Chief Minister's Office",
    "Chief Secretary's Office",
    "Provincial Ombudsman",
    "Punjab Public Service Commission",
    "Audit Department",
    "Anti-Corruption Establishment",
    "Lahore High Court",
    "Federal Ministry of Interior",
    "Federal Board of Revenue",
]
REMARKS = [
    "",
    "",
    "For necessary action, please.",
    "Please examine and put up.",
    "Discussed. May be processed as proposed.",
    "Seen. Please proceed.",
    "For perusal and orders, please.",
    "Kindly examine in the light of the rules and put up.",
    "Urgent. Reply to be sent today.",
    "Approved as proposed at para above.",
    "Please put up a draft reply.",
    "May be placed on file.",
    "Please discuss.",
]
NOTE_SENTENCES = [
    "Kindly refer to the letter placed at flag 'A' in the correspondence portion.",
    "The matter has been examined in the light of the relevant rules and instructions.",
    "The Finance Department has concurred in the proposal subject to availability of funds.",
    "A draft reply is placed below for approval, please.",
    "The record has been checked and the facts stated above are correct.",
    "The case may be submitted to the competent authority for orders.",
    "Previous correspondence on the subject is placed on the file for ready reference.",
    "The proposal is in line with the policy notified by the Government.",
    "The District Office has been asked to furnish its comments within seven days.",
    "It is proposed that a meeting may be convened to resolve the issue.",
    "The officer concerned has been heard in person and his reply is on the file.",
    "Approval is solicited for the issuance of the notification placed below.",
    "Budget provision exists under the relevant head of account for the current year.",
    "The Law Department may be consulted before a final decision is taken.",
    "Orders passed at the previous note have been complied with.",
    "The tender was advertised in two newspapers and on the authority's website.",
    "Three bids were received and the comparative statement is placed below.",
    "The audit para has been settled in the Departmental Accounts Committee meeting.",
    "The pension papers are complete in all respects and may be forwarded.",
    "The court has fixed the next date of hearing; para-wise comments are required.",
]


@dataclass
class _Post:
    id: int
    abbreviation: str
    designation: str
    office_id: int
    reports_to: int | None
    section: str = ""  # section code, "" above section level
    role: str = ""  # "ds", "so", "supdt", "diary", "staff", "registry" or "" (senior)
    subordinates: list[int] = field(default_factory=list)


def _org_chart() -> tuple[list[tuple[int, str, str, int | None]], list[_Post]]:
    """15 offices and 200 posts in a reporting tree: Secretary, Additional Secretaries over
    wings, Deputy Secretaries over sections, Section Officers, a Superintendent, a diary clerk
    and clerical staff in each section."""
    offices: list[tuple[int, str, str, int | None]] = [(1, "SECY", "Secretariat", None)]
    office_id = {"SECY": 1}
    for code, name, _ in WINGS:
        office_id[code] = len(offices) + 1
        offices.append((office_id[code], code, name, 1))
    for code, name, wing, _, _ in SECTIONS:
        office_id[code] = len(offices) + 1
        offices.append((office_id[code], code, name, office_id[wing]))

    posts: list[_Post] = []
    by_abbreviation: dict[str, _Post] = {}

    def add(
        abbreviation: str,
        designation: str,
        office: str,
        reports_to: str | None,
        section: str = "",
        role: str = "",
    ) -> None:
        parent = by_abbreviation[reports_to].id if reports_to else None
        post = _Post(
            len(posts) + 1, abbreviation, designation, office_id[office], parent, section, role
        )
        posts.append(post)
        by_abbreviation[abbreviation] = post

    add("SECY", "Secretary", "SECY", None)
    add("PS(Secy)", "Private Secretary to Secretary", "SECY", "SECY")
    add(REGISTRY_POST, "Receipt and Issue Clerk (Central Registry)", "SECY", "PS(Secy)")
    add("Steno(Secy)", "Stenographer to Secretary", "SECY", "PS(Secy)", role="staff")
    add("RK(Secy)", "Record Keeper (Secretariat)", "SECY", "PS(Secy)", role="staff")
    by_abbreviation[REGISTRY_POST].role = "registry"
    for code, _, label in WINGS:
        add(f"AS({label})", f"Additional Secretary ({label})", code, "SECY")
        add(f"PA(AS {label})", f"Personal Assistant to AS ({label})", code, f"AS({label})")
        by_abbreviation[f"PA(AS {label})"].role = "staff"
    per_section = 200 - len(posts)  # 187: seven sections of 19 posts and three of 18
    for number, (code, _, wing, label, _) in enumerate(SECTIONS):
        size = per_section // len(SECTIONS) + (1 if number < per_section % len(SECTIONS) else 0)
        wing_label = next(w[2] for w in WINGS if w[0] == wing)
        ds, so1, so2 = f"DS({label})", f"SO({label}-I)", f"SO({label}-II)"
        add(ds, f"Deputy Secretary ({label})", code, f"AS({wing_label})", section=code, role="ds")
        add(so1, f"Section Officer ({label}-I)", code, ds, section=code, role="so")
        add(so2, f"Section Officer ({label}-II)", code, ds, section=code, role="so")
        supdt = f"Supdt({label})"
        add(supdt, f"Superintendent ({label})", code, so1, section=code, role="supdt")
        add(f"Diary({label})", f"Diary Clerk ({label})", code, supdt, section=code, role="diary")
        for k in range(1, size - 5 + 1):
            if k <= 6:
                abbreviation, designation, boss = (
                    f"Asst({label})-{k}",
                    "Assistant",
                    (so1, so2)[k % 2],
                )
            elif k <= 10:
                abbreviation, designation, boss = f"SC({label})-{k - 6}", "Senior Clerk", supdt
            else:
                abbreviation, designation, boss = f"JC({label})-{k - 10}", "Junior Clerk", supdt
            add(abbreviation, f"{designation} ({label})", code, boss, section=code, role="staff")
    for post in posts:
        if post.reports_to:
            posts[post.reports_to - 1].subordinates.append(post.id)
    return offices, posts


# --- Generation ----------------------------------------------------------------------------------

FORWARD, RETURN = "forward", "return"
INBOX, PARKED, CLOSED, FILED = "inbox", "parked", "closed", "filed"
GRADINGS = (("normal", 900), ("confidential", 70), ("secret", 27), ("top_secret", 3))
PRIORITIES = ((0, 75), (1, 15), (2, 7), (3, 3))
# How many hops an item makes, and how often (scaled to the exact total afterwards).
RECEIPT_HOPS = ((0, 10), (1, 45), (2, 25), (3, 12), (4, 5), (5, 2), (6, 1))
FILE_HOPS = ((0, 10), (1, 30), (2, 25), (3, 15), (4, 10), (5, 6), (6, 4))


@dataclass(slots=True, eq=False)
class _Movement:
    """One hand-over, as generated; its row is written once every id is known."""

    item: _Item
    frm: int
    to: int
    kind: str
    sent: datetime
    id: int = 0
    by: int = 0
    remarks: str = ""
    due: date | None = None
    read_at: datetime | None = None
    read_by: int | None = None


@dataclass(slots=True, eq=False)
class _Item:
    """A receipt or file as generated: where it started, its walk, where it lies now."""

    kind: str
    created_at: datetime
    id: int = 0
    created_post: int = 0
    office: int = 0  # a file's office, which numbers it
    category: int = 0
    grading: str = "normal"
    priority: int = 0
    subject: str = ""
    reference: str = ""
    diary: tuple[int, int] = (0, 0)  # (year, diary number) of a receipt, (year, serial) of a file
    due: date | None = None
    heavy: str = ""  # "", or the tray it must end in at INBOX_POST
    measured: bool = False  # one of the two files whose page is measured
    n_hops: int = 0
    hops: list[_Movement] = field(default_factory=list)
    tray: str = INBOX
    closed_at: datetime | None = None  # when it was closed, parked or put in a file
    filed_in: _Item | None = None
    notes: int = 0

    @property
    def holder(self) -> int:
        return self.hops[-1].to if self.hops else self.created_post

    @property
    def arrived(self) -> datetime:
        return self.hops[-1].sent if self.hops else self.created_at


def _weighted(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


class _Generator:
    """Builds every row in memory; `rows` then holds them per table, in COPY column order."""

    def __init__(
        self, scale: Scale, schema: str, now: datetime, tz: ZoneInfo, categories: list[int]
    ) -> None:
        self.scale, self.schema, self.now, self.tz = scale, schema, now, tz
        self.today = now.astimezone(tz).date()
        self.rng = random.Random(SEED)
        self.categories = categories
        self.offices, self.posts = _org_chart()
        self.post_by = {p.abbreviation: p for p in self.posts}
        self.officer: dict[int, int] = {}  # post id -> user id
        self.user_name: dict[int, str] = {}
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.inbox_post = self.post_by[INBOX_POST].id
        self.registry_post = self.post_by[REGISTRY_POST].id
        self.near_inbox = self.post_by["SO(Admin-I)"].id  # where walks that must not end there go
        self.near_inbox2 = self.post_by["Supdt(Admin)"].id
        self.sections = {
            code: [p for p in self.posts if p.section == code] for code, *_ in SECTIONS
        }
        self.section_weights = [(code, w) for code, _, _, _, w in SECTIONS]

    # -- people --------------------------------------------------------------------------------

    def people(self, signed_in: dict[str, tuple[int, str]], first_user_id: int) -> None:
        """An officer posted to every post (the signed-in ones already exist), a few officers
        transferred out, some additional charges and delegations."""
        rng = self.rng
        hashed = "!" + "x" * 40  # Django's form of an unusable password
        next_id = first_user_id
        for post in self.posts:
            if post.abbreviation in signed_in:
                user_id, name = signed_in[post.abbreviation]
            else:
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
                user_id, next_id = next_id, next_id + 1
                email = f"officer{user_id}@{self.schema.replace('_', '-')}.gov.example"
                joined = self.now - timedelta(days=rng.randint(400, 3000))
                self.rows["accounts_user"].append(
                    (user_id, hashed, None, False, email, name, False, True, joined, "en")
                )
                self.rows["account_emailaddress"].append((email, True, True, user_id))
            self.officer[post.id] = user_id
            self.user_name[user_id] = name
            start = self.today - timedelta(days=rng.randint(YEARS * 365 + 30, YEARS * 365 + 900))
            self.rows["eoffice_posting"].append((start, None, False, user_id, post.id))
        # Officers posted here before the present ones, and transferred out.
        for post in rng.sample(self.posts, 40):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            user_id, next_id = next_id, next_id + 1
            email = f"officer{user_id}@{self.schema.replace('_', '-')}.gov.example"
            joined = self.now - timedelta(days=rng.randint(3000, 6000))
            self.rows["accounts_user"].append(
                (user_id, hashed, None, False, email, name, False, True, joined, "en")
            )
            self.rows["account_emailaddress"].append((email, True, True, user_id))
            end = self.today - timedelta(days=rng.randint(YEARS * 365 + 31, YEARS * 365 + 400))
            self.rows["eoffice_posting"].append(
                (end - timedelta(days=rng.randint(700, 1500)), end, False, user_id, post.id)
            )
        # Additional charges of posts in the same section (not of the measured posts).
        staff = [p for p in self.posts if p.role == "staff" and p.section]
        for post in rng.sample(staff, 6):
            other = rng.choice([p for p in self.sections[post.section] if p.role == "staff"])
            if other.id != post.id:
                self.rows["eoffice_posting"].append(
                    (
                        self.today - timedelta(days=rng.randint(10, 90)),
                        None,
                        True,
                        self.officer[other.id],
                        post.id,
                    )
                )
        # Officers on leave, their posts delegated to their Deputy Secretary for a few weeks (not
        # to the measured one: its desk is its own post, whose inbox has a known size).
        on_leave = [p for p in self.posts if p.role == "so" and p.reports_to != self.inbox_post]
        for post in rng.sample(on_leave, 3):
            delegate = self.officer[post.reports_to or post.id]  # their Deputy Secretary
            starts = self.today - timedelta(days=rng.randint(1, 10))
            ends = starts + timedelta(days=21)
            made = self.now - timedelta(days=12)
            self.rows["eoffice_delegation"].append(
                (starts, ends, "Earned leave", made, None, delegate, delegate, post.id)
            )

    # -- items ---------------------------------------------------------------------------------

    def items(self) -> list[_Item]:
        """Receipts and files in the order they were made (ids follow time), with their walks."""
        rng, scale = self.rng, self.scale
        start = self.now - timedelta(days=YEARS * 365 - 20)
        span = (self.now - timedelta(hours=2) - start).total_seconds()
        kinds = ["receipt"] * scale.receipts + ["file"] * scale.files
        rng.shuffle(kinds)
        moments = sorted(rng.random() for _ in kinds)
        items = [
            _Item(kind, start + timedelta(seconds=span * moment))
            for kind, moment in zip(kinds, moments, strict=True)
        ]
        for number, item in enumerate(items, start=1):
            item.id = number
            item.category = rng.choice(self.categories)
            item.grading = _weighted(rng, GRADINGS)
            item.priority = _weighted(rng, PRIORITIES)
            if item.kind == "receipt":
                self._receipt_origin(item)
            else:
                self._file_origin(item)
        self._pick_measured(items)
        self._hop_counts(items)
        for item in items:
            self._walk(item)
        return items

    def _receipt_origin(self, item: _Item) -> None:
        rng = self.rng
        if rng.random() < 0.7:
            item.created_post = self.registry_post
        else:
            section = _weighted(rng, self.section_weights)
            item.created_post = next(p.id for p in self.sections[section] if p.role == "diary")
        item.subject = self._subject()
        if rng.random() < 0.35:
            received = item.created_at.astimezone(self.tz).date()
            item.due = received + timedelta(days=rng.randint(5, 30))

    def _file_origin(self, item: _Item) -> None:
        rng = self.rng
        section = _weighted(rng, self.section_weights)
        role = _weighted(rng, (("so", 25), ("supdt", 15), ("staff", 60)))
        post = rng.choice([p for p in self.sections[section] if p.role == role])
        item.created_post = post.id
        item.office = post.office_id
        item.subject = self._subject(file=True)

    def _subject(self, file: bool = False) -> str:
        rng = self.rng
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        district = rng.choice(DISTRICTS).replace("-", " ")
        year = self.today.year - rng.randint(0, 3)
        fy = f"{year - 1}-{str(year)[2:]}"
        designation = rng.choice(DESIGNATIONS)
        templates = [
            f"Grant of earned leave to Mr. {name}, {designation}, {district}",
            f"Pension case of Mr. {name}, retired {designation}",
            f"Budget estimates for the financial year {fy} of District Office {district}",
            f"Complaint of {name} regarding delay in payment of dues, {district}",
            f"Writ Petition No. {rng.randint(100, 9999)}/{year} titled {name} versus Government",
            f"Procurement of {rng.choice(THINGS)} for the financial year {fy}",
            f"Release of funds for the scheme 'Rehabilitation of roads in {district}'",
            f"Transfer and posting of {designation}s in District {district}",
            f"Audit para No. {rng.randint(1, 80)} of the audit report {fy}",
            f"Meeting on the monthly review of development schemes, {district}",
            f"Re-appropriation of funds within the grant for {fy}",
            f"Promotion of {designation}s to the next grade: seniority list",
            f"Request of Mr. {name} for family pension and gratuity",
            f"Inquiry against Mr. {name}, {designation}, under the PEEDA Act",
            f"Upgradation of the posts of {designation} in the Department",
        ]
        subject = rng.choice(templates)
        return f"File: {subject}" if file and rng.random() < 0.1 else subject

    def _pick_measured(self, items: list[_Item]) -> None:
        """The heavy inbox's items, and the two files whose page is measured."""
        rng = self.rng
        recent = [i for i in items if (self.now - i.created_at).days < 400]
        chosen = rng.sample(recent, HEAVY_INBOX + HEAVY_PARKED + HEAVY_CLOSED + 400)
        files = [i for i in chosen if i.kind == "file"]
        parked = set(map(id, files[:HEAVY_PARKED]))
        rest = [i for i in chosen if id(i) not in parked]
        for item in files[:HEAVY_PARKED]:
            item.heavy = PARKED
        for item in rest[:HEAVY_INBOX]:
            item.heavy = INBOX
        for item in rest[HEAVY_INBOX : HEAVY_INBOX + HEAVY_CLOSED]:
            item.heavy = CLOSED
        # The measured files: opened in the Admin section, now with its Deputy Secretary.
        admin_files = [
            i
            for i in items
            if i.kind == "file" and not i.heavy and 150 < (self.now - i.created_at).days < 300
        ]
        big, small = rng.sample(admin_files, 2)
        for item, hops, notes, opener in (
            (big, 14, BIG_FILE_NOTES, "SO(Admin-I)"),
            (small, 4, SMALL_FILE_NOTES, "SO(Admin-II)"),
        ):
            item.created_post = self.post_by[opener].id
            item.office = self.post_by[opener].office_id
            item.grading, item.priority, item.heavy = "normal", 1, INBOX
            item.n_hops, item.notes = hops, notes
            item.measured = True
            item.subject = self._subject(file=True)
        self.big, self.small = big, small

    def _hop_counts(self, items: list[_Item]) -> None:
        """Hops per item, adjusted at random until they add up to exactly scale.movements."""
        rng = self.rng
        free = [i for i in items if not i.measured]
        for item in free:
            item.n_hops = _weighted(rng, RECEIPT_HOPS if item.kind == "receipt" else FILE_HOPS)
            if item.heavy and item.n_hops == 0:
                item.n_hops = 1
        difference = self.scale.movements - sum(i.n_hops for i in items)
        while difference:
            item = rng.choice(free)
            if difference > 0 and item.n_hops < 8:
                item.n_hops += 1
                difference -= 1
            elif difference < 0 and item.n_hops > (1 if item.heavy else 0):
                item.n_hops -= 1
                difference += 1

    def _first_hop(self, item: _Item) -> int:
        """A receipt's first hop: from the registry to a section's DS or SO, or from a section's
        diary to its SO or DS."""
        rng = self.rng
        origin = self.posts[item.created_post - 1]
        section = origin.section or _weighted(rng, self.section_weights)
        roles = (("ds", 55), ("so", 45)) if origin.role == "registry" else (("ds", 30), ("so", 70))
        role = _weighted(rng, roles)
        return rng.choice([p.id for p in self.sections[section] if p.role == role])

    def _next_hop(self, position: int, came_from: int | None) -> int:
        post = self.posts[position - 1]
        choices: list[tuple[str, int]] = []
        if came_from is not None:
            choices.append(("return", 25))
        if post.reports_to:
            choices.append(("up", 35))
        if post.subordinates:
            choices.append(("down", 40))
        way = _weighted(self.rng, choices)
        if way == "return":
            return came_from  # type: ignore[return-value]
        if way == "up":
            return post.reports_to  # type: ignore[return-value]
        return self.rng.choice(post.subordinates)

    def _walk(self, item: _Item) -> None:
        """The item's movements: a walk along the reporting tree (a receipt's first hop is its
        marking), times after its creation, then the tray it ends in."""
        rng, n = self.rng, item.n_hops
        position, came_from = item.created_post, None
        targets: list[tuple[int, int, str]] = []
        for hop in range(n):
            last = hop == n - 1
            if hop == 0 and item.kind == "receipt":
                target = self._first_hop(item)
            else:
                target = self._next_hop(position, came_from)
            if item.heavy:
                if last:
                    target = self.inbox_post
                elif hop == n - 2 and target == self.inbox_post:
                    target = self.near_inbox if position != self.near_inbox else self.near_inbox2
            elif last and target == self.inbox_post:
                # Only the chosen items end with the measured post: its inbox has a known size.
                target = self.near_inbox if position != self.near_inbox else self.near_inbox2
            targets.append((position, target, RETURN if target == came_from else FORWARD))
            came_from, position = position, target
        # Times: gaps of ten minutes and more (1.5 days on average), squeezed to fit before now.
        limit = self.now - timedelta(minutes=5)
        gaps = [600 + rng.expovariate(1 / 129_600) for _ in range(n)]
        room = (limit - item.created_at).total_seconds() * 0.9
        if gaps and sum(gaps) > room:
            factor = room / sum(gaps)
            gaps = [g * factor for g in gaps]
        if item.measured:  # the measured files arrived at the measured post lately
            gaps[-1] = max(60.0, (limit - item.created_at).total_seconds() - sum(gaps[:-1]) - 7200)
        at = item.created_at
        for (frm, to, kind), gap in zip(targets, gaps, strict=True):
            at += timedelta(seconds=gap)
            movement = _Movement(item, frm, to, kind, at)
            movement.by = self.officer[frm]
            movement.remarks = rng.choice(REMARKS)
            item.hops.append(movement)
        for previous, following in zip(item.hops, item.hops[1:], strict=False):
            room = (following.sent - previous.sent).total_seconds()
            previous.read_at = previous.sent + timedelta(seconds=room * rng.uniform(0.05, 0.9))
            previous.read_by = self.officer[previous.to]
        self._tray(item)

    def _tray(self, item: _Item) -> None:
        rng = self.rng
        age = (self.now - item.arrived).days
        if item.heavy:
            item.tray = item.heavy
        elif rng.random() < (0.55 if age < 30 else 0.25 if age < 180 else 0.06):
            item.tray = INBOX
        elif item.kind == "receipt":
            item.tray = FILED if rng.random() < 0.55 else CLOSED  # FILED: if a file takes it
        else:
            item.tray = PARKED if rng.random() < 0.25 else CLOSED
        if item.kind == "file" and item.due is None and rng.random() < 0.15:
            item.due = item.arrived.astimezone(self.tz).date() + timedelta(days=rng.randint(3, 21))
        if item.tray != INBOX:
            room = max(60.0, min(3 * 86400.0, (self.now - item.arrived).total_seconds() - 60))
            item.closed_at = item.arrived + timedelta(seconds=rng.uniform(30, room))
        last = item.hops[-1] if item.hops else None
        if last is not None:
            last.due = item.due
            if item.tray != INBOX or (rng.random() < 0.75 and not item.measured):
                end = item.closed_at or self.now
                seconds = (end - last.sent).total_seconds()
                last.read_at = last.sent + timedelta(seconds=seconds * rng.uniform(0.05, 0.5))
                last.read_by = self.officer[last.to]

    # -- numbering, filing, notes --------------------------------------------------------------

    def numbers(self, items: list[_Item]) -> None:
        """Diary numbers 1..n per year in registration order; file numbers by the tenant's
        pattern "{office}/{serial}/{year}", serials 1..n per office and year."""
        diary: dict[int, int] = defaultdict(int)
        serials: dict[tuple[str, int], int] = defaultdict(int)
        codes = {office_id: code for office_id, code, _, _ in self.offices}
        for item in items:
            year = item.created_at.astimezone(self.tz).year
            if item.kind == "receipt":
                diary[year] += 1
                item.diary = (year, diary[year])
                item.reference = f"{diary[year]}/{year}"
            else:
                code = codes[item.office]
                serials[code, year] += 1
                item.diary = (year, serials[code, year])
                item.reference = f"{code}/{serials[code, year]}/{year}"
        self.rows["eoffice_diarycounter"] = [(y, n) for y, n in sorted(diary.items())]
        self.rows["eoffice_filecounter"] = [
            (f"{code}/#/{year}", n) for (code, year), n in sorted(serials.items())
        ]

    def filing(self, items: list[_Item]) -> None:
        """Receipts marked FILED go into an open file of their holder's office made before
        they arrived (else they are closed); the measured files get theirs here too."""
        rng = self.rng
        open_files: dict[int, list[_Item]] = defaultdict(list)
        for item in items:
            if item.kind == "file" and item.tray != CLOSED and not item.measured:
                open_files[item.office].append(item)
        starts = {office: [f.created_at for f in fs] for office, fs in open_files.items()}
        for item in items:
            if item.kind != "receipt" or item.tray != FILED:
                continue
            office = self.posts[item.holder - 1].office_id
            candidates = open_files.get(office, [])
            before = bisect.bisect_left(starts.get(office, []), item.arrived)
            if item.grading in ("secret", "top_secret") or before == 0:
                item.tray = CLOSED
                continue
            item.filed_in = candidates[rng.randint(max(0, before - 300), before - 1)]
        # The measured files hold receipts that reached the Admin section (6 and 2 of them).
        admin = self.post_by["SO(Admin-I)"].office_id
        spare = [
            i
            for i in items
            if i.kind == "receipt"
            and i.tray in (FILED, CLOSED)
            and not i.heavy
            and i.grading == "normal"
            and self.posts[i.holder - 1].office_id == admin
            and i.arrived < self.small.created_at
        ]
        for file, how_many in ((self.big, 6), (self.small, 2)):
            for receipt in rng.sample(spare, how_many):
                spare.remove(receipt)
                receipt.tray, receipt.filed_in = FILED, file
                if receipt.closed_at is None or receipt.closed_at <= file.created_at:
                    receipt.closed_at = file.created_at + timedelta(hours=rng.uniform(1, 48))

    def note_counts(self, items: list[_Item]) -> None:
        """Sent notes per file, more on files that travelled more, adding up to scale.notes."""
        rng = self.rng
        files = [i for i in items if i.kind == "file" and not i.measured]
        target = self.scale.notes - BIG_FILE_NOTES - SMALL_FILE_NOTES
        weights = [1 + 2 * len(f.hops) + rng.random() * 3 for f in files]
        factor = target / sum(weights)
        for file, weight in zip(files, weights, strict=True):
            file.notes = int(weight * factor)
        difference = target - sum(f.notes for f in files)
        while difference:
            file = rng.choice(files)
            if difference > 0:
                file.notes, difference = file.notes + 1, difference - 1
            elif file.notes > 0:
                file.notes, difference = file.notes - 1, difference + 1


# --- Rows ----------------------------------------------------------------------------------------


def _rows(gen: _Generator, items: list[_Item]) -> None:
    """Every table's rows, ids in time order as the sequences would have given them."""
    rng, rows, officer, tz, posts = gen.rng, gen.rows, gen.officer, gen.tz, gen.posts
    rows["eoffice_office"] = list(gen.offices)
    rows["eoffice_post"] = [
        (p.id, p.abbreviation, p.designation, p.office_id, p.reports_to) for p in posts
    ]
    channels = [
        (gen.post_by[f"SO({s[3]}-I)"].id, gen.post_by[f"AS({w[2]})"].id)
        for s in SECTIONS
        for w in WINGS
        if w[0] != s[2]
    ][:10]
    rows["eoffice_submissionchannel"] = channels

    movements = sorted((m for item in items for m in item.hops), key=lambda m: m.sent)
    for number, movement in enumerate(movements, start=1):
        movement.id = number
    audit: list[tuple[Any, ...]] = []  # (at, action, detail, item, officer, post)
    access: dict[tuple[int, int], datetime] = {}
    documents: list[tuple[Any, ...]] = []
    # file id -> (added at, receipt or None, pages, title, post, document id or None)
    entries: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    notes: list[tuple[Any, ...]] = []

    def post_name(post_id: int) -> str:
        return posts[post_id - 1].abbreviation

    for item in items:
        creator = officer[item.created_post]
        last = item.hops[-1] if item.hops else None
        closed_reason = ""
        if item.tray == CLOSED:
            closed_reason = rng.choice(
                [
                    "Filed for record.",
                    "Replied; no further action.",
                    "Disposed of as per orders.",
                    "Matter settled.",
                ]
            )
        rows["eoffice_item"].append(
            (
                item.id,
                item.kind,
                item.reference,
                item.subject,
                item.grading,
                item.priority,
                item.due,
                item.created_at,
                item.tray,
                item.arrived,
                closed_reason,
                item.category,
                creator,
                item.created_post,
                item.holder,
                last.id if last else None,
            )
        )
        access.setdefault((item.created_post, item.id), item.created_at)
        if item.kind == "receipt":
            received = item.created_at.astimezone(tz).date()
            pages = rng.randint(1, 12)
            electronic = rng.random() < 0.6
            document = None
            if electronic:
                document = len(documents) + 1
                documents.append(
                    (
                        document,
                        f"{gen.schema}/documents/{received:%Y/%m}/{rng.getrandbits(64):016x}.pdf",
                        f"letter-{item.diary[1]}-{item.diary[0]}.pdf",
                        "application/pdf",
                        rng.randint(40_000, 3_000_000),
                        f"{rng.getrandbits(256):064x}",
                        pages,
                        item.created_at,
                        creator,
                    )
                )
            sender = rng.choice(SENDERS)
            rows["eoffice_receipt"].append(
                (
                    item.id,
                    item.diary[0],
                    item.diary[1],
                    "electronic" if electronic else "physical",
                    sender,
                    f"{sender.split(', ')[-1]}, Punjab",
                    f"No. SO({rng.randint(1, 20)})/{item.diary[0]}-{rng.randint(1, 500)}",
                    received - timedelta(days=rng.randint(0, 20)),
                    received,
                    pages,
                    document,
                    item.filed_in.id if item.filed_in else None,
                )
            )
            audit.append(
                (
                    item.created_at,
                    "create",
                    f"Diary {item.reference} ({'Electronic' if electronic else 'Physical'})",
                    item.id,
                    creator,
                    item.created_post,
                )
            )
            if item.filed_in is not None:
                at = item.closed_at or item.arrived
                title = f"Receipt {item.reference}: {item.subject}"[:300]
                entries[item.filed_in.id].append((at, item, pages, title, item.holder, None))
        else:
            audit.append(
                (
                    item.created_at,
                    "create",
                    f"File {item.reference} opened",
                    item.id,
                    creator,
                    item.created_post,
                )
            )
        for movement in item.hops:
            access.setdefault((movement.to, item.id), movement.sent)
            verb = "Returned" if movement.kind == RETURN else "Forwarded"
            detail = f"{verb} {post_name(movement.frm)} → {post_name(movement.to)}"
            if movement.remarks:
                detail += f": {movement.remarks}"
            audit.append((movement.sent, "move", detail, item.id, movement.by, movement.frm))
        if item.tray in (CLOSED, PARKED):
            audit.append(
                (
                    item.closed_at,
                    "close" if item.tray == CLOSED else "park",
                    closed_reason,
                    item.id,
                    officer[item.holder],
                    item.holder,
                )
            )

    # The measured files also carry attached documents, beside their receipts.
    for file, count in ((gen.big, 2), (gen.small, 0)):
        for k in range(count):
            at = file.created_at + timedelta(days=10 + 20 * k)
            document = len(documents) + 1
            key = f"{gen.schema}/documents/attached-{file.id}-{k}.pdf"
            uploader = officer[file.created_post]
            documents.append(
                (
                    document,
                    key,
                    f"annexure-{k + 1}.pdf",
                    "application/pdf",
                    250_000,
                    "0" * 64,
                    3,
                    at,
                    uploader,
                )
            )
            entries[file.id].append((at, None, 3, f"Annexure {k + 1}", file.created_post, document))
    rows["eoffice_document"] = documents

    # Correspondence: running pages per file in the order things were added.
    correspondence: list[tuple[Any, ...]] = []
    pages_used: dict[int, int] = defaultdict(int)
    references = {item.id: item.reference for item in items if item.kind == "file"}
    for file_id, added in entries.items():
        for at, receipt, pages, title, post, document in sorted(added, key=lambda e: e[0]):
            first = pages_used[file_id] + 1
            pages_used[file_id] += pages
            span = f"pages {first}-{pages_used[file_id]}"
            correspondence.append(
                (
                    at,
                    file_id,
                    receipt.id if receipt else None,
                    document,
                    title,
                    first,
                    pages_used[file_id],
                    officer[post],
                    post,
                )
            )
            if receipt is not None:
                detail = f"Put in file {references[file_id]}, {span}"
                audit.append((at, "put_in_file", detail, receipt.id, officer[post], post))
            audit.append((at, "attach", f"{title[:200]} at {span}", file_id, officer[post], post))
    correspondence.sort(key=lambda e: e[0])
    rows["eoffice_correspondenceentry"] = [
        (number, *entry) for number, entry in enumerate(correspondence, start=1)
    ]

    # Notes: written at the posts that held the file, while they held it, numbered in order.
    bodies = [" ".join(rng.sample(NOTE_SENTENCES, rng.randint(2, 5))) for _ in range(3000)]
    for item in items:
        if item.kind != "file":
            continue
        stops = [(item.created_post, item.created_at)] + [(m.to, m.sent) for m in item.hops]
        end = item.closed_at or gen.now - timedelta(minutes=1)
        spans = [
            (post, at, stops[k + 1][1] if k + 1 < len(stops) else end)
            for k, (post, at) in enumerate(stops)
        ]
        if item.measured:
            spans = spans[:-1] or spans  # its present holder has not written yet
        written = []
        for _ in range(item.notes):
            post, since, until = rng.choice(spans)
            written.append((since + (until - since) * rng.uniform(0.02, 0.98), post))
        for number, (at, post) in enumerate(sorted(written), start=1):
            author, p = officer[post], posts[post - 1]
            started = at - timedelta(minutes=rng.randint(5, 240))
            signature = (number, gen.user_name[author], f"{p.designation} ({p.abbreviation})", at)
            notes.append(
                (started, "sent", rng.choice(bodies), at, *signature, author, post, item.id)
            )
            if item.measured:
                audit.append((at, "note", f"Note {number} sent", item.id, author, post))
        if item.tray == INBOX and not item.measured and rng.random() < 0.03:
            at = item.arrived + (gen.now - item.arrived) * rng.uniform(0.1, 0.9)
            author = officer[item.holder]
            draft = (None, "", "", None)
            notes.append(
                (at, "draft", rng.choice(bodies), at, *draft, author, item.holder, item.id)
            )
    notes.sort(key=lambda n: n[0])
    rows["eoffice_note"] = [(number, *note) for number, note in enumerate(notes, start=1)]
    rows["eoffice_file"] = [
        (item.id, item.office, item.diary[0], item.diary[1], pages_used[item.id], item.notes)
        for item in items
        if item.kind == "file"
    ]
    rows["eoffice_movement"] = [
        (m.id, m.item.id, m.kind, m.frm, m.to, m.by, m.sent, m.remarks, m.due, m.read_at, m.read_by)
        for m in movements
    ]
    rows["eoffice_postaccess"] = [
        (number, item_id, post_id, since)
        for number, ((post_id, item_id), since) in enumerate(
            sorted(access.items(), key=lambda a: a[1]), start=1
        )
    ]
    audit.sort(key=lambda a: a[0])
    rows["eoffice_auditentry"] = [
        (number, at, action, detail[:500], item_id, officer_id, post_id, "")
        for number, (at, action, detail, item_id, officer_id, post_id) in enumerate(audit, start=1)
    ]


# Columns of each table, in the order _rows and _Generator write them; also the load order.
COLUMNS: dict[str, str] = {
    "accounts_user": "id, password, last_login, is_superuser, email, full_name, is_staff, "
    "is_active, date_joined, language",
    "account_emailaddress": 'email, verified, "primary", user_id',
    "eoffice_office": "id, code, name, parent_id",
    "eoffice_post": "id, abbreviation, designation, office_id, reports_to_id",
    "eoffice_posting": "from_date, to_date, is_additional_charge, officer_id, post_id",
    "eoffice_delegation": "from_date, to_date, reason, created_at, revoked_at, created_by_id, "
    "delegate_id, post_id",
    "eoffice_submissionchannel": "from_post_id, to_post_id",
    "eoffice_diarycounter": "year, last_number",
    "eoffice_filecounter": "key, last_serial",
    "eoffice_document": "id, storage_key, original_name, content_type, size, sha256, pages, "
    "uploaded_at, uploaded_by_id",
    "eoffice_item": "id, kind, reference, subject, grading, priority, due_date, created_at, tray, "
    "arrived_at, closed_reason, category_id, created_by_id, created_post_id, holder_post_id, "
    "last_movement_id",
    "eoffice_file": "item_id, office_id, year, serial, pages_used, notes_count",
    "eoffice_receipt": "item_id, diary_year, diary_number, mode, sender_name, sender_address, "
    "letter_reference, letter_date, received_date, pages, document_id, filed_in_id",
    "eoffice_movement": "id, item_id, kind, from_post_id, to_post_id, by_id, sent_at, remarks, "
    "due_date, read_at, read_by_id",
    "eoffice_postaccess": "id, item_id, post_id, since",
    "eoffice_correspondenceentry": "id, added_at, file_id, receipt_id, document_id, title, "
    "first_page, last_page, added_by_id, added_post_id",
    "eoffice_note": "id, created_at, status, body, updated_at, number, signed_name, signed_post, "
    "signed_at, author_id, author_post_id, file_id",
    "eoffice_auditentry": "id, at, action, detail, item_id, officer_id, post_id, user_agent",
}


# --- Loading -------------------------------------------------------------------------------------


def _signed_in_officers(schema: str) -> dict[str, tuple[int, str, str]]:
    """The officers the benchmark signs in as, made the way an administrator makes them."""
    from django_tenants.utils import schema_context

    from accounts.services import create_account

    people = {
        INBOX_POST: ("Ayesha Siddiqui", "ds.admin"),
        REGISTRY_POST: ("Muhammad Aslam", "registry"),
    }
    made: dict[str, tuple[int, str, str]] = {}
    with schema_context(schema):
        for post, (name, local) in people.items():
            email = f"{local}@{schema.replace('_', '-')}.gov.example"
            user = create_account(email=email, full_name=name, password=PASSWORD)
            made[post] = (user.pk, name, email)
    return made


# Tables whose ids the loader gives; their sequences continue after them.
SEQUENCED = (
    "accounts_user",
    "eoffice_office",
    "eoffice_post",
    "eoffice_document",
    "eoffice_item",
    "eoffice_movement",
    "eoffice_postaccess",
    "eoffice_correspondenceentry",
    "eoffice_note",
    "eoffice_auditentry",
)


@contextlib.contextmanager
def _constraints_and_indexes_after(
    cursor: Any, tables: list[str], say: Callable[[str], None]
) -> Iterator[None]:
    """Drops the tables' foreign keys and secondary indexes for the block and makes them again
    after it, as pg_restore does: one index build and one set-based check per foreign key cost
    a fraction of maintaining every index and checking every key row by row. Same transaction,
    same definitions (compared at the end), so the schema leaves exactly as it came."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [tables],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = indexrelid) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
        [tables],
    )
    assert cursor.fetchone()[0] == len(foreign_keys)
    say(f"  {len(indexes)} indexes rebuilt, {len(foreign_keys)} foreign keys checked")


def _copy(cursor: Any, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(
    schema: str,
    database_url: str,
    *,
    scale: Scale | None = None,
    say: Callable[[str], None] = print,
) -> Loaded:
    """Fills `schema` (a freshly provisioned tenant, its e-office empty) with the dataset."""
    import psycopg
    from django.conf import settings

    scale = scale or Scale()
    phases: dict[str, float] = {}
    started = time.perf_counter()
    signed_in = _signed_in_officers(schema)
    with psycopg.connect(_libpq_url(database_url), autocommit=True) as conn:
        categories = [
            row[0]
            for row in conn.execute(
                f'SELECT id FROM "{schema}".eoffice_category ORDER BY id'  # noqa: S608 - our schema
            )
        ]
        next_user = conn.execute(
            f'SELECT coalesce(max(id), 0) + 1 FROM "{schema}".accounts_user'  # noqa: S608
        ).fetchone()
        assert next_user is not None  # an aggregate always yields its row
        first_user = next_user[0]
        tz = ZoneInfo(settings.TIME_ZONE)
        gen = _Generator(scale, schema, datetime.now(UTC), tz, categories)
        gen.people({post: (uid, name) for post, (uid, name, _) in signed_in.items()}, first_user)
        items = gen.items()
        gen.numbers(items)
        gen.filing(items)
        gen.note_counts(items)
        _rows(gen, items)
        phases["generate"] = time.perf_counter() - started
        say(
            f"  generated {sum(len(r) for r in gen.rows.values()):,} rows in "
            f"{phases['generate']:.1f} s"
        )

        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute(f'SET LOCAL search_path TO "{schema}", public')
            # Index builds sort in memory rather than in temporary files.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            with _constraints_and_indexes_after(cursor, list(COLUMNS), say):
                for table in COLUMNS:
                    _copy(cursor, table, gen.rows[table])
                phases["copy"] = time.perf_counter() - started
                say(f"  copied in {phases['copy']:.1f} s")
                started = time.perf_counter()
            for table in SEQUENCED:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
                )
        phases["index"] = time.perf_counter() - started
        say(f"  indexes built and foreign keys checked in {phases['index']:.1f} s")

        started = time.perf_counter()
        # VACUUM as well as ANALYZE: a steady-state database has been visited by autovacuum,
        # so its pages are all-visible (index-only counts) and carry their hint bits.
        for table in COLUMNS:
            conn.execute(f'VACUUM (ANALYZE) "{schema}".{table}')
        phases["analyze"] = time.perf_counter() - started
        say(f"  vacuumed and analysed in {phases['analyze']:.1f} s")

    counts = {table: len(rows) for table, rows in gen.rows.items()}
    counts["accounts_user"] += len(signed_in)
    counts["sent_notes"] = sum(1 for n in gen.rows["eoffice_note"] if n[2] == "sent")
    return Loaded(
        schema=schema,
        inbox_officer=signed_in[INBOX_POST][2],
        registry_officer=signed_in[REGISTRY_POST][2],
        inbox_post_id=gen.inbox_post,
        registry_post_id=gen.registry_post,
        big_file_id=gen.big.id,
        small_file_id=gen.small.id,
        search_word=SEARCH_WORD,
        current_year=gen.today.year,
        counts=counts,
        phases=phases,
    )


def _libpq_url(url: str) -> str:
    """DATABASE_URL as libpq takes it (dj-database-url also accepts postgis:// and the like)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))
