"""The implementation report page: figures worked out by hand from the usage records each test
writes, the viewer's scope, bad months and pages, and a number of queries that does not grow
with the number of tenants."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from accounts.services import create_account
from billing.models import UsageRecord
from console.report_month import this_month
from reports.definitions import FIGURES, level_rules
from reports.levels import LIVE_STATES
from reports.models import MonthlyFigures
from reports.selectors import report, report_page
from reports.selectors.rules import rule_in_force
from reports.services import record_workshop
from reports.services.rollup import roll_up_month
from tenants.models import Tenant
from tests.conftest import PASSWORD, World, client_for, signed_in_client

MONTH = datetime.date(2025, 5, 1)  # no other test uses it
URL = "/console/report/?month=2025-05"

pytestmark = pytest.mark.django_db


def record(tenant: Tenant, day: int, **figures: Any) -> None:
    UsageRecord.objects.create(
        tenant=tenant,
        day=MONTH.replace(day=day),
        revision=0,
        officers=figures.pop("officers", 10),
        officers_active=figures.pop("active", 4),
        officers_active_month=figures.pop("active_month", 6),
        storage_bytes=1000,
        figures=figures,
    )


def punjab_figures(world: World) -> None:
    """Receipts 3+2 electronic, 1+2 physical (62.5 %); files at the last day 2 electronic, 1
    physical (66.7 %); so (5 + 2) of 11 = 63.6 % electronic. 6 of 10 officers active (60 %),
    none trained: level 0. Pendency from day 1: 4 over 7, 1 over 30."""
    tenant = world.punjab.tenant
    record(
        tenant,
        1,
        receipts_electronic=3,
        receipts_physical=1,
        files_opened_month_electronic=1,
        files_opened_month_physical=1,
        pendency_measured=1,
        pending_over_7=4,
        pending_over_30=1,
        pending_worst_posts=[{"post_id": 7, "post": "SO (Admin)", "items": 4, "oldest_days": 33}],
    )
    record(
        tenant,
        2,
        receipts_electronic=2,
        receipts_physical=2,
        files_opened_month_electronic=2,
        files_opened_month_physical=1,
    )
    roll_up_month(tenant_id=tenant.pk, month=MONTH)


def sindh_figures(world: World) -> None:
    """9 electronic receipts and 1 electronic file of 10 (100 %); 8 of 10 officers active;
    pendency never measured. With Punjab: (7 + 10) of 21 = 81.0 % electronic, 14 of 20 = 70.0 %
    active."""
    record(
        world.sindh.tenant,
        1,
        active_month=8,
        receipts_electronic=9,
        files_opened_month_electronic=1,
    )
    roll_up_month(tenant_id=world.sindh.tenant.pk, month=MONTH)


def row_of(html: str, name: str) -> str:
    """The table row (<tr>…</tr>) of the ranked table naming the tenant."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S):
        if re.search(rf'<th scope="row">(<a [^>]*>)?{re.escape(name)}\b', row):
            return str(row)
    raise AssertionError(f"no row for {name}")


def test_federal_admin_sees_every_tenant_with_figures_worked_from_its_records(
    world: World,
) -> None:
    punjab_figures(world)
    sindh_figures(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)

    page = client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Status of e-office implementation — May 2025" in html
    assert "All e-offices on the platform." in html
    assert '<a href="/console/report/"' in html  # the nav link
    punjab = row_of(html, "Test Punjab")
    assert 'class="laggard"' in punjab  # level 0: nobody trained
    assert f'href="/console/tenants/{world.punjab.tenant.pk}/"' in punjab
    assert "5 / 3" in punjab and "62.5%" in punjab
    assert "2 / 1" in punjab and "66.7%" in punjab
    assert "10 / 6 / 0" in punjab
    assert "4 / 1" in punjab and "SO (Admin)" in punjab and "oldest 33 working days" in punjab
    assert "2 of 31 days" in punjab and "missing" not in punjab
    assert "Test Partner IT" in punjab
    sindh = row_of(html, "Test Sindh")
    assert "not measured" in sindh and "9 / 0" in sindh and "100.0%" in sindh
    # Totals over both: the share electronic and the share active.
    assert "81.0%" in html and "70.0%" in html
    # The bar chart of share electronic names both, and every definition is on the page.
    assert "63.6%</text>" in html and "100%</text>" in html
    for _, label, text in FIGURES:
        assert escape(label) in html and escape(text) in html
    for _, text in level_rules(rule_in_force()):
        assert escape(text) in html


def test_partner_sees_only_its_tenants_and_their_totals(world: World) -> None:
    punjab_figures(world)
    sindh_figures(world)
    # The partner's department under a ministry it does not operate: Sindh is named nowhere,
    # neither as its parent nor as the head of its group.
    department = Tenant.objects.create(
        name="Partner Department",
        kind=Tenant.Kind.DEPARTMENT,
        state=Tenant.State.ACTIVE,
        subdomain="partner-department",
        partner=world.partner,
        parent=world.sindh.tenant,
    )
    client = signed_in_client(world.control_host, world.partner_user_email)

    page = client.get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Tenants operated by Test Partner IT." in html
    assert '<a href="/console/report/"' in html
    assert world.sindh.tenant.name not in html
    row = row_of(html, "Test Punjab")
    assert "/console/tenants/" not in html  # no link into the federal console
    assert "5 / 3" in row
    # Totals are Punjab's alone: 63.6 % electronic, 60.0 % active, not 81.0 % and 70.0 %.
    summary = html.split('aria-label="Summary"', 1)[1].split("</section>", 1)[0]
    assert "63.6%" in summary and "60.0%" in summary
    assert "81.0%" not in html and "70.0%" not in html
    assert "<td>—</td>" in row_of(html, department.name)
    # Punjab and the department are each a group of one: summed on one row (with any other
    # tenant of the partner that an earlier test committed).
    groups = html.split('id="groups-title"', 1)[1].split("</section>", 1)[0]
    alone = (
        Tenant.objects.filter(
            partner=world.partner, parent__isnull=True, state__in=list(LIVE_STATES)
        ).count()
        + 1
    )
    on_their_own = '<th scope="row">Tenants on their own</th>\n            <td class="num">'
    assert f"{on_their_own}{alone}</td>" in groups
    partner_tenants = Tenant.objects.filter(partner=world.partner).count()
    assert (
        f'<span class="stat-value">{partner_tenants}</span>'
        '<span class="stat-label">Tenants in the report' in summary
    )


def test_someone_neither_federal_nor_partner_staff_is_refused(world: World) -> None:
    create_account(email="clerk@board.example", full_name="Clerk", password=PASSWORD)
    clerk = signed_in_client(world.control_host, "clerk@board.example")

    refused = clerk.get(URL)
    anonymous = client_for(world.control_host).get(URL)

    assert refused.status_code == 403
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2025-13", "is not a month"),
        ("May 2025", "is not a month"),
        ("2019-12", "starts in January 2020"),
        ("next", "is not a month"),
    ],
)
def test_a_bad_month_is_refused_with_a_reason(world: World, month: str, message: str) -> None:
    client = signed_in_client(world.control_host, world.federal_admin_email)

    page = client.get("/console/report/", {"month": month})

    assert page.status_code == 400
    assert message in page.content.decode()


def test_a_month_not_yet_begun_is_refused(world: World) -> None:
    following = (this_month() + datetime.timedelta(days=32)).replace(day=1)
    client = signed_in_client(world.control_host, world.federal_admin_email)

    page = client.get("/console/report/", {"month": f"{following:%Y-%m}"})

    assert page.status_code == 400
    assert "has not begun" in page.content.decode()


def test_a_tenant_without_figures_says_so_and_missing_days_are_shown(world: World) -> None:
    punjab_figures(world)
    june = datetime.date(2025, 6, 1)
    MonthlyFigures.objects.create(
        tenant=world.sindh.tenant, month=june, days_recorded=28, days_missing=2, officers=5
    )
    client = signed_in_client(world.control_host, world.federal_admin_email)

    may = client.get(URL).content.decode()
    in_june = client.get("/console/report/?month=2025-06").content.decode()

    sindh = row_of(may, "Test Sindh")
    assert "no figures" in sindh and "0 / 0" not in sindh
    assert "28 of 30 days" in row_of(in_june, "Test Sindh")
    assert "2 missing" in row_of(in_june, "Test Sindh")
    assert "no figures" in row_of(in_june, "Test Punjab")


def test_pages_keep_the_month_and_a_bad_page_number_is_brought_in_range(world: World) -> None:
    for number in range(55):
        Tenant.objects.create(
            name=f"Paged Department {number:02d}",
            kind=Tenant.Kind.DEPARTMENT,
            state=Tenant.State.ACTIVE,
            subdomain=f"paged-{number}",
        )
    client = signed_in_client(world.control_host, world.federal_admin_email)

    first = client.get(URL).content.decode()
    second = client.get(URL + "&page=2")
    past = client.get(URL + "&page=99")
    nonsense = client.get(URL + "&page=two")

    assert 'href="?month=2025-05&amp;page=2"' in first
    assert second.status_code == 200
    assert 'href="?month=2025-05&amp;page=1"' in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    assert past.status_code == 200 and "Page 2 of 2" in past.content.decode()
    assert nonsense.status_code == 200 and "Page 1 of 2" in nonsense.content.decode()


def _departments(world: World, count: int, start: int) -> None:
    for number in range(start, start + count):
        tenant = Tenant.objects.create(
            name=f"Counted Department {number}",
            kind=Tenant.Kind.DEPARTMENT,
            state=Tenant.State.ACTIVE,
            subdomain=f"counted-{number}",
            partner=world.partner,
            parent=world.punjab.tenant,
        )
        MonthlyFigures.objects.create(
            tenant=tenant,
            month=MONTH,
            days_recorded=31,
            officers=10,
            officers_trained=2,
            officers_active=number,
            receipts_electronic=number,
            receipts_physical=1,
            pendency_measured=True,
            pending_over_7=number,
            worst_posts=[{"post": f"Desk {number}", "items": number, "oldest_days": 9}],
        )


def test_the_page_takes_as_many_queries_for_six_tenants_as_for_two(world: World) -> None:
    punjab_figures(world)
    sindh_figures(world)
    client = signed_in_client(world.control_host, world.federal_admin_email)
    client.get(URL)  # the session and anything cached once

    # Counted at once: the next request clears the connection's log the contexts read. Both
    # counted cold: the trend's totals are cached (reports.selectors.freshness).
    cache.clear()
    with CaptureQueriesContext(connection) as two:
        assert client.get(URL).status_code == 200
    at_two = [query["sql"] for query in two.captured_queries]
    _departments(world, 4, start=1)
    cache.clear()
    with CaptureQueriesContext(connection) as six:
        html = client.get(URL).content.decode()
    at_six = [query["sql"] for query in six.captured_queries]

    assert "Counted Department 4" in html and "Desk 4" in html
    # Punjab heads a group of five: itself and its four departments.
    groups = html.split('id="groups-title"', 1)[1].split("</section>", 1)[0]
    assert '<th scope="row">Test Punjab</th>\n            <td class="num">5</td>' in groups
    assert len(at_two) > 10  # the page's reads were captured
    assert len(at_six) == len(at_two), at_six


def test_the_page_read_agrees_with_the_whole_report(world: World) -> None:
    punjab_figures(world)
    sindh_figures(world)
    _departments(world, 5, start=1)
    whole = report(MONTH)

    second = report_page(MONTH, page=2, per_page=2)
    past = report_page(MONTH, page=40, per_page=2)

    assert second.count == len(whole.rows) and second.pages == -(-len(whole.rows) // 2)
    assert [row.tenant_id for row in second.rows] == [row.tenant_id for row in whole.rows[2:4]]
    assert second.rows == whole.rows[2:4]
    assert past.number == past.pages
    assert second.totals == whole.totals and second.level_counts == whole.level_counts
    assert [(g.group_id, g.figures, g.level_counts) for g in second.groups] == [
        (g.group_id, g.figures, g.level_counts) for g in whole.groups
    ]
    pending = [ranked.tenant_id for ranked in second.most_pending]
    assert pending[0] == Tenant.objects.get(name="Counted Department 5").pk


def test_the_kept_sums_and_rankings_follow_every_roll_up_and_never_cross_scopes(
    world: World,
) -> None:
    punjab_figures(world)
    sindh_figures(world)
    everyone = report_page(MONTH)
    # Live tenants other tests committed are in the report too, without figures for May.
    assert everyone.with_figures == 2 and everyone.totals["receipts_electronic"] == 5 + 9

    # The partner's page is its own, though every tenant's is kept.
    partner_only = report_page(MONTH, tenant_ids=[world.punjab.tenant.pk])
    assert partner_only.count == 1 and partner_only.totals["receipts_electronic"] == 5
    assert [row.tenant_id for row in partner_only.rows] == [world.punjab.tenant.pk]

    # A later day rolled up is seen by the very next read.
    record(world.punjab.tenant, 3, receipts_electronic=10)
    roll_up_month(tenant_id=world.punjab.tenant.pk, month=MONTH)
    again = report_page(MONTH)
    assert again.totals["receipts_electronic"] == 5 + 10 + 9


def test_a_workshop_recorded_is_seen_by_the_next_read_of_the_page(world: World) -> None:
    punjab_figures(world)
    before = report_page(MONTH)
    assert before.totals["officers_trained"] == 0

    record_workshop(
        tenant=world.punjab.tenant,
        date=MONTH.replace(day=2),
        place="Civil Secretariat",
        trainer="Federal e-office board",
        actor="test-suite",
        attendee_count=3,
    )

    after = report_page(MONTH)
    assert after.totals["officers_trained"] == 3
