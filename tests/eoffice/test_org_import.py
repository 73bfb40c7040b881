"""Importing offices, posts, officers and channels from CSV in the sign-up survey's format."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from eoffice.models import Office, Post, Posting, SubmissionChannel
from eoffice.selectors.access import desk_of
from eoffice.services.org_chart import Change, check_import, import_org_chart
from tests.conftest import World, signed_in_client
from tests.eoffice.chart import PUNJAB_SITE, Chart, by_admin

pytestmark = pytest.mark.django_db

# A legal wing added to the test chart: every table names something the e-office already has.
OFFICES = "code,name,parent_code\nLEGAL,Legal Wing,SEC\nLIT,Litigation Section,LEGAL\n"
POSTS = (
    "abbreviation,designation,office_code,reports_to\n"
    "DS(Legal),Deputy Secretary (Legal),LEGAL,SECY\n"
    "SO(Lit),Section Officer (Litigation),LIT,DS(Legal)\n"
    "SO(Admin),Section Officer (Admin),ADMIN,DS(Admin)\n"
)
OFFICERS = (
    "full_name,email,post\n"
    "Laila Legal,Laila@Punjab.example,DS(Legal)\n"
    "SOB Officer,sob@punjab.example,SO(Lit)\n"
    "SO Officer,so@punjab.example,SO(Admin)\n"
)
CHANNELS = "from_post,to_post\nSO(Lit),SECY\nSO(Admin),SO(Budget)\n"


def counts() -> tuple[int, int, int, int, int]:
    return (
        Office.objects.count(),
        Post.objects.count(),
        User.objects.count(),
        Posting.objects.count(),
        SubmissionChannel.objects.count(),
    )


def test_an_import_adds_to_the_chart_once_however_often_it_is_applied(
    chart: Chart, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = counts()
    tables = {"offices": OFFICES, "posts": POSTS, "officers": OFFICERS, "channels": CHANNELS}

    with django_capture_on_commit_callbacks(execute=True):
        plan = import_org_chart(**tables, site=PUNJAB_SITE, **by_admin())

    assert [(r.line, r.change) for r in plan.lines["posts"]] == [
        (2, Change.NEW),
        (3, Change.NEW),
        (4, Change.SAME),
    ]
    assert [r.change for r in plan.lines["officers"]] == [Change.NEW, Change.NEW, Change.SAME]
    assert plan.new_accounts == ["laila@punjab.example"]
    assert counts() == (before[0] + 2, before[1] + 2, before[2] + 1, before[3] + 2, before[4] + 2)
    legal = Office.objects.get(code="LEGAL")
    assert legal.parent.code == "SEC"
    assert Office.objects.get(code="LIT").parent == legal
    assert Post.objects.get(abbreviation="DS(Legal)").reports_to.abbreviation == "SECY"
    laila = User.objects.get(email="laila@punjab.example")
    assert [h.post.abbreviation for h in desk_of(laila).holdings] == ["DS(Legal)"]
    assert [(h.post.abbreviation, h.via) for h in desk_of(chart.officers["sob"]).holdings] == [
        ("SO(Budget)", "posted"),
        ("SO(Lit)", "posted"),
    ]
    assert [m.to for m in mail.outbox] == [["laila@punjab.example"]]

    with django_capture_on_commit_callbacks(execute=True):
        again = import_org_chart(**tables, site=PUNJAB_SITE, **by_admin())

    assert again.changes == 0
    assert {r.change for rows in again.lines.values() for r in rows} == {Change.SAME}
    assert counts() == (before[0] + 2, before[1] + 2, before[2] + 1, before[3] + 2, before[4] + 2)
    assert len(mail.outbox) == 1


def test_what_exists_is_kept_and_what_is_missing_is_filled_in(chart: Chart) -> None:
    Post.objects.create(
        abbreviation="PS", designation="Private Secretary", office=Office.objects.get(code="SEC")
    )
    plan = check_import(
        offices="code,name,parent_code\nADMIN,Administration,\n",
        posts="abbreviation,designation,office_code,reports_to\nPS,Private Secretary,SEC,SECY\n"
        "CR,Registry,SEC,SECY\n",
    )

    assert [(r.change, r.note) for r in plan.lines["offices"]] == [
        (Change.KEPT, "keeps its name “Admin Section”; stays under SEC")
    ]
    assert [(r.change, r.note) for r in plan.lines["posts"]] == [
        (Change.UPDATE, "will report to SECY"),
        (Change.KEPT, "keeps its designation “Central Registry”; still reports to DS(Admin)"),
    ]

    import_org_chart(
        offices="code,name,parent_code\nADMIN,Administration,\n",
        posts="abbreviation,designation,office_code,reports_to\nPS,Private Secretary,SEC,SECY\n",
        **by_admin(),
    )

    admin = Office.objects.get(code="ADMIN")
    assert (admin.name, admin.parent.code) == ("Admin Section", "SEC")
    assert Post.objects.get(abbreviation="PS").reports_to.abbreviation == "SECY"


def test_every_wrong_line_is_reported_and_nothing_is_applied(chart: Chart) -> None:
    before = counts()

    with pytest.raises(ValidationError) as problems:
        import_org_chart(
            offices="code,name,parent_code\nLEGAL,Legal Wing,SEC\nLIT,Litigation,NOWHERE\n",
            posts="abbreviation,designation,office_code,reports_to\n"
            "SO(Lit),Section Officer (Litigation),LIT,DS(Legal)\n",
            officers="full_name,email,post\nNew Officer,new@punjab.example,SO(Budget)\n"
            "Bad,not-an-address,SECY\n",
            channels="from_post,to_post\nSECY,SECY\n",
            **by_admin(),
        )

    errors = problems.value.message_dict
    assert errors["offices"] == ["Line 3: parent office “NOWHERE” is not in the list of offices."]
    assert errors["posts"] == ["Line 2: “DS(Legal)” (reports to) is not in the list of posts."]
    assert errors["officers"] == ["Line 3: “not-an-address” is not an e-mail address."]
    assert errors["channels"] == ["Line 2: post “SECY” cannot send work to itself."]
    assert counts() == before


def test_a_post_that_has_a_holder_is_not_given_to_another_by_import(chart: Chart) -> None:
    with pytest.raises(ValidationError) as held:
        check_import(officers="full_name,email,post\nNew Officer,new@punjab.example,SO(Budget)\n")

    assert held.value.message_dict["officers"] == [
        "Line 2: post “SO(Budget)” is held by SOB Officer; transfer it on the post's page to "
        "change its holder."
    ]


def test_loops_through_the_existing_chart_and_spellings_differing_in_capitals_are_refused(
    chart: Chart,
) -> None:
    with pytest.raises(ValidationError) as problems:
        # SEC has no parent yet, so the import would put it under NEW, which sits under ADMIN,
        # which is a section of SEC; "admin" is ADMIN in other capitals.
        check_import(
            offices="code,name,parent_code\nSEC,Secretariat,NEW\nNEW,New Wing,ADMIN\n"
            "admin,Lower,\n",
            posts="abbreviation,designation,office_code,reports_to\nSECY,Secretary,SEC,AO(Admin)\n",
        )

    errors = problems.value.message_dict
    assert errors["offices"] == [
        "Line 4: office “admin” differs only in capitals from the existing “ADMIN”; spell it "
        "the same way.",
        "Line 2: office “SEC” would be above itself (a loop through the offices the e-office "
        "already has).",
        "Line 3: office “NEW” would be above itself (a loop through the offices the e-office "
        "already has).",
    ]
    assert errors["posts"] == [
        "Line 2: post “SECY” would report to itself (a loop through the posts the e-office "
        "already has)."
    ]


def test_nothing_to_import(chart: Chart) -> None:
    with pytest.raises(ValidationError) as empty:
        check_import(offices="code,name,parent_code\n", posts="  ")

    assert empty.value.messages == ["Nothing to import: every table is empty."]


@pytest.fixture
def admin(world: World) -> Client:
    return signed_in_client(world.punjab.host, world.punjab.admin_email)


def test_the_page_checks_an_upload_then_applies_it(
    chart: Chart, world: World, admin: Client
) -> None:
    with schema_context(world.punjab.tenant.schema_name):
        before = counts()

    checked = admin.post(
        "/manage/import/",
        {
            "action": "check",
            "offices_file": SimpleUploadedFile("offices.csv", ("\ufeff" + OFFICES).encode()),
            "posts": POSTS,
        },
    )

    html = unescape(checked.content.decode())
    assert checked.status_code == 200
    assert "What applying these tables does" in html
    assert "LEGAL · Legal Wing" in html and "already in place" in html
    assert "4 changes" in html
    assert 'value="apply"' in html
    assert "Litigation Section" in html  # the upload is put in the text box, to apply as is
    with schema_context(world.punjab.tenant.schema_name):
        assert counts() == before

    applied = admin.post(
        "/manage/import/",
        {"action": "apply", "offices": OFFICES, "posts": POSTS, "officers": "", "channels": ""},
        follow=True,
    )

    html = unescape(applied.content.decode())
    assert applied.redirect_chain[-1][0] == "/manage/"
    assert "Import applied: 4 changes. 1 line was already in place or kept as it is." in html
    assert "DS(Legal)" in html
    with schema_context(world.punjab.tenant.schema_name):
        assert counts()[:2] == (before[0] + 2, before[1] + 2)


def test_the_page_shows_each_problem_by_line_under_its_table(
    chart: Chart, world: World, admin: Client
) -> None:
    page = admin.post(
        "/manage/import/",
        {"action": "apply", "offices": "code,name,parent_code\nLEGAL,Legal Wing,NOWHERE\n"},
    )

    html = unescape(page.content.decode())
    assert page.status_code == 200
    errors = html[html.index('id="id_offices_error"') :]
    assert (
        "Line 2: parent office “NOWHERE” is not in the list of offices." in errors.split("</ul>")[0]
    )
    assert "nothing was changed" in html
    assert 'value="apply"' not in html
    with schema_context(world.punjab.tenant.schema_name):
        assert not Office.objects.filter(code="LEGAL").exists()


def test_a_file_that_is_not_utf8_is_refused_next_to_its_upload(
    chart: Chart, world: World, admin: Client
) -> None:
    page = admin.post(
        "/manage/import/",
        {"action": "check", "posts_file": SimpleUploadedFile("posts.csv", "é".encode("latin-1"))},
    )

    html = unescape(page.content.decode())
    errors = html[html.index('id="id_posts_file_error"') :]
    assert "is not UTF-8 text" in errors.split("</ul>")[0]


def test_the_template_of_a_table_downloads(world: World, admin: Client) -> None:
    response = admin.get("/manage/import/posts.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="posts-template.csv"'
    assert response.content.decode().startswith("abbreviation,designation,office_code,reports_to")
    assert admin.get("/manage/import/salaries.csv").status_code == 404
