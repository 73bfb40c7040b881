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
