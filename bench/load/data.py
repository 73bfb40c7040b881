"""The crowd's e-offices: N tenants provisioned as the platform does it, each loaded by
bench/eoffice_data.py (COPY, one department of 200 posts with its work) and M of its officers
given a password to sign in with. Runs with Django set up on the direct DATABASE_URL: COPY
never goes through the pooler."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import eoffice_data

PASSWORD = "Bench-Load-2026"
ACTOR = "bench-load"


@dataclass
class Officer:
    email: str
    post_id: int


@dataclass
class TenantCrowd:
    host: str
    schema: str
    officers: list[Officer]
    posts: list[int]  # the crowd's posts: files are forwarded among them
    search_word: str


def scale_of(fraction: float) -> eoffice_data.Scale:
    full = eoffice_data.Scale()
    return eoffice_data.Scale(
        receipts=int(full.receipts * fraction),
        files=int(full.files * fraction),
        movements=int(full.movements * fraction),
        notes=int(full.notes * fraction),
    )


def prepare(
    database_url: str, *, tenants: int, officers: int, fraction: float, say: Any = print
) -> list[TenantCrowd]:
    """Provisions and loads the tenants; returns who signs in where. Django must be set up."""
    from provisioning.services import provision_tenant
    from tenants.services import register_tenant, transition_tenant

    crowds = []
    for number in range(tenants):
        started = time.perf_counter()
        subdomain = f"bench-load-{number:02d}"
        tenant = register_tenant(
            name=f"Bench Load Department {number:02d}",
            kind="department",
            subdomain=subdomain,
            actor=ACTOR,
        )
        transition_tenant(tenant=tenant, to_state="approved", actor=ACTOR)
        tenant = provision_tenant(tenant=tenant, actor=ACTOR)
        loaded = eoffice_data.load(
            tenant.schema_name, database_url, scale=scale_of(fraction), say=lambda line: None
        )
        crowd = _officers(database_url, tenant.schema_name, officers)
        crowds.append(
            TenantCrowd(
                host=f"{subdomain}.localhost",
                schema=tenant.schema_name,
                officers=crowd,
                posts=[o.post_id for o in crowd],
                search_word=loaded.search_word,
            )
        )
        say(
            f"  {subdomain}: {loaded.counts['eoffice_receipt']:,} receipts, "
            f"{loaded.counts['eoffice_file']:,} files, {loaded.counts['eoffice_movement']:,} "
            f"movements, {loaded.counts['sent_notes']:,} notes; {len(crowd)} officers "
            f"({time.perf_counter() - started:.1f} s)"
        )
    return crowds


def _officers(database_url: str, schema: str, count: int) -> list[Officer]:
    """The `count` officers holding the most files in their inboxes (each post's one current
    substantive posting), given the benchmark's password: one hash, as for accounts made in bulk."""
    import psycopg
    from django.contrib.auth.hashers import make_password

    hashed = make_password(PASSWORD)
    with psycopg.connect(eoffice_data._libpq_url(database_url), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}", public')
        rows = conn.execute(
            """
            SELECT u.id, u.email, g.post_id FROM eoffice_posting g
            JOIN accounts_user u ON u.id = g.officer_id
            LEFT JOIN (SELECT holder_post_id, count(*) AS n FROM eoffice_item
                       WHERE kind = 'file' AND tray = 'inbox' GROUP BY holder_post_id) f
              ON f.holder_post_id = g.post_id
            WHERE g.to_date IS NULL AND NOT g.is_additional_charge AND u.is_active
            ORDER BY coalesce(f.n, 0) DESC, g.post_id
            LIMIT %s
            """,
            [count],
        ).fetchall()
        conn.execute(
            "UPDATE accounts_user SET password = %s WHERE id = ANY(%s)",
            [hashed, [row[0] for row in rows]],
        )
    return [Officer(email=row[1], post_id=row[2]) for row in rows]


def save(crowds: list[TenantCrowd], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(c) for c in crowds]))


def read(path: Path) -> list[TenantCrowd]:
    crowds = []
    for raw in json.loads(path.read_text()):
        raw["officers"] = [Officer(**o) for o in raw["officers"]]
        crowds.append(TenantCrowd(**raw))
    return crowds
