"""A complete, valid application (organisation, contact, survey) for tests to start from."""

from __future__ import annotations

from typing import Any

from django.test import Client

OFFICES_CSV = """code,name,parent_code
SECY,Secretariat,
ADMIN,Administration Wing,SECY
BUDGET,Budget Section,ADMIN
"""
POSTS_CSV = """abbreviation,designation,office_code,reports_to
SECY,Secretary,SECY,
AS(Admin),Additional Secretary (Admin),ADMIN,SECY
SO(Budget),Section Officer (Budget),BUDGET,AS(Admin)
"""
OFFICERS_CSV = """full_name,email,post
Sana Secretary,sana@gb.example,SECY
Omar Officer,Omar@gb.example,SO(Budget)
"""
CHANNELS_CSV = """from_post,to_post
SO(Budget),SECY
"""


def steps(
    subdomain: str, *, contact_email: str = "focal@gb.example"
) -> list[tuple[str, dict[str, Any]]]:
    """The POST data of each step, in order."""
    return [
        (
            "organisation",
            {"name": "Gilgit-Baltistan", "kind": "province", "parent": "", "subdomain": subdomain},
        ),
        (
            "contact",
            {
                "contact_name": "Farah Focal",
                "contact_designation": "Director IT",
                "contact_email": contact_email,
                "contact_phone": "+92 5811 920000",
            },
        ),
        ("offices", {"rows": OFFICES_CSV}),
        ("posts", {"rows": POSTS_CSV}),
        ("officers", {"rows": OFFICERS_CSV, "expected_users": "40"}),
        (
            "readiness",
            {
                "connectivity": "mixed",
                "computers": "35",
                "scanners": "4",
                "existing_systems": "E-mail; a spreadsheet diary",
                "rows": CHANNELS_CSV,
            },
        ),
    ]


def fill_in(client: Client, subdomain: str, **kwargs: Any) -> None:
    """Completes every step of the application form (not the final submission)."""
    for slug, data in steps(subdomain, **kwargs):
        response = client.post(f"/apply/{slug}/", data)
        assert response.status_code == 302, (slug, response.content.decode()[:3000])


def survey(**overrides: Any) -> dict[str, Any]:
    """The survey of `steps` as it is stored with an application."""
    from eoffice import org_chart_csv as tables

    def rows(table: tables.Table, text: str) -> list[dict[str, str]]:
        return [row.values for row in tables.parse(table, text)]

    data = {
        "offices": rows(tables.OFFICES, OFFICES_CSV),
        "posts": rows(tables.POSTS, POSTS_CSV),
        "officers": [
            dict(row, email=row["email"].lower()) for row in rows(tables.OFFICERS, OFFICERS_CSV)
        ],
        "channels": rows(tables.CHANNELS, CHANNELS_CSV),
        "expected_users": 40,
        "it_readiness": {
            "connectivity": "mixed",
            "computers": 35,
            "scanners": 4,
            "existing_systems": "",
        },
    }
    return data | overrides


def submit(
    subdomain: str,
    *,
    name: str = "Gilgit-Baltistan",
    kind: str = "province",
    contact_email: str = "focal@gb.example",
) -> Any:
    """Records the complete application of `steps` through the service, as the form does."""
    from tenants.services import submit_application

    return submit_application(
        organisation={"name": name, "kind": kind, "subdomain": subdomain},
        contact={
            "contact_name": "Farah Focal",
            "contact_designation": "Director IT",
            "contact_email": contact_email,
            "contact_phone": "+92 5811 920000",
        },
        survey=survey(),
    )
