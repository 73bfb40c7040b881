"""The console's instances list (and the partner overview that shares it): each column read
from the records a test makes for its tenant, search, filters, sorts, pages, the partner's
scope, a query count that does not grow with the tenants, and the tenant page's health."""

from __future__ import annotations

import datetime
import itertools
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Plan, Subscription, UsageAttempt, UsageRecord
from console.instance_list import filtered, filters_from, instances, summarise
from provisioning.models import ProvisioningAttempt, ProvisioningStep
from reports.models import MonthlyFigures
from tenants.models import Domain, Partner, Tenant, TenantRollup
from tests.conftest import World, signed_in_client

pytestmark = pytest.mark.django_db

_numbers = itertools.count(900_001)
MONTH = datetime.date(2026, 10, 1)


def registry_tenant(
    name: str,
    *,
    state: str = Tenant.State.ACTIVE,
    kind: str = Tenant.Kind.DEPARTMENT,
    partner: Partner | None = None,
    parent: Tenant | None = None,
    domain: str | None = None,
) -> Tenant:
    """A tenant in the registry only (no schema): the list reads the control plane alone."""
    number = next(_numbers)
    tenant = Tenant.objects.create(
        name=name,
        kind=kind,
        state=state,
        subdomain=f"list-{number}",
        partner=partner,
        parent=parent,
    )
    if domain:
        Domain.objects.create(tenant=tenant, domain=domain, is_primary=True)
    return tenant


def usage(
    tenant: Tenant,
    day: datetime.date,
    *,
    at: datetime.datetime | None = None,
    active: int = 1,
    active_month: int = 1,
    storage: int = 1000,
) -> UsageRecord:
    """A usage record of `day`, collected at `at` (now by default)."""
    with mock.patch("django.utils.timezone.now", return_value=at or timezone.now()):
        return UsageRecord.objects.create(
            tenant=tenant,
            day=day,
            officers=20,
            officers_active=active,
            officers_active_month=active_month,
            storage_bytes=storage,
        )


def failed_collection(tenant: Tenant, day: datetime.date, at: datetime.datetime) -> UsageAttempt:
    with mock.patch("django.utils.timezone.now", return_value=at):
        return UsageAttempt.objects.create(tenant=tenant, day=day, error="schema t_x timed out")


def month_figures(tenant: Tenant, month: datetime.date, **numbers: int) -> MonthlyFigures:
    return MonthlyFigures.objects.create(
        tenant=tenant, month=month, days_recorded=numbers.pop("days_recorded", 20), **numbers
    )


# Under the default rule: 1 of 10 trained (10 %) and 5 of 10 active (50 %) is level 2.
LEVEL_2 = {"officers": 10, "officers_trained": 1, "officers_active": 5}


def subscribe(tenant: Tenant, plan_name: str) -> Plan:
    plan = Plan.objects.create(code=plan_name.lower(), name=plan_name, officer_limit=500)
    Subscription.objects.create(
        tenant=tenant, plan=plan, assigned_at=timezone.now(), assigned_by="t@example.org"
    )
    return plan


def federal(world: World) -> Client:
    return signed_in_client(world.control_host, world.federal_admin_email)


def rows_of(html: str) -> list[str]:
    """The names in the list's rows, in order."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [name.strip() for name in re.findall(r'<th scope="row">\s*(?:<a [^>]*>)?([^<]+)<', body)]


def listed(**params: str) -> list[str]:
    return [t.name for t in filtered(instances(), filters_from(params))]


def test_each_column_reads_the_tenants_own_records(world: World) -> None:
    now = timezone.now()
    tenant = registry_tenant(
        "Alpha Revenue Division",
        kind=Tenant.Kind.MINISTRY,
        partner=world.partner,
        parent=world.punjab.tenant,
        domain="alpha.localhost",
    )
    subscribe(tenant, "Gold")
    TenantRollup.objects.create(
        tenant=tenant, officers=12, officers_signed_in_7d=4, computed_at=now
    )
    usage(tenant, datetime.date(2026, 11, 27), active=3, active_month=5, storage=10)
    # The latest day: nobody signed in, 7 this month, 2.5 GB stored.
    usage(tenant, datetime.date(2026, 11, 28), active=0, active_month=7, storage=2_500_000_000)
    month_figures(tenant, MONTH.replace(month=9))  # level 0: an older month
    month_figures(tenant, MONTH, **LEVEL_2)

    row = instances().get(pk=tenant.pk)
    html = federal(world).get("/console/tenants/", {"q": "alpha revenue"}).content.decode()

    assert (row.active_seats, row.storage_bytes) == (7, 2_500_000_000)
    assert row.last_active == datetime.date(2026, 11, 27)  # the last day anybody signed in
    assert row.usage_day == datetime.date(2026, 11, 28)
    assert (row.level, row.level_month) == (2, MONTH)  # the latest month's, not September's
    assert not row.needs_attention and not row.last_job_failed
    assert rows_of(html) == ["Alpha Revenue Division"]
    cells = html[html.index("<tbody>") :]
    for shown in (
        "Ministry",
        "Test Punjab",  # parent
        "Test Partner IT",
        "Gold",
        ">12<",  # officer accounts
        "<span>7</span> active this month",
        "2.50 GB",
        "27 Nov 2026",
        'level-pill-2" title="October 2026">2<',
        "alpha.localhost",
        "Collected",
    ):
        assert shown in cells, shown


def test_a_failed_last_collection_flags_the_tenant_and_counts_as_an_error_of_the_hour(
    world: World,
) -> None:
    now = timezone.now()
    broken = registry_tenant("Broken Collection Dept")
    usage(broken, datetime.date(2026, 11, 27), at=now - datetime.timedelta(hours=5))
    failed_collection(broken, datetime.date(2026, 11, 28), now - datetime.timedelta(minutes=10))
    recovered = registry_tenant("Recovered Collection Dept")
    failed_collection(recovered, datetime.date(2026, 11, 27), now - datetime.timedelta(hours=3))
    usage(recovered, datetime.date(2026, 11, 28), at=now - datetime.timedelta(hours=1))

    rows = {t.name: t for t in instances().filter(pk__in=[broken.pk, recovered.pk])}
    html = federal(world).get("/console/tenants/", {"health": "attention"}).content.decode()

    assert rows["Broken Collection Dept"].last_job_failed
    assert rows["Broken Collection Dept"].needs_attention
    assert rows["Broken Collection Dept"].errors_last_hour == 1
    assert rows["Broken Collection Dept"].failed_error == "schema t_x timed out"
    # Its failure came before a later success: the last job was fine.
    assert not rows["Recovered Collection Dept"].last_job_failed
    assert not rows["Recovered Collection Dept"].needs_attention
    assert rows["Recovered Collection Dept"].errors_last_hour == 0  # 3 hours ago
    assert summarise(instances().filter(pk__in=[broken.pk, recovered.pk])).errors_last_hour == 1
    assert "Broken Collection Dept" in rows_of(html)
    assert "Recovered Collection Dept" not in rows_of(html)
    assert "schema t_x timed out" in html and "Needs attention" in html


def test_a_collection_older_than_two_days_needs_attention_and_a_new_tenant_does_not(
    world: World,
) -> None:
    now = timezone.now()
    stale = registry_tenant("Stale Dept")
    usage(stale, datetime.date(2026, 11, 20), at=now - datetime.timedelta(days=2, hours=1))
    fresh = registry_tenant("Fresh Dept")
    usage(fresh, datetime.date(2026, 11, 28), at=now - datetime.timedelta(days=1, hours=23))
    never = registry_tenant("Never Collected Dept")
    Tenant.objects.filter(pk=never.pk).update(created_at=now - datetime.timedelta(days=3))
    just_opened = registry_tenant("Just Opened Dept")  # registered now: not yet due
    archived = registry_tenant("Archived Dept", state=Tenant.State.ARCHIVED)  # not collected

    attention = set(listed(health="attention"))

    assert {"Stale Dept", "Never Collected Dept"} <= attention
    assert not {"Fresh Dept", "Just Opened Dept", "Archived Dept"} & attention
    assert {just_opened.pk, archived.pk, fresh.pk}.isdisjoint(
        set(instances().filter(needs_attention=True).values_list("pk", flat=True))
    )


def test_a_failed_provisioning_shows_its_step_and_error_and_needs_attention(world: World) -> None:
    now = timezone.now()
    tenant = registry_tenant("Failed Opening Dept", state=Tenant.State.PROVISIONING_FAILED)
    ProvisioningStep.objects.create(
        tenant=tenant, name="schema", position=1, state=ProvisioningStep.State.SUCCEEDED
    )
    step = ProvisioningStep.objects.create(
        tenant=tenant, name="storage", position=2, state=ProvisioningStep.State.FAILED
    )
    ProvisioningAttempt.objects.create(
        step=step,
        number=1,
        started_at=now - datetime.timedelta(minutes=5),
        finished_at=now - datetime.timedelta(minutes=4),
        outcome=ProvisioningAttempt.Outcome.FAILED,
        error="bucket refused: AccessDenied",
    )

    row = instances().get(pk=tenant.pk)
    html = federal(world).get("/console/tenants/", {"q": "failed opening"}).content.decode()

    assert (row.steps_done, row.steps_total, row.failed_step) == (1, 2, "storage")
    assert row.provisioning_error == "bucket refused: AccessDenied"
    assert row.needs_attention and row.errors_last_hour == 1
    assert "1 of 2 steps" in html and "storage: bucket refused: AccessDenied" in html


def test_search_matches_name_address_domain_and_partner_without_case(world: World) -> None:
    other = Partner.objects.create(name="Karachi Systems", contact_email="k@example.org")
    registry_tenant("Lahore Health Dept", domain="health.gov.example")
    registry_tenant("Quetta Works Dept", partner=other)
    by_address = registry_tenant("Peshawar Dept")

    assert listed(q="LAHORE health") == ["Lahore Health Dept"]
    assert listed(q="gov.EXAMPLE") == ["Lahore Health Dept"]
    assert listed(q="karachi systems") == ["Quetta Works Dept"]
    assert listed(q=by_address.subdomain or "") == ["Peshawar Dept"]
    assert listed(q="nothing like it") == []


def test_filters_by_state_kind_partner_and_level(world: World) -> None:
    other = Partner.objects.create(name="Other Vendor", contact_email="o@example.org")
    registry_tenant("Filter Suspended Ministry", state="suspended", kind="ministry", partner=other)
    leveled = registry_tenant("Filter Level Two Dept", partner=other)
    month_figures(leveled, MONTH, **LEVEL_2)

    assert listed(state="suspended") == ["Filter Suspended Ministry"]
    assert listed(kind="ministry", partner=str(other.pk)) == ["Filter Suspended Ministry"]
    assert listed(partner=str(other.pk), level="2") == ["Filter Level Two Dept"]
    assert "Filter Level Two Dept" not in listed(level="0")
    assert set(listed(partner=str(other.pk))) == {
        "Filter Suspended Ministry",
        "Filter Level Two Dept",
    }
    # Unknown values are dropped, not errors: every tenant again.
    assert len(listed(state="nonsense", kind="x", level="9", partner="abc")) == len(listed())


def test_sorts_by_name_storage_activity_and_level_both_ways_and_ignores_bad_sorts(
    world: World,
) -> None:
    small = registry_tenant("Sort B Small")
    big = registry_tenant("Sort A Big")
    registry_tenant("Sort C Unmeasured")
    usage(small, datetime.date(2026, 11, 28), storage=5, active=1)
    usage(big, datetime.date(2026, 11, 20), storage=9_000, active=1)
    month_figures(small, MONTH, **LEVEL_2)

    def names(sort: str) -> list[str]:
        return [n for n in listed(q="sort ", sort=sort)]

    assert names("name") == ["Sort A Big", "Sort B Small", "Sort C Unmeasured"]
    assert names("-name") == ["Sort C Unmeasured", "Sort B Small", "Sort A Big"]
    # Unmeasured tenants come last whichever way storage is sorted.
    assert names("storage") == ["Sort B Small", "Sort A Big", "Sort C Unmeasured"]
    assert names("-storage") == ["Sort A Big", "Sort B Small", "Sort C Unmeasured"]
    assert names("-activity") == ["Sort B Small", "Sort A Big", "Sort C Unmeasured"]
    assert names("-level")[0] == "Sort B Small"
    assert names("; DROP TABLE") == names("name") == names("-") == names("--name")


def test_pages_hold_fifty_tenants_and_links_keep_the_filters(world: World) -> None:
    for n in range(55):
        registry_tenant(f"Paged Dept {n:02d}")
    client = federal(world)

    first = client.get("/console/tenants/", {"q": "paged", "sort": "-name"}).content.decode()
    second = client.get("/console/tenants/", {"q": "paged", "sort": "-name", "page": "2"})

    assert len(rows_of(first)) == 50 and rows_of(first)[0] == "Paged Dept 54"
    assert rows_of(second.content.decode()) == [f"Paged Dept {n:02d}" for n in range(4, -1, -1)]
    assert 'href="?q=paged&amp;sort=-name&amp;page=2"' in first
    assert "Page 1 of 2 · 55 tenants" in first
    # A column's link keeps the search and turns the current sort around.
    assert 'href="?q=paged&amp;sort=name"' in first


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "999"},
        {"page": "-1"},
        {"sort": "password"},
        {"level": "x"},
        {"partner": "1; select"},
        {"q": "%_\\'"},
    ],
)
def test_bad_parameters_answer_a_page_not_an_error(world: World, params: dict[str, str]) -> None:
    response = federal(world).get("/console/tenants/", params)

    assert response.status_code == 200


def test_the_partner_overview_lists_only_its_own_tenants_with_the_same_columns(
    world: World,
) -> None:
    other = Partner.objects.create(name="Rival Vendor", contact_email="r@example.org")
    mine = registry_tenant("Partner Own Dept", partner=world.partner)
    usage(mine, datetime.date(2026, 11, 28), active_month=4, storage=3_000_000)
    theirs = registry_tenant("Rival Owned Dept", partner=other)
    usage(theirs, datetime.date(2026, 11, 28), storage=9_000_000)
    client = signed_in_client(world.control_host, world.partner_user_email)
    base = f"/console/partner/{world.partner.pk}/"

    html = client.get(base).content.decode()
    tried = [
        client.get(base, params).content.decode()
        for params in ({"partner": str(other.pk)}, {"q": "rival"}, {"q": "sindh"})
    ]

    # Tenants an earlier test committed for this partner (a browser test's onboarding) are
    # its own too: every row is the partner's, and both of this test's are there.
    operated = set(Tenant.objects.filter(partner=world.partner).values_list("name", flat=True))
    assert {"Test Punjab", "Partner Own Dept"} <= set(rows_of(html)) <= operated
    assert "3.00 MB" in html and "<span>4</span> active this month" in html
    assert "Rival" not in html and world.sindh.tenant.name not in html
    assert all(rows_of(page) == [] for page in tried)
    assert all("Rival Owned Dept" not in page for page in tried)
    listed = instances(partner_id=world.partner.pk)
    summary = summarise(listed, usage_totals=True)
    assert summary.total == listed.count() == len(operated)
    assert summary.storage_bytes == sum(tenant.storage_bytes or 0 for tenant in listed)
    assert (summary.storage_bytes or 0) >= 3_000_000


def _queries(client: Client, url: str) -> int:
    # Counted cold: the summary is kept between requests (console.instance_list.summary_of).
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"sort": "-storage"})
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_tenants(world: World) -> None:
    federal_client = federal(world)
    partner_client = signed_in_client(world.control_host, world.partner_user_email)
    overview = f"/console/partner/{world.partner.pk}/"
    # Warm the session and the sites' caches so both counts start from the same place.
    federal_client.get("/console/tenants/")
    partner_client.get(overview)
    before = Tenant.objects.count()  # the world's two (and any a transactional test left)
    with_two = (_queries(federal_client, "/console/tenants/"), _queries(partner_client, overview))

    parent = world.punjab.tenant
    for n in range(6):
        tenant = registry_tenant(
            f"Counted Dept {n}", partner=world.partner, parent=parent, domain=f"c{n}.localhost"
        )
        subscribe(tenant, f"Plan{n}")
        TenantRollup.objects.create(
            tenant=tenant, officers=n, officers_signed_in_7d=0, computed_at=timezone.now()
        )
        usage(tenant, datetime.date(2026, 11, 28))
        failed_collection(tenant, datetime.date(2026, 11, 29), timezone.now())
        month_figures(tenant, MONTH, **LEVEL_2)
    assert Tenant.objects.count() == before + 6
    with_eight = (_queries(federal_client, "/console/tenants/"), _queries(partner_client, overview))

    assert with_eight == with_two


def test_the_summary_counts_states_levels_and_attention_in_sql(world: World) -> None:
    before = summarise(instances())
    registry_tenant("Summary Suspended", state=Tenant.State.SUSPENDED)
    leveled = registry_tenant("Summary Leveled")
    usage(leveled, datetime.date(2026, 11, 28))
    month_figures(leveled, MONTH, **LEVEL_2)
    registry_tenant("Summary Failed", state=Tenant.State.PROVISIONING_FAILED)

    every = instances()
    with CaptureQueriesContext(connection) as queries:
        summary = summarise(every)

    states = dict(summary.state_counts)
    # One grouped aggregate over the tenants, and two counts over the failures of the hour.
    assert len([q for q in queries if q["sql"].startswith("SELECT")]) == 3
    earlier = dict(before.state_counts)
    assert summary.total == Tenant.objects.count() == before.total + 3
    assert states[Tenant.State.SUSPENDED] == earlier[Tenant.State.SUSPENDED] + 1
    assert states[Tenant.State.PROVISIONING_FAILED] == earlier[Tenant.State.PROVISIONING_FAILED] + 1
    assert summary.level_counts[2] == before.level_counts[2] + 1
    assert sum(summary.level_counts.values()) == summary.total
    # The suspended tenant was never collected but was registered now: not yet due.
    assert summary.attention == before.attention + 1  # the failed provisioning
    html = federal(world).get("/console/tenants/").content.decode()
    assert f'href="?level=2"><span class="stat-value">{summary.level_counts[2]}<' in html


def test_the_tenant_page_shows_its_health_level_and_latest_month(world: World) -> None:
    now = timezone.now()
    tenant = world.punjab.tenant
    usage(tenant, datetime.date(2026, 11, 27), at=now - datetime.timedelta(hours=30))
    for minutes in (50, 20):
        failed_collection(
            tenant, datetime.date(2026, 11, 28), now - datetime.timedelta(minutes=minutes)
        )
    month_figures(
        tenant,
        MONTH,
        receipts_electronic=9,
        receipts_physical=1,
        storage_bytes=4_000,
        **LEVEL_2,
    )

    html = federal(world).get(f"/console/tenants/{tenant.pk}/").content.decode()

    health = html[html.index('id="health-title"') : html.index("<h2>History</h2>")]
    assert "figures of 27 Nov 2026" in health
    assert "failed" in health and "schema t_x timed out" in health
    assert health.count("28 Nov 2026: ") == 2  # both recent failures
    assert "Needs attention" in health
    # 1 of 10 trained, 5 of 10 active, 9 of 10 receipts electronic; no letters: level 3.
    assert 'level-pill-3">3<' in health and "October 2026" in health
    assert "9 electronic, 1 physical" in health and "90.0%" in health and "4.00 kB" in health
    assert "Errors, last hour</dt><dd>2<" in health


def test_the_report_link_is_given_only_where_the_report_page_exists() -> None:
    from django.urls import NoReverseMatch

    from console.instance_health import report_url

    with mock.patch("console.instance_health.reverse", return_value="/console/report/"):
        assert report_url(MONTH) == "/console/report/?month=2026-10"
    with mock.patch("console.instance_health.reverse", side_effect=NoReverseMatch("none")):
        assert report_url(MONTH) is None


def test_the_kept_summary_follows_new_failures_and_never_crosses_scopes(world: World) -> None:
    client = federal(world)
    partner_client = signed_in_client(world.control_host, world.partner_user_email)
    overview = f"/console/partner/{world.partner.pk}/"
    first = client.get("/console/tenants/").context["summary"]
    mine = partner_client.get(overview).context["summary"]
    assert mine.total < first.total  # the partner's own summary, not the federal one kept

    failed_collection(world.punjab.tenant, datetime.date(2026, 11, 29), timezone.now())

    after = client.get("/console/tenants/").context["summary"]
    assert after.errors_last_hour == first.errors_last_hour + 1


def test_a_search_with_a_nul_character_is_only_a_search(world: World) -> None:
    response = federal(world).get("/console/tenants/", {"q": "Pun\x00jab"})
    assert response.status_code == 200
