"""Four eyes on whatever opens a post's work to someone.

Being administrator gives no access to content: an administrator can never post, give
additional charge, transfer or delegate a post to their own account (another administrator
must, with a reason), and every posting, transfer and delegation is told to the post's
reporting officer in their e-office, and to nobody else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_account
from eoffice.models import Delegation, Grading, Notice, NoticeRead, OrgChange, Posting
from eoffice.selectors.access import can_see, desk_of
from eoffice.selectors.notices import reporting_officers
from eoffice.services import org_chart as services
from eoffice.services.notices import mark_notices_read
from tests.conftest import PASSWORD, World, signed_in_client
from tests.eoffice.chart import (
    ORIGIN,
    PUNJAB_SITE,
    Chart,
    days_from_now,
    register,
    tenant_admin,
)

pytestmark = pytest.mark.django_db

SECOND_ADMIN = "second.admin@punjab.example"


def text(response: HttpResponse) -> str:
    return unescape(response.content.decode())


def second_admin() -> User:
    return User.objects.filter(email=SECOND_ADMIN).first() or create_account(
        email=SECOND_ADMIN, full_name="Second Admin", is_staff=True, password=PASSWORD
    )


def can_sign_in(officer: User) -> User:
    officer.set_password(PASSWORD)
    officer.save(update_fields=["password"])
    return officer


@dataclass(frozen=True)
class Opening:
    """One way of opening a post's work to an officer, by service and by HTTP."""

    name: str
    refusal: str  # the start of the message refusing the acting administrator's own account
    notice: str  # the notice the reporting officer reads, with {officer} and {post}

    def by_service(self, post_id: int, officer: User, actor: User, reason: str = "") -> object:
        today = timezone.localdate()
        common: dict[str, Any] = {"post_id": post_id, "actor": actor, "origin": ORIGIN}
        if self.name == "delegation":
            return services.delegate_post(
                delegate_id=officer.pk,
                from_date=today,
                to_date=days_from_now(7),
                reason=reason,
                **common,
            )
        if self.name == "transfer":
            return services.transfer_post(on=today, officer_id=officer.pk, reason=reason, **common)
        return services.post_officer(
            from_date=today,
            officer_id=officer.pk,
            is_additional_charge=self.name == "additional charge",
            reason=reason,
            **common,
        )

    def form(self, officer: User, reason: str = "") -> tuple[str, dict[str, object]]:
        """The Manage page's path under the post, and what its form posts."""
        today = timezone.localdate().isoformat()
        if self.name == "delegation":
            data = {
                "delegate_id": officer.pk,
                "from_date": today,
                "to_date": days_from_now(7).isoformat(),
                "reason": reason,
            }
            return "delegations/new/", data
        if self.name == "transfer":
            return "transfer/", {"officer_id": officer.pk, "on": today, "reason": reason}
        data = {"officer_id": officer.pk, "from_date": today, "reason": reason}
        if self.name == "additional charge":
            data["is_additional_charge"] = "on"
        return "postings/new/", data


OPENINGS = [
    Opening("posting", "You cannot post yourself", "{officer} is posted to {post}"),
    Opening(
        "additional charge",
        "You cannot give yourself additional charge",
        "{officer} is given additional charge of {post}",
    ),
    Opening(
        "transfer", "You cannot transfer a post to yourself", "{post} is transferred to {officer}"
    ),
    Opening("delegation", "You cannot delegate a post to yourself", "{officer} acts for {post}"),
]
BY_NAME = {opening.name: opening for opening in OPENINGS}


def vacate(chart: Chart, abbreviation: str) -> None:
    """Relieves the post's holder, so that a regular posting to it is possible."""
    Posting.objects.filter(post=chart.post(abbreviation)).update(
        to_date=timezone.localdate() - timedelta(days=1)
    )


def nothing_opened(post_id: int, officer: User) -> bool:
    return (
        not Posting.objects.filter(post_id=post_id, officer=officer).exists()
        and not Delegation.objects.filter(post_id=post_id, delegate=officer).exists()
        and not Notice.objects.exists()
        and not OrgChange.objects.exists()
        and post_id not in desk_of(officer).post_ids
    )


@pytest.mark.parametrize("opening", OPENINGS, ids=lambda o: o.name)
def test_an_administrator_cannot_open_a_secret_post_to_themselves_by_service(
    chart: Chart, opening: Opening
) -> None:
    admin = tenant_admin()
    post = chart.post("SO(Admin)")
    secret = register(chart, grading=Grading.SECRET)
    if opening.name == "posting":
        vacate(chart, "SO(Admin)")

    with pytest.raises(ValidationError) as refused:
        opening.by_service(post.pk, admin, admin, reason="I want to read it")

    field = "delegate_id" if opening.name == "delegation" else "officer_id"
    assert str(refused.value.message_dict[field][0]).startswith(opening.refusal)
    assert "Another administrator must" in refused.value.message_dict[field][0]
    assert nothing_opened(post.pk, admin)
    assert not can_see(desk_of(admin), secret)


@pytest.mark.parametrize("opening", OPENINGS, ids=lambda o: o.name)
def test_an_administrator_cannot_open_a_post_to_themselves_over_http(
    chart: Chart, world: World, opening: Opening
) -> None:
    post = chart.post("SO(Admin)")
    if opening.name == "posting":
        vacate(chart, "SO(Admin)")
    admin = tenant_admin()
    client = signed_in_client(world.punjab.host, world.punjab.admin_email)
    path, data = opening.form(admin, reason="I want to read it")

    page = client.post(f"/manage/posts/{post.pk}/{path}", data)

    assert page.status_code == 200
    assert opening.refusal in text(page)
    assert nothing_opened(post.pk, admin)


@pytest.mark.parametrize("opening", OPENINGS, ids=lambda o: o.name)
def test_another_administrator_opens_it_only_with_a_reason(chart: Chart, opening: Opening) -> None:
    admin, other = tenant_admin(), second_admin()
    post = chart.post("SO(Admin)")
    if opening.name == "posting":
        vacate(chart, "SO(Admin)")

    with pytest.raises(ValidationError) as no_reason:
        opening.by_service(post.pk, admin, other)
    assert "is an administrator of this e-office: give the reason" in str(
        no_reason.value.message_dict["reason"]
    )
    assert nothing_opened(post.pk, admin)

    opening.by_service(post.pk, admin, other, reason="Section officer on leave")

    change = OrgChange.objects.get()
    assert change.officer == other
    assert change.summary.endswith("; reason: Section officer on leave")
    notice = Notice.objects.get(recipient=chart.officers["ds"])
    assert (notice.officer, notice.actor, notice.reason) == (
        admin,
        other,
        "Section officer on leave",
    )


def test_another_administrator_gives_a_reason_over_http(chart: Chart, world: World) -> None:
    admin, other = tenant_admin(), second_admin()
    post = chart.post("SO(Admin)")
    client = signed_in_client(world.punjab.host, SECOND_ADMIN)
    path, data = BY_NAME["additional charge"].form(admin, reason="Audit of the section")

    page = client.post(f"/manage/posts/{post.pk}/{path}", data, follow=True)

    assert "holds additional charge of SO(Admin)" in text(page)
    posting = Posting.objects.get(post=post, officer=admin)
    assert posting.is_additional_charge
    assert OrgChange.objects.get().officer == other
    assert {n.reason for n in Notice.objects.all()} == {"Audit of the section"}


def test_an_import_never_posts_an_administrator(chart: Chart) -> None:
    admin = tenant_admin()
    officers = f"full_name,email,post\nThe Admin,{admin.email},SO(Budget)\n"
    Posting.objects.filter(post=chart.post("SO(Budget)")).delete()

    with pytest.raises(ValidationError) as refused:
        services.check_import(officers=officers)

    assert "Line 2:" in refused.value.message_dict["officers"][0]
    assert "is an administrator of this e-office" in refused.value.message_dict["officers"][0]
    with pytest.raises(ValidationError):
        services.import_org_chart(officers=officers, actor=second_admin(), origin=ORIGIN)
    assert not Posting.objects.filter(officer=admin).exists()


@pytest.mark.parametrize("opening", OPENINGS, ids=lambda o: o.name)
def test_the_reporting_officer_is_told_and_only_they(
    chart: Chart, world: World, opening: Opening
) -> None:
    # SO(Admin) reports to DS(Admin): its holder is told, and so is SO(Admin)'s own holder
    # (whose work it is); the officer given the post, an officer elsewhere and the
    # administrators are not.
    post = chart.post("SO(Admin)")
    told = ["ds", "so"]
    if opening.name == "posting":
        vacate(chart, "SO(Admin)")
        told = ["ds"]
    sob = chart.officers["sob"]
    opening.by_service(post.pk, sob, tenant_admin())
    expected = opening.notice.format(officer="SOB Officer", post="SO(Admin)")

    ds = can_sign_in(chart.officers["ds"])
    reader = signed_in_client(world.punjab.host, ds.email)
    page = text(reader.get("/notices/"))
    assert expected in page
    assert f"by {tenant_admin().full_name or tenant_admin().email}" in page
    home = text(reader.get("/inbox/"))
    assert 'class="badge notices-unread">1<' in home

    for who in {"so", "sob", "secy", "ao"} - set(told):
        officer = can_sign_in(chart.officers[who])
        other = signed_in_client(world.punjab.host, officer.email)
        assert expected not in text(other.get("/notices/")), who
        assert "notices-unread" not in text(other.get("/inbox/")), who
    for email in (world.punjab.admin_email, world.punjab.officer_email):
        assert expected not in text(signed_in_client(world.punjab.host, email).get("/notices/"))
    sindh = signed_in_client(world.sindh.host, world.sindh.officer_email)
    assert expected not in text(sindh.get("/notices/"))
    with schema_context(world.punjab.tenant.schema_name):
        assert {n.recipient for n in Notice.objects.all()} == {chart.officers[w] for w in told}


def test_another_tenant_sees_none_of_the_notices(chart: Chart, world: World) -> None:
    services.post_officer(
        post_id=chart.post("SO(Admin)").pk,
        from_date=timezone.localdate(),
        officer_id=chart.officers["sob"].pk,
        is_additional_charge=True,
        actor=tenant_admin(),
        origin=ORIGIN,
    )

    with schema_context(world.sindh.tenant.schema_name):
        assert not Notice.objects.exists()
    sindh_admin = signed_in_client(world.sindh.host, world.sindh.admin_email)
    assert "SOB Officer" not in text(sindh_admin.get("/notices/"))
    assert sindh_admin.post("/notices/read/").status_code == 302
    with schema_context(world.punjab.tenant.schema_name):
        assert not NoticeRead.objects.exists()


def test_marking_read_clears_the_badge_and_keeps_the_notice(chart: Chart, world: World) -> None:
    BY_NAME["delegation"].by_service(
        chart.post("SO(Admin)").pk, chart.officers["sob"], tenant_admin()
    )
    ds = can_sign_in(chart.officers["ds"])
    reader = signed_in_client(world.punjab.host, ds.email)

    assert reader.post("/notices/read/").status_code == 302

    assert "notices-unread" not in text(reader.get("/inbox/"))
    assert "SOB Officer acts for SO(Admin)" in text(reader.get("/notices/"))
    assert NoticeRead.objects.get().notice == Notice.objects.get(recipient=ds)
    assert mark_notices_read(officer=ds) == 0


def test_notices_are_append_only(chart: Chart) -> None:
    BY_NAME["additional charge"].by_service(
        chart.post("SO(Budget)").pk, chart.officers["ao"], tenant_admin()
    )
    mark_notices_read(officer=chart.officers["ds"])

    for table in (Notice, NoticeRead):
        with pytest.raises(DatabaseError), transaction.atomic():
            table.objects.all().update(at=timezone.now())
        with pytest.raises(DatabaseError), transaction.atomic():
            table.objects.all().delete()


def test_at_the_top_of_the_chart_the_posts_own_holder_is_told(chart: Chart) -> None:
    BY_NAME["additional charge"].by_service(
        chart.post("SECY").pk, chart.officers["ds"], tenant_admin()
    )

    assert [notice.recipient for notice in Notice.objects.all()] == [chart.officers["secy"]]


def test_a_vacant_reporting_post_passes_the_notice_up(chart: Chart) -> None:
    vacate(chart, "DS(Admin)")

    assert reporting_officers(chart.post("SO(Admin)"), timezone.localdate()) == [
        chart.officers["secy"],
        chart.officers["so"],
    ]


def test_an_administrator_who_holds_the_reporting_post_is_passed_over(chart: Chart) -> None:
    # An administrator who also holds DS(Admin) cannot be the one told of what they do.
    admin = tenant_admin()
    Posting.objects.filter(post=chart.post("DS(Admin)")).update(officer=admin)

    BY_NAME["additional charge"].by_service(
        chart.post("SO(Admin)").pk, chart.officers["sob"], admin
    )

    assert {notice.recipient for notice in Notice.objects.all()} == {
        chart.officers["secy"],
        chart.officers["so"],
    }


def _post_new_officer(post_id: int, name: str, email: str, admin: User, **options: Any) -> Posting:
    return services.post_officer(
        post_id=post_id,
        from_date=timezone.localdate(),
        new_officer=services.NewOfficer(name, email),
        site=PUNJAB_SITE,
        actor=admin,
        origin=ORIGIN,
        **options,
    )


def test_a_reporting_line_moved_under_an_administrators_own_account_is_still_seen(
    chart: Chart,
) -> None:
    # A lone administrator makes a vacant top post, posts an account whose mailbox they hold to
    # it, moves a Secret post's reporting line under it, then gives a second such account the
    # Secret post's additional charge. Each step is seen by the officers whose work it is.
    admin = tenant_admin()
    register(chart, grading=Grading.SECRET)  # held by SO(Admin)
    so = chart.post("SO(Admin)")
    top = services.create_post(
        abbreviation="OSD",
        designation="Officer on special duty",
        office_id=so.office_id,
        actor=admin,
        origin=ORIGIN,
    )
    _post_new_officer(top.pk, "Puppet One", "admin+1@punjab.example", admin)
    services.update_post(
        post_id=so.pk,
        abbreviation=so.abbreviation,
        designation=so.designation,
        office_id=so.office_id,
        reports_to_id=top.pk,
        actor=admin,
        origin=ORIGIN,
    )
    moved = {n.recipient for n in Notice.objects.filter(kind=Notice.Kind.REPORTING_CHANGED)}
    assert {chart.officers["so"], chart.officers["ds"]} <= moved

    _post_new_officer(
        so.pk, "Puppet Two", "admin+2@punjab.example", admin, is_additional_charge=True
    )

    charged = {n.recipient for n in Notice.objects.filter(kind=Notice.Kind.ADDITIONAL_CHARGE)}
    assert chart.officers["so"] in charged  # the Secret post's own holder is told


def test_graded_work_is_never_opened_when_nobody_else_would_be_told(chart: Chart) -> None:
    # SO(Admin) holds a Secret receipt; with it and every post above it vacant and no other
    # administrator, an opening of it would be seen by nobody: it is refused.
    register(chart, grading=Grading.SECRET)
    for abbreviation in ("SO(Admin)", "DS(Admin)", "SECY"):
        vacate(chart, abbreviation)
    admin = tenant_admin()
    User.objects.filter(is_staff=True).exclude(pk=admin.pk).update(is_active=False)

    with pytest.raises(ValidationError, match="nobody but you would be told"):
        services.post_officer(
            post_id=chart.post("SO(Admin)").pk,
            from_date=timezone.localdate(),
            officer_id=chart.officers["sob"].pk,
            actor=admin,
            origin=ORIGIN,
        )
    assert not Posting.objects.filter(officer=chart.officers["sob"], post__abbreviation="SO(Admin)")

    # Another administrator is then told, and the posting goes ahead.
    other = second_admin()
    services.post_officer(
        post_id=chart.post("SO(Admin)").pk,
        from_date=timezone.localdate(),
        officer_id=chart.officers["sob"].pk,
        actor=admin,
        origin=ORIGIN,
    )
    assert [n.recipient for n in Notice.objects.all()] == [other]
