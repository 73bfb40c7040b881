"""Who the local demo contains; plain data, readable without Django (the launcher prints it)."""

from dataclasses import dataclass

DEMO_PASSWORD = "Demo-Pass-2026"  # noqa: S105 - printed for the local demo; refused in production


@dataclass(frozen=True)
class DemoTenant:
    subdomain: str
    name: str
    admin: tuple[str, str]
    officers: tuple[tuple[str, str], ...]


FEDERAL_ADMIN = ("admin@board.example", "Federal Administrator")
PARTNER = ("Indus IT Services", "ops@indus-it.example", ("Imran Qureshi", "imran@indus-it.example"))
TENANTS = (
    DemoTenant(
        "punjab",
        "Government of the Punjab",
        ("admin@punjab.example", "Ayesha Khan"),
        (
            ("bilal.ahmed@punjab.example", "Bilal Ahmed"),
            ("farah.malik@punjab.example", "Farah Malik"),
            ("usman.tariq@punjab.example", "Usman Tariq"),
        ),
    ),
    DemoTenant(
        "sindh",
        "Government of Sindh",
        ("admin@sindh.example", "Zainab Memon"),
        (
            ("ali.shah@sindh.example", "Ali Shah"),
            ("sana.soomro@sindh.example", "Sana Soomro"),
        ),
    ),
)

# An application awaiting the federal board's decision, so the review can be tried at once.
PENDING_APPLICATION = {
    "organisation": {
        "name": "Government of Gilgit-Baltistan",
        "kind": "province",
        "subdomain": "gilgit-baltistan",
    },
    "contact": {
        "contact_name": "Nadia Baig",
        "contact_designation": "Director IT",
        "contact_email": "nadia.baig@gilgit-baltistan.example",
        "contact_phone": "+92 5811 920000",
    },
    "survey": {
        "offices": [
            {"code": "SECY", "name": "Chief Secretary's Office", "parent_code": ""},
            {"code": "S&GAD", "name": "Services and General Administration", "parent_code": "SECY"},
            {"code": "FIN", "name": "Finance Department", "parent_code": "SECY"},
            {"code": "BUDGET", "name": "Budget Section", "parent_code": "FIN"},
        ],
        "posts": [
            {
                "abbreviation": "CS",
                "designation": "Chief Secretary",
                "office_code": "SECY",
                "reports_to": "",
            },
            {
                "abbreviation": "SECY(S&GAD)",
                "designation": "Secretary S&GAD",
                "office_code": "S&GAD",
                "reports_to": "CS",
            },
            {
                "abbreviation": "SECY(FIN)",
                "designation": "Secretary Finance",
                "office_code": "FIN",
                "reports_to": "CS",
            },
            {
                "abbreviation": "DS(Budget)",
                "designation": "Deputy Secretary (Budget)",
                "office_code": "BUDGET",
                "reports_to": "SECY(FIN)",
            },
            {
                "abbreviation": "SO(Budget)",
                "designation": "Section Officer (Budget)",
                "office_code": "BUDGET",
                "reports_to": "DS(Budget)",
            },
        ],
        "officers": [
            {
                "full_name": "Karim Hunzai",
                "email": "karim.hunzai@gilgit-baltistan.example",
                "post": "SO(Budget)",
            },
        ],
        "channels": [{"from_post": "SO(Budget)", "to_post": "SECY(FIN)"}],
        "expected_users": 120,
        "it_readiness": {
            "connectivity": "mixed",
            "computers": 80,
            "scanners": 6,
            "existing_systems": "E-mail and a spreadsheet diary",
        },
    },
}
