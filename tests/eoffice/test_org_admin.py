"""The tenant administrator's org chart screens: offices, posts, postings and delegations;
refused to everyone else, and confined to the administrator's own e-office."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from eoffice.models import Delegation, Office, Post, Posting
from eoffice.selectors.access import desk_of
from eoffice.services import receipts
from eoffice.services.org_chart import move_office
from tests.conftest import PASSWORD, World, client_for, signed_in_client
from tests.eoffice.chart import ORIGIN, Chart, by_admin, days_from_now, receipt_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world: World) -> Client:
    return signed_in_client(world.punjab.host, world.punjab.admin_email)


def text(response: HttpResponse) -> str:
    """The page as a reader sees it (apostrophes and the like unescaped)."""
    return unescape(response.content.decode())


def today() -> str:
    return timezone.localdate().isoformat()


def in_punjab(world: World) -> Any:
    return schema_context(world.punjab.tenant.schema_name)


def page_urls(chart: Chart) -> list[str]:
    """Every page of the screens, for a chart with a posting and a delegation."""
    post = chart.post("SO(Admin)")
    posting = Posting.objects.get(post=post)
    delegation = Delegation.objects.create(
        post=post,
        delegate=chart.officers["sob"],
        from_date=timezone.localdate(),
        to_date=days_from_now(3),
        created_by=chart.officers["secy"],
    )
    office = Office.objects.get(code="ADMIN")
    return [
        "/manage/",
        "/manage/offices/new/",
        f"/manage/offices/{office.pk}/",
        "/manage/posts/new/",
        f"/manage/posts/{post.pk}/",
        f"/manage/posts/{post.pk}/postings/new/",
        f"/manage/posts/{post.pk}/transfer/",
        f"/manage/posts/{post.pk}/delegations/new/",
        f"/manage/postings/{posting.pk}/end/",
        "/manage/delegations/",
        "/manage/import/",
        "/manage/import/offices.csv",
        "/manage/history/",
        # Pages that only accept POST; a GET is refused all the same.
        f"/manage/offices/{office.pk}/rename/",
        f"/manage/offices/{office.pk}/move/",
        f"/manage/delegations/{delegation.pk}/revoke/",
        f"/manage/officers/{chart.officers['so'].pk}/invite/",
    ]


POST_ONLY = ("/rename/", "/move/", "/revoke/", "/invite/")


def test_every_page_opens_for_the_administrator(chart: Chart, world: World, admin: Client) -> None:
    for url in page_urls(chart):
        response = admin.get(url)
        expected = 405 if url.endswith(POST_ONLY) else 200
        assert response.status_code == expected, url


def test_every_page_refuses_an_officer_who_is_not_an_administrator(
    chart: Chart, world: World
) -> None:
    officer = signed_in_client(world.punjab.host, world.punjab.officer_email)
    offices_before = Office.objects.count()

    for url in page_urls(chart):
        for method in (officer.get, officer.post):
            response = method(url, {"code": "X", "name": "Sneaky", "parent_id": ""})
            assert response.status_code == 403, url
            assert "Only the administrators of this e-office manage its org chart." in (
                response.content.decode()
            )
    with in_punjab(world):
        assert Office.objects.count() == offices_before
        assert Delegation.objects.get().revoked_at is None


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(world: World) -> None:
    response = client_for(world.punjab.host).get("/manage/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_punjabs_administrator_cannot_see_or_change_sindhs_chart(
    chart: Chart, world: World, admin: Client
) -> None:
    punjab_cookie = admin.cookies[settings.SESSION_COOKIE_NAME].value
    sindh = client_for(world.sindh.host)
    sindh.cookies[settings.SESSION_COOKIE_NAME] = punjab_cookie

    page = sindh.get("/manage/")
    created = sindh.post("/manage/offices/new/", {"code": "PWNED", "name": "Planted office"})

    for response in (page, created):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert not response.wsgi_request.user.is_authenticated
    # Punjab's administrator is an unknown user on Sindh's sign-in page.
    refused = client_for(world.sindh.host).post(
        "/accounts/login/", {"login": world.punjab.admin_email, "password": PASSWORD}
    )
    assert refused.status_code == 200
    with schema_context(world.sindh.tenant.schema_name):
        assert not Office.objects.filter(code="PWNED").exists()
        assert not User.objects.filter(email=world.punjab.admin_email).exists()


def test_sindhs_administrator_sees_only_sindhs_chart(chart: Chart, world: World) -> None:
    sindh_admin = signed_in_client(world.sindh.host, world.sindh.admin_email)
    punjab_post = chart.post("SO(Admin)")

    page = sindh_admin.get("/manage/")

    assert page.status_code == 200
    assert "SO(Admin)" not in page.content.decode()
    assert "No offices yet" in page.content.decode()
    assert sindh_admin.get(f"/manage/posts/{punjab_post.pk}/").status_code == 404


def test_the_chart_shows_offices_as_a_tree_with_holders_and_acting_officers(
    chart: Chart, world: World, admin: Client
) -> None:
    Delegation.objects.create(
        post=chart.post("SECY"),
        delegate=chart.officers["ds"],
        from_date=timezone.localdate(),
        to_date=days_from_now(5),
        created_by=chart.officers["secy"],
    )
    vacant = Post.objects.create(
        abbreviation="AS(Dev)",
        designation="Additional Secretary (Dev)",
        office=chart.post("SECY").office,
    )

    html = admin.get("/manage/").content.decode()

    assert html.index("Secretariat") < html.index("Admin Section") < html.index("Budget Section")
    assert "SO(Admin)" in html and "SO Officer" in html
    assert "acting until" in html and "DS Officer" in html
    assert f'href="/manage/posts/{vacant.pk}/postings/new/"' in html  # vacant: post an officer
    assert "Vacant" in html


def test_an_office_and_a_section_are_created_and_moved_but_never_into_a_loop(
    chart: Chart, world: World, admin: Client
) -> None:
    with in_punjab(world):
        secretariat = Office.objects.get(code="SEC")

    created = admin.post(
        "/manage/offices/new/",
        {"code": "LEGAL", "name": "Legal Wing", "parent_id": secretariat.pk},
        follow=True,
    )
    assert "Legal Wing (LEGAL) is created." in created.content.decode()
    with in_punjab(world):
        legal = Office.objects.get(code="LEGAL")
    assert legal.parent_id == secretariat.pk
    section = admin.post(
        "/manage/offices/new/", {"code": "LIT", "name": "Litigation", "parent_id": legal.pk}
    )
    assert section.status_code == 302

    looping = admin.post(f"/manage/offices/{secretariat.pk}/move/", {"parent_id": legal.pk})
    html = looping.content.decode()
    assert looping.status_code == 200
    assert 'id="id_parent_id_error"' in html
    # The form offers neither the office itself nor its sections, and the service refuses too.
    assert "Select a valid choice." in html
    move_form = html[html.index('id="move-heading"') :]
    assert f'<option value="{legal.pk}"' not in move_form.split("</select>")[0]
    with in_punjab(world), pytest.raises(ValidationError) as loop:
        move_office(
            office_id=secretariat.pk, parent_id=Office.objects.get(code="LIT").pk, **by_admin()
        )
    assert loop.value.message_dict["parent_id"] == [
        "Litigation (LIT) lies inside Secretariat (SEC); an office cannot be moved under itself "
        "or one of its own sections."
    ]

    moved = admin.post(f"/manage/offices/{legal.pk}/move/", {"parent_id": ""}, follow=True)
    assert "Legal Wing (LEGAL) is now a top-level office." in moved.content.decode()
    renamed = admin.post(f"/manage/offices/{legal.pk}/rename/", {"name": "Law Wing"}, follow=True)
    assert "The office is now called Law Wing (LEGAL)." in renamed.content.decode()
    with in_punjab(world):
        secretariat.refresh_from_db()
        legal.refresh_from_db()
        assert secretariat.parent_id is None
        assert legal.name == "Law Wing"
        assert legal.parent_id is None
        assert Office.objects.get(code="LIT").parent_id == legal.pk


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"code": "admin", "name": "Another"},
            "code",
            "Admin Section (ADMIN) already has this code.",
        ),
        ({"code": "A*B", "name": "Odd"}, "code", "Use letters, digits, spaces"),
        ({"code": "NEW", "name": ""}, "name", "This field is required."),
    ],
)
def test_bad_office_input_is_shown_next_to_its_field(
    chart: Chart, world: World, admin: Client, data: dict[str, str], field: str, message: str
) -> None:
    response = admin.post("/manage/offices/new/", data)

    html = response.content.decode()
    assert response.status_code == 200
    errors = html[html.index(f'id="id_{field}_error"') :]
    assert message in errors[: errors.index("</ul>")]
    assert "nothing was changed" in html


def test_a_post_is_created_and_edited_but_never_reports_into_a_loop(
    chart: Chart, world: World, admin: Client
) -> None:
    with in_punjab(world):
        budget = Office.objects.get(code="BUDGET")
    secy, so = chart.post("SECY"), chart.post("SO(Admin)")

    created = admin.post(
        "/manage/posts/new/",
        {
            "abbreviation": "AO(Budget)",
            "designation": "Assistant (Budget)",
            "office_id": budget.pk,
            "reports_to_id": chart.post("SO(Budget)").pk,
        },
        follow=True,
    )
    assert "The post AO(Budget) is created." in created.content.decode()

    looping = admin.post(
        f"/manage/posts/{secy.pk}/",
        {
            "abbreviation": "SECY",
            "designation": "Secretary",
            "office_id": secy.office_id,
            "reports_to_id": so.pk,
        },
    )
    html = looping.content.decode()
    assert 'id="id_reports_to_id_error"' in html
    assert "SO(Admin) reports, directly or through others, to SECY" in html

    duplicate = admin.post(
        "/manage/posts/new/",
        {"abbreviation": "so(admin)", "designation": "Copy", "office_id": budget.pk},
    )
    assert "The post SO(Admin) already exists." in duplicate.content.decode()

    edited = admin.post(
        f"/manage/posts/{so.pk}/",
        {
            "abbreviation": "SO(Admn)",
            "designation": "Section Officer (Administration)",
            "office_id": budget.pk,
            "reports_to_id": secy.pk,
        },
        follow=True,
    )
    assert "SO(Admn) is saved." in edited.content.decode()
    with in_punjab(world):
        so.refresh_from_db()
        secy.refresh_from_db()
        assert (so.abbreviation, so.office_id, so.reports_to_id) == ("SO(Admn)", budget.pk, secy.pk)
        assert secy.reports_to_id is None
        # The holder and the work stay with the post whatever it is called.
        assert [h.post for h in desk_of(chart.officers["so"]).holdings] == [so]


def test_a_new_officer_is_posted_and_invited_to_set_a_password(
    chart: Chart, world: World, admin: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with in_punjab(world):
        post = Post.objects.create(
            abbreviation="SO(Legal)",
            designation="Section Officer (Legal)",
            office=chart.post("SECY").office,
        )

    with django_capture_on_commit_callbacks(execute=True):
        posted = admin.post(
            f"/manage/posts/{post.pk}/postings/new/",
            {
                "officer_id": "",
                "full_name": "Laila Legal",
                "email": "laila@punjab.example",
                "from_date": today(),
            },
            follow=True,
        )

    html = posted.content.decode()
    assert "Laila Legal is posted to SO(Legal) from" in html
    assert "An invitation to set a password is e-mailed to laila@punjab.example." in html
    assert "invitation not yet used" in html
    assert mail.outbox[-1].to == ["laila@punjab.example"]
    assert "e-office of Test Punjab" in mail.outbox[-1].subject
    link = re.search(r"https?://punjab\.localhost(?::\d+)?(/accounts/\S+)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body

    newcomer = client_for(world.punjab.host)
    form = newcomer.get(link.group(1), follow=True)
    set_password = newcomer.post(
        form.redirect_chain[-1][0],
        {"password1": "Fresh-Start-2027", "password2": "Fresh-Start-2027"},
    )
    assert set_password.status_code == 302
    signed_in_client(world.punjab.host, "laila@punjab.example", password="Fresh-Start-2027")
    with in_punjab(world):
        laila = User.objects.get(email="laila@punjab.example")
        assert [h.post for h in desk_of(laila).holdings] == [post]


def test_a_post_has_one_regular_holder_and_any_number_of_additional_charges(
    chart: Chart, world: World, admin: Client
) -> None:
    post = chart.post("SO(Admin)")
    url = f"/manage/posts/{post.pk}/postings/new/"

    second = admin.post(url, {"officer_id": chart.officers["sob"].pk, "from_date": today()})
    html = second.content.decode()
    assert 'id="id_officer_id_error"' in html
    assert "SO Officer holds SO(Admin) from" in html and "transfer it" in html

    both = admin.post(
        url,
        {
            "officer_id": chart.officers["sob"].pk,
            "full_name": "X",
            "email": "x@example.org",
            "from_date": today(),
        },
    )
    assert "not both" in both.content.decode()
    neither = admin.post(url, {"from_date": today()})
    assert "Choose an officer, or give a new officer's name and e-mail." in text(neither)
    nameless = admin.post(url, {"email": "x@example.org", "from_date": today()})
    assert "Give the new officer's full name." in text(nameless)

    charged = admin.post(
        url,
        {
            "officer_id": chart.officers["sob"].pk,
            "from_date": today(),
            "is_additional_charge": "on",
        },
        follow=True,
    )
    assert "SOB Officer holds additional charge of SO(Admin) from" in charged.content.decode()
    with in_punjab(world):
        holdings = desk_of(chart.officers["sob"]).holdings
        assert [(h.post.abbreviation, h.via) for h in holdings] == [
            ("SO(Budget)", "posted"),
            ("SO(Admin)", "additional charge"),
        ]


def test_ending_a_posting_relieves_the_officer_and_keeps_the_record(
    chart: Chart, world: World, admin: Client
) -> None:
    posting = Posting.objects.get(post=chart.post("SO(Admin)"))
    receipt = receipts.register_receipt(
        desk=chart.desk("so"), details=receipt_details(chart), origin=ORIGIN
    )

    page = admin.get(f"/manage/postings/{posting.pk}/end/")
    assert "1 pending receipt or file stays with the post." in page.content.decode()
    too_early = admin.post(
        f"/manage/postings/{posting.pk}/end/",
        {"relieved_on": (posting.from_date - timedelta(days=1)).isoformat()},
    )
    assert "the officer cannot be relieved before it" in too_early.content.decode()

    ended = admin.post(f"/manage/postings/{posting.pk}/end/", {"relieved_on": today()}, follow=True)

    assert "SO Officer is relieved of SO(Admin) on" in ended.content.decode()
    with in_punjab(world):
        posting.refresh_from_db()
        assert posting.to_date == timezone.localdate() - timedelta(days=1)
        assert desk_of(chart.officers["so"]).holdings == []
        assert Posting.objects.filter(pk=posting.pk).exists()
        assert receipt.holder_post_id == chart.post("SO(Admin)").pk


def test_a_delegation_is_made_and_revoked_never_deleted(
    chart: Chart, world: World, admin: Client
) -> None:
    post, delegate = chart.post("SO(Admin)"), chart.officers["sob"]
    url = f"/manage/posts/{post.pk}/delegations/new/"

    backwards = admin.post(
        url,
        {
            "delegate_id": delegate.pk,
            "from_date": today(),
            "to_date": days_from_now(-2).isoformat(),
        },
    )
    assert "The delegation cannot end before it begins." in backwards.content.decode()
    holder = admin.post(
        url,
        {
            "delegate_id": chart.officers["so"].pk,
            "from_date": today(),
            "to_date": days_from_now(3).isoformat(),
        },
    )
    assert "holds SO(Admin) during these dates" in holder.content.decode()

    made = admin.post(
        url,
        {
            "delegate_id": delegate.pk,
            "from_date": today(),
            "to_date": days_from_now(3).isoformat(),
            "reason": "Earned leave",
        },
        follow=True,
    )
    assert "SOB Officer acts for SO(Admin) from" in made.content.decode()
    with in_punjab(world):
        delegation = Delegation.objects.get(post=post)
        assert (delegation.created_by.email, delegation.reason) == (
            world.punjab.admin_email,
            "Earned leave",
        )
        assert ("SO(Admin)", "delegate") in [
            (h.post.abbreviation, h.via) for h in desk_of(delegate).holdings
        ]
    overlapping = admin.post(
        url,
        {
            "delegate_id": delegate.pk,
            "from_date": days_from_now(1).isoformat(),
            "to_date": days_from_now(5).isoformat(),
        },
    )
    assert "already acts for SO(Admin)" in overlapping.content.decode()
    listed = admin.get("/manage/delegations/").content.decode()
    assert "Earned leave" in listed and "in force" in listed

    revoked = admin.post(
        f"/manage/delegations/{delegation.pk}/revoke/",
        {"next": "/manage/delegations/"},
        follow=True,
    )
    assert revoked.redirect_chain[-1][0] == "/manage/delegations/"
    assert "The delegation of SO(Admin) to SOB Officer is revoked." in revoked.content.decode()
    again = admin.post(f"/manage/delegations/{delegation.pk}/revoke/", follow=True)
    assert "This delegation is already revoked." in again.content.decode()
    with in_punjab(world):
        delegation.refresh_from_db()
        assert delegation.revoked_at is not None
        assert Delegation.objects.filter(pk=delegation.pk).exists()
        assert [h.post.abbreviation for h in desk_of(delegate).holdings] == ["SO(Budget)"]


def test_the_invitation_is_sent_again_only_to_whoever_has_not_set_a_password(
    chart: Chart, world: World, admin: Client
) -> None:
    waiting = chart.officers["so"]  # the test chart's officers have no password
    with in_punjab(world):
        signed_up = User.objects.get(email=world.punjab.officer_email)

    resent = admin.post(f"/manage/officers/{waiting.pk}/invite/", follow=True)
    assert (
        f"An invitation to set a password is e-mailed to {waiting.email}."
        in resent.content.decode()
    )
    assert mail.outbox[-1].to == [waiting.email]

    sent = len(mail.outbox)
    refused = admin.post(f"/manage/officers/{signed_up.pk}/invite/", follow=True)
    assert "has already set a password" in refused.content.decode()
    assert len(mail.outbox) == sent


def test_the_administrator_sees_how_much_work_a_post_holds_but_never_the_work(
    chart: Chart, world: World, admin: Client
) -> None:
    receipts.register_receipt(
        desk=chart.desk("so"),
        details=receipt_details(chart, subject="Confidential inquiry into the tender"),
        origin=ORIGIN,
    )
    post = chart.post("SO(Admin)")

    html = admin.get(f"/manage/posts/{post.pk}/").content.decode()

    assert '<p class="manage-figure">1</p>' in html
    assert "Confidential inquiry" not in html
    with in_punjab(world):
        assert desk_of(User.objects.get(email=world.punjab.admin_email)).holdings == []
