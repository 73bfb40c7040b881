"""The record of changes to the org chart and the registry's settings (eoffice.OrgChange): one
entry for each change an administrator makes, none for a refused one, never changed nor deleted,
listed on the History page to the administrators of the same e-office only."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.services import create_account
from eoffice.errors import Invalid
from eoffice.models import Category, Delegation, Holiday, Office, OrgChange, Posting
from eoffice.services import calendar, categories, numbering
from eoffice.services import org_chart as services
from eoffice.services.org_chart import NewOfficer
from tests.conftest import World, client_for, signed_in_client
from tests.eoffice.chart import (
    ORIGIN,
    PUNJAB_SITE,
    Chart,
    by_admin,
    days_from_now,
    delegate,
    register,
    tenant_admin,
)

pytestmark = pytest.mark.django_db


def iso(days: int = 0) -> str:
    return days_from_now(days).isoformat()


def office(code: str) -> Office:
    return Office.objects.get(code=code)


def recorded_by(change: Callable[[], object]) -> list[OrgChange]:
    """The entries that `change` records."""
    last = OrgChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    change()
    return list(OrgChange.objects.filter(pk__gt=last).order_by("pk"))


# --- Each kind of change: one entry, naming who, what, and where from -------------------------


@dataclass(frozen=True)
class Case:
    action: str
    # Prepares the chart if needed; returns the change to make and the summary it records.
    arrange: Callable[[Chart, World], tuple[Callable[[], object], str]]


def _office_created(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.create_office(
            code="LEGAL", name="Legal Wing", parent_id=office("SEC").pk, **by_admin()
        ),
        "Office Legal Wing (LEGAL) created under Secretariat (SEC)",
    )


def _office_renamed(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.rename_office(
            office_id=office("ADMIN").pk, name="  Administration   Section ", **by_admin()
        ),
        "Office ADMIN renamed from “Admin Section” to “Administration Section”",
    )


def _office_moved(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.move_office(office_id=office("BUDGET").pk, parent_id=None, **by_admin()),
        "Office Budget Section (BUDGET) moved from under Secretariat (SEC) to the top",
    )


def _post_created(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.create_post(
            abbreviation="SO(Lit)",
            designation="Section Officer (Litigation)",
            office_id=office("ADMIN").pk,
            reports_to_id=chart.post("DS(Admin)").pk,
            **by_admin(),
        ),
        "Post SO(Lit), “Section Officer (Litigation)”, created in Admin Section (ADMIN), "
        "reporting to DS(Admin)",
    )


def _post_updated(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.update_post(
            post_id=chart.post("AO(Admin)").pk,
            abbreviation="AO(Admin)",
            designation="Assistant Officer (Admin)",
            office_id=office("ADMIN").pk,
            reports_to_id=chart.post("DS(Admin)").pk,
            **by_admin(),
        ),
        "Post AO(Admin) updated: designation from “Assistant (Admin)” to “Assistant Officer "
        "(Admin)”; reporting post from SO(Admin) to DS(Admin)",
    )


def _officer_posted(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.post_officer(
            post_id=chart.post("SO(Budget)").pk,
            from_date=days_from_now(0),
            officer_id=chart.officers["ao"].pk,
            is_additional_charge=True,
            **by_admin(),
        ),
        f"AO Officer given additional charge of SO(Budget) from {iso()}",
    )


def _posting_ended(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    posting = Posting.objects.get(post=chart.post("SO(Budget)"))
    return (
        lambda: services.end_posting(
            posting_id=posting.pk, relieved_on=days_from_now(2), **by_admin()
        ),
        f"SOB Officer relieved of SO(Budget) on {iso(2)} (held from {iso(-30)})",
    )


def _post_transferred(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    register(chart)  # one receipt pending at SO(Admin)
    sana = create_account(email="sana@punjab.example", full_name="Sana Soomro")
    return (
        lambda: services.transfer_post(
            post_id=chart.post("SO(Admin)").pk,
            on=days_from_now(0),
            officer_id=sana.pk,
            **by_admin(),
        ),
        f"SO(Admin) transferred from SO Officer to Sana Soomro on {iso()}; 1 pending item passes",
    )


def _delegation_created(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.delegate_post(
            post_id=chart.post("SO(Admin)").pk,
            delegate_id=chart.officers["sob"].pk,
            from_date=days_from_now(1),
            to_date=days_from_now(7),
            reason="Leave",
            **by_admin(),
        ),
        f"SOB Officer acts for SO(Admin) from {iso(1)} to {iso(7)}; reason: Leave",
    )


def _delegation_revoked(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    delegation = delegate(chart, "sob", "SO(Admin)")
    return (
        lambda: services.revoke_delegation(delegation_id=delegation.pk, **by_admin()),
        f"Delegation of SO(Admin) to SOB Officer ({iso(-1)} to {iso(7)}) revoked",
    )


def _chart_imported(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.import_org_chart(
            offices="code,name,parent_code\nLEGAL,Legal Wing,SEC\nADMIN,Admin Section,SEC\n",
            posts="abbreviation,designation,office_code,reports_to\n"
            "DS(Legal),Deputy Secretary (Legal),LEGAL,SECY\n",
            officers="full_name,email,post\nLaila Legal,laila@punjab.example,DS(Legal)\n",
            site=PUNJAB_SITE,
            **by_admin(),
        ),
        "Chart imported from CSV: 1 office added, 1 post added and 1 officer posted (1 new "
        "account, invited by e-mail); 1 line already in place or kept",
    )


def _invitation_sent(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: services.send_officer_invitation(
            site=PUNJAB_SITE, officer=chart.officers["so"], **by_admin()
        ),
        "Invitation to set a password sent to SO Officer <so@punjab.example>",
    )


def _numbering_changed(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: numbering.set_pattern(pattern=" PB/{serial}/{year} ", **by_admin()),
        "File numbering pattern changed from {office}/{serial}/{year} to PB/{serial}/{year}",
    )


def _category_added(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: categories.add_category(code="hr", name="Human Resources", **by_admin()),
        "Category HR “Human Resources” added",
    )


def _category_withdrawn(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: categories.set_category_active(
            category_id=chart.category.pk, active=False, **by_admin()
        ),
        "Category GEN “General” withdrawn from the lists",
    )


def _category_offered(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    Category.objects.filter(code="LEG").update(is_active=False)
    return (
        lambda: categories.set_category_active(
            category_id=Category.objects.get(code="LEG").pk, active=True, **by_admin()
        ),
        "Category LEG “Legal” offered again",
    )


def _holiday_added(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: calendar.add_holiday(day=date(2026, 12, 24), name="Local holiday", **by_admin()),
        "Holiday 2026-12-24 “Local holiday” added",
    )


def _holiday_withdrawn(chart: Chart, world: World) -> tuple[Callable[[], object], str]:
    return (
        lambda: calendar.withdraw_holiday(
            holiday_id=Holiday.objects.get(day=date(2026, 11, 9)).pk, **by_admin()
        ),
        "Holiday 2026-11-09 “Iqbal Day” withdrawn",
    )


A = OrgChange.Action
CASES = [
    Case(A.OFFICE_CREATED, _office_created),
    Case(A.OFFICE_RENAMED, _office_renamed),
    Case(A.OFFICE_MOVED, _office_moved),
    Case(A.POST_CREATED, _post_created),
    Case(A.POST_UPDATED, _post_updated),
    Case(A.OFFICER_POSTED, _officer_posted),
    Case(A.POSTING_ENDED, _posting_ended),
    Case(A.POST_TRANSFERRED, _post_transferred),
    Case(A.DELEGATION_CREATED, _delegation_created),
    Case(A.DELEGATION_REVOKED, _delegation_revoked),
    Case(A.CHART_IMPORTED, _chart_imported),
    Case(A.INVITATION_SENT, _invitation_sent),
    Case(A.NUMBERING_CHANGED, _numbering_changed),
    Case(A.CATEGORY_ADDED, _category_added),
    Case(A.CATEGORY_WITHDRAWN, _category_withdrawn),
    Case(A.CATEGORY_OFFERED, _category_offered),
    Case(A.HOLIDAY_ADDED, _holiday_added),
    Case(A.HOLIDAY_WITHDRAWN, _holiday_withdrawn),
]


def test_every_kind_of_change_has_a_case() -> None:
    assert [case.action for case in CASES] == list(OrgChange.Action.values)


@pytest.mark.parametrize("case", CASES, ids=[case.action for case in CASES])
def test_each_change_leaves_exactly_one_entry(
    case: Case, chart: Chart, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    change, summary = case.arrange(chart, world)

    with django_capture_on_commit_callbacks(execute=True):
        entries = recorded_by(change)

    assert len(entries) == 1
    entry = entries[0]
    assert (entry.officer, entry.action, entry.summary) == (tenant_admin(), case.action, summary)
    assert (entry.ip_address, entry.user_agent) == (ORIGIN.ip_address, ORIGIN.user_agent)
    assert tenant_admin().email == world.punjab.admin_email
    assert timezone.now() - entry.at < timedelta(minutes=1)


def test_a_transfer_to_a_new_officer_says_so_in_its_single_entry(
    chart: Chart, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    post = chart.post("SO(Budget)")
    Posting.objects.create(
        officer=chart.officers["ao"],
        post=post,
        from_date=days_from_now(-5),
        is_additional_charge=True,
    )

    with django_capture_on_commit_callbacks(execute=True):
        entries = recorded_by(
            lambda: services.transfer_post(
                post_id=post.pk,
                on=days_from_now(3),
                new_officer=NewOfficer(full_name="Nadia New", email="Nadia@Punjab.example"),
                site=PUNJAB_SITE,
                **by_admin(),
            )
        )

    # The automatic invitation is part of the transfer: one entry, and the e-mail is sent.
    assert [(e.action, e.summary) for e in entries] == [
        (
            OrgChange.Action.POST_TRANSFERRED,
            "SO(Budget) transferred from SOB Officer and AO Officer (additional charge) to "
            f"Nadia New on {iso(3)}; 0 pending items pass; new account nadia@punjab.example, "
            "invited by e-mail",
        )
    ]
    assert mail.outbox[-1].to == ["nadia@punjab.example"]


@override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])  # the load balancer at 10.0.0.2
def test_changes_made_in_the_browser_name_the_administrator_and_their_address(
    chart: Chart, world: World
) -> None:
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)
    browser = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.23"}
    browser["HTTP_USER_AGENT"] = "Firefox/140.0"
    post = chart.post("SO(Admin)")

    admin.post(
        "/manage/offices/new/", {"code": "LEGAL", "name": "Legal Wing", "parent_id": ""}, **browser
    )
    admin.post(
        f"/manage/posts/{post.pk}/delegations/new/",
        {
            "delegate_id": chart.officers["sob"].pk,
            "from_date": iso(),
            "to_date": iso(4),
            "reason": "Tour",
        },
        **browser,
    )
    admin.post("/manage/settings/", {"pattern": "{office}-{serial}"}, **browser)
    admin.post("/manage/settings/categories/", {"code": "HR", "name": "HR"}, **browser)
    admin.post(f"/manage/officers/{chart.officers['so'].pk}/invite/", **browser)

    with schema_context(world.punjab.tenant.schema_name):
        entries = list(OrgChange.objects.order_by("pk"))
        delegation = Delegation.objects.get(reason="Tour")
        assert delegation.created_by.email == world.punjab.admin_email
    assert [e.action for e in entries] == [
        OrgChange.Action.OFFICE_CREATED,
        OrgChange.Action.DELEGATION_CREATED,
        OrgChange.Action.NUMBERING_CHANGED,
        OrgChange.Action.CATEGORY_ADDED,
        OrgChange.Action.INVITATION_SENT,
    ]
    assert {(e.officer.email, e.ip_address, e.user_agent) for e in entries} == {
        (world.punjab.admin_email, "198.51.100.23", "Firefox/140.0")
    }


# --- Refused, failed or empty changes record nothing ------------------------------------------


def test_a_refused_change_records_nothing(chart: Chart, world: World) -> None:
    so_admin, sob = chart.post("SO(Admin)"), chart.officers["sob"]
    revoked = delegate(chart, "sob", "SO(Budget)")
    revoked.revoked_at = timezone.now()
    revoked.save(update_fields=["revoked_at"])
    refused: list[Callable[[], object]] = [
        lambda: services.create_office(code="admin", name="Again", **by_admin()),
        lambda: services.rename_office(office_id=office("ADMIN").pk, name="  ", **by_admin()),
        lambda: services.move_office(
            office_id=office("SEC").pk, parent_id=office("ADMIN").pk, **by_admin()
        ),
        lambda: services.create_post(
            abbreviation="so(admin)", designation="Dup", office_id=office("ADMIN").pk, **by_admin()
        ),
        lambda: services.update_post(
            post_id=chart.post("SECY").pk,
            abbreviation="SECY",
            designation="Secretary",
            office_id=office("SEC").pk,
            reports_to_id=chart.post("AO(Admin)").pk,
            **by_admin(),
        ),
        lambda: services.post_officer(
            post_id=so_admin.pk, from_date=days_from_now(0), officer_id=sob.pk, **by_admin()
        ),
        lambda: services.end_posting(
            posting_id=Posting.objects.get(post=so_admin).pk,
            relieved_on=days_from_now(-40),
            **by_admin(),
        ),
        lambda: services.transfer_post(
            post_id=so_admin.pk,
            on=days_from_now(0),
            officer_id=chart.officers["so"].pk,
            **by_admin(),
        ),
        lambda: services.delegate_post(
            post_id=so_admin.pk,
            delegate_id=sob.pk,
            from_date=days_from_now(-9),
            to_date=days_from_now(-2),
            **by_admin(),
        ),
        lambda: services.revoke_delegation(delegation_id=revoked.pk, **by_admin()),
        lambda: services.import_org_chart(
            offices="code,name,parent_code\nLEGAL,Legal Wing,NOWHERE\n", **by_admin()
        ),
        lambda: numbering.set_pattern(pattern="{office}/{year}", **by_admin()),
        lambda: categories.add_category(code="GEN", name="General again", **by_admin()),
        lambda: categories.set_category_active(category_id=0, active=False, **by_admin()),
    ]

    for attempt in refused:
        with pytest.raises((ValidationError, Invalid)):
            attempt()

    assert not OrgChange.objects.exists()


def test_a_change_that_changes_nothing_records_nothing(chart: Chart) -> None:
    post = chart.post("AO(Admin)")
    unchanged: list[Callable[[], object]] = [
        lambda: services.rename_office(
            office_id=office("ADMIN").pk, name="Admin Section", **by_admin()
        ),
        lambda: services.move_office(
            office_id=office("ADMIN").pk, parent_id=office("SEC").pk, **by_admin()
        ),
        lambda: services.update_post(
            post_id=post.pk,
            abbreviation=post.abbreviation,
            designation=post.designation,
            office_id=post.office_id,
            reports_to_id=post.reports_to_id,
            **by_admin(),
        ),
        lambda: services.import_org_chart(
            offices="code,name,parent_code\nADMIN,Admin Section,SEC\n", **by_admin()
        ),
        lambda: numbering.set_pattern(pattern="{office}/{serial}/{year}", **by_admin()),
        lambda: categories.set_category_active(
            category_id=chart.category.pk, active=True, **by_admin()
        ),
    ]

    for attempt in unchanged:
        attempt()

    assert not OrgChange.objects.exists()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_invitation_the_mail_server_refuses_records_nothing(
    chart: Chart, world: World, settings: Any
) -> None:
    # A real SMTP connection to a port nobody listens on: the mail server is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)

    page = admin.post(f"/manage/officers/{chart.officers['so'].pk}/invite/", follow=True)

    assert "could not be sent just now" in page.content.decode()
    with schema_context(world.punjab.tenant.schema_name):
        assert not OrgChange.objects.exists()


def test_an_officer_who_is_not_an_administrator_changes_nothing_and_records_nothing(
    chart: Chart, world: World
) -> None:
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)

    refused = [
        officer.post("/manage/offices/new/", {"code": "X", "name": "Sneaky"}),
        officer.post("/manage/settings/", {"pattern": "{serial}"}),
        officer.post("/manage/settings/categories/", {"code": "X", "name": "X"}),
        officer.post(f"/manage/officers/{chart.officers['so'].pk}/invite/"),
    ]

    assert [response.status_code for response in refused] == [403] * 4
    with schema_context(world.punjab.tenant.schema_name):
        assert not OrgChange.objects.exists()
        assert not Office.objects.filter(code="X").exists()


# --- The database keeps the record as written --------------------------------------------------


def _refused_by_database(attempt: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        attempt()


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_entries_are_never_changed_or_deleted(chart: Chart) -> None:
    (entry,) = recorded_by(
        lambda: services.create_office(code="LEGAL", name="Legal Wing", **by_admin())
    )
    rows = OrgChange.objects.filter(pk=entry.pk)

    _refused_by_database(lambda: rows.update(summary="nothing happened"))
    _refused_by_database(lambda: rows.update(officer=chart.officers["so"]))
    _refused_by_database(lambda: rows.delete())
    _refused_by_database(lambda: _raw("UPDATE eoffice_orgchange SET ip_address = NULL"))
    _refused_by_database(lambda: _raw("DELETE FROM eoffice_orgchange"))

    entry.refresh_from_db()
    assert (entry.summary, entry.officer, entry.ip_address) == (
        "Office Legal Wing (LEGAL) created at the top",
        tenant_admin(),
        ORIGIN.ip_address,
    )


# --- The History page --------------------------------------------------------------------------


def test_the_history_lists_changes_newest_first_and_filters_them(
    chart: Chart, world: World
) -> None:
    services.create_office(code="LEGAL", name="Legal Wing", **by_admin())
    services.rename_office(office_id=office("LEGAL").pk, name="Law Wing", **by_admin())
    categories.add_category(code="HR", name="Human Resources", **by_admin())
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)

    page = admin.get("/manage/history/")

    html = unescape(page.content.decode())
    assert page.status_code == 200
    assert '<a href="/manage/history/" aria-current="page">History</a>' in html
    summaries = [
        "Category HR “Human Resources” added",
        "Office LEGAL renamed from “Legal Wing” to “Law Wing”",
        "Office Legal Wing (LEGAL) created at the top",
    ]
    assert [html.index(s) for s in summaries] == sorted(html.index(s) for s in summaries)
    assert "Test Punjab Admin" in html
    assert ORIGIN.ip_address and ORIGIN.ip_address in html
    assert "Office renamed" in html

    renamed = unescape(admin.get("/manage/history/?action=office_renamed").content.decode())
    assert summaries[1] in renamed
    assert summaries[0] not in renamed and summaries[2] not in renamed
    assert '<option value="office_renamed" selected>' in renamed
    unknown = admin.get("/manage/history/?action=nonsense")
    assert all(s in unescape(unknown.content.decode()) for s in summaries)


def test_the_history_shows_fifty_changes_a_page(chart: Chart, world: World) -> None:
    for number in range(51):
        categories.add_category(code=f"C{number}", name=f"Category {number}", **by_admin())
    admin = signed_in_client(world.punjab.host, world.punjab.admin_email)

    first = unescape(admin.get("/manage/history/").content.decode())
    second = unescape(admin.get("/manage/history/?page=2").content.decode())

    assert first.count("<tr>") - 1 == 50 and "Category C50 “Category 50” added" in first
    assert "Page 1 of 2 · 51 changes" in first
    assert second.count("<tr>") - 1 == 1 and "Category C0 “Category 0” added" in second


def test_the_history_is_refused_to_an_officer_who_is_not_an_administrator(
    chart: Chart, world: World
) -> None:
    services.create_office(code="LEGAL", name="Legal Wing", **by_admin())
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)

    page = officer.get("/manage/history/")

    assert page.status_code == 403
    assert "Legal Wing" not in page.content.decode()


def test_sindhs_administrator_does_not_see_punjabs_history(chart: Chart, world: World) -> None:
    services.create_office(code="LEGAL", name="Punjab Legal Wing", **by_admin())
    sindh = world.sindh.tenant.schema_name
    with schema_context(sindh):
        services.create_office(code="LEGAL", name="Sindh Legal Wing", **by_admin())
        assert OrgChange.objects.get().officer.email == world.sindh.admin_email
    sindh_admin = signed_in_client(world.sindh.host, world.sindh.admin_email)

    page = sindh_admin.get("/manage/history/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Sindh Legal Wing" in html
    assert "Punjab Legal Wing" not in html
    with schema_context(sindh):
        assert OrgChange.objects.count() == 1


def test_the_history_reads_in_urdu_with_the_summary_as_recorded(chart: Chart, world: World) -> None:
    services.create_office(code="LEGAL", name="Legal Wing", **by_admin())
    admin = tenant_admin()
    admin.language = "ur"
    admin.save(update_fields=["language"])
    client = client_for(world.punjab.host)
    client.force_login(admin)

    html = client.get("/manage/history/").content.decode()

    assert "تبدیلیوں کا تاریخچہ" in html
    assert "دفتر بنایا گیا" in html  # the kind of change, translated
    assert "Office Legal Wing (LEGAL) created at the top" in html  # the summary, as written
    assert "History of changes" not in html
