"""The public application form: step by step, every error by its field, nothing half-saved."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tenants.models import Application, Tenant, TenantEvent
from tests import onboarding
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def applicant() -> Client:
    return client_for("localhost")


def test_a_complete_application_is_recorded_once_and_acknowledged(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    client = applicant()
    onboarding.fill_in(client, "gb")
    review = client.get("/apply/review/")
    assert review.status_code == 200
    assert "SO(Budget)" in review.content.decode() and "Farah Focal" in review.content.decode()
    assert not Tenant.objects.filter(subdomain="gb").exists()  # nothing before submission

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        submitted = client.post("/apply/review/")

    assert submitted.status_code == 302 and submitted["Location"] == "/apply/submitted/"
    application = Application.objects.get(subdomain="gb")
    tenant = application.tenant
    assert (tenant.name, tenant.kind, tenant.state) == ("Gilgit-Baltistan", "province", "applied")
    assert not tenant.domains.exists()
    assert application.survey == onboarding.survey(
        it_readiness={
            "connectivity": "mixed",
            "computers": 35,
            "scanners": 4,
            "existing_systems": "E-mail; a spreadsheet diary",
        }
    )
    assert application.contact_email == "focal@gb.example"
    assert TenantEvent.objects.filter(tenant=tenant, to_state="applied").count() == 1
    [ack] = mail.outbox
    assert ack.to == ["focal@gb.example"] and "received" in ack.subject
    assert "APP-" in client.get("/apply/submitted/").content.decode()
    # The draft is gone: the form starts afresh.
    assert client.get("/apply/review/")["Location"] == "/apply/organisation/"


def test_steps_cannot_be_skipped(world: World) -> None:
    response = applicant().get("/apply/posts/")

    assert response.status_code == 302 and response["Location"] == "/apply/organisation/"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subdomain", "www", "reserved by the platform"),
        ("subdomain", "api", "reserved by the platform"),
        ("subdomain", "punjab", "“punjab” is taken"),
        ("subdomain", "Bad_Name", "lower-case letters, digits or hyphens"),
        ("subdomain", "", "This field is required."),
        ("name", "", "This field is required."),
        ("kind", "kingdom", "Select a valid choice."),
        ("parent", "999999", "Select a valid choice."),
    ],
)
def test_organisation_errors_are_shown_next_to_the_field(
    world: World, field: str, value: str, message: str
) -> None:
    data = dict(onboarding.steps("gb")[0][1], **{field: value})

    response = applicant().post("/apply/organisation/", data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    assert f'id="id_{field}_errors"' in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_name", "", "This field is required."),
        ("contact_designation", "", "This field is required."),
        ("contact_email", "not-mail", "Enter a valid email address."),
        ("contact_phone", "call me", "phone number of 7 to 20 digits"),
    ],
)
def test_contact_errors_are_shown_next_to_the_field(
    world: World, field: str, value: str, message: str
) -> None:
    client = applicant()
    client.post("/apply/organisation/", onboarding.steps("gb")[0][1])
    data = dict(onboarding.steps("gb")[1][1], **{field: value})

    response = client.post("/apply/contact/", data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])


def _up_to(client: Client, slug: str) -> None:
    for step, data in onboarding.steps("gb"):
        if step == slug:
            return
        assert client.post(f"/apply/{step}/", data).status_code == 302


@pytest.mark.parametrize(
    ("slug", "field", "value", "message"),
    [
        ("officers", "expected_users", "0", "greater than or equal to 1"),
        ("officers", "expected_users", "1", "2 officers are listed"),
        ("officers", "expected_users", "", "This field is required."),
        ("readiness", "connectivity", "carrier pigeon", "Select a valid choice."),
        ("readiness", "computers", "-1", "greater than or equal to 0"),
        ("readiness", "scanners", "many", "Enter a whole number."),
        ("readiness", "existing_systems", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_survey_field_errors_are_shown_next_to_the_field(
    world: World, slug: str, field: str, value: str, message: str
) -> None:
    client = applicant()
    _up_to(client, slug)
    data = dict(dict(onboarding.steps("gb"))[slug], **{field: value})

    response = client.post(f"/apply/{slug}/", data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])


def test_a_posts_table_with_bad_lines_reports_each_line(world: World) -> None:
    client = applicant()
    _up_to(client, "posts")
    rows = (
        "abbreviation,designation,office_code,reports_to\n"
        "SECY,Secretary,SECY,\n"
        "DS,Deputy Secretary,NOWHERE,SECY\n"
        "SO,Section Officer,ADMIN,BOSS\n"
    )

    response = client.post("/apply/posts/", {"rows": rows})

    assert response.status_code == 400
    errors = response.context["form"].errors["rows"]
    assert errors == [
        "Line 3: office “NOWHERE” is not among the offices of this survey.",
        "Line 4: “BOSS” (reports to) is not in the list of posts.",
    ]
    # The rejected text stays in the box, to be corrected in place.
    assert "DS,Deputy Secretary,NOWHERE" in response.content.decode()


def test_a_csv_upload_replaces_the_typed_rows(world: World) -> None:
    client = applicant()
    _up_to(client, "posts")
    upload = SimpleUploadedFile(
        "posts.csv", ("\ufeff" + onboarding.POSTS_CSV).encode(), content_type="text/csv"
    )

    response = client.post("/apply/posts/", {"rows": "", "upload": upload})

    assert response.status_code == 302
    assert client.session["application_draft"]["posts"]["rows"].startswith("abbreviation,")


def test_a_malformed_csv_upload_is_refused_with_its_reason(world: World) -> None:
    client = applicant()
    _up_to(client, "offices")
    wrong = SimpleUploadedFile("offices.csv", b"code,title\nA,Peshawar\n")
    not_csv = SimpleUploadedFile("offices.csv", b'code,name,parent_code\nA,"broken\n')

    bad_encoding = client.post(
        "/apply/offices/", {"upload": SimpleUploadedFile("o.csv", "Ä".encode("latin-1"))}
    )
    broken = client.post("/apply/offices/", {"upload": not_csv})
    wrong_columns = client.post("/apply/offices/", {"upload": wrong})

    assert "not UTF-8" in " ".join(bad_encoding.context["form"].errors["upload"])
    assert "not valid CSV" in " ".join(broken.context["form"].errors["rows"])
    assert "the columns must be code,name,parent_code (missing name; unknown title)" in " ".join(
        wrong_columns.context["form"].errors["rows"]
    )


def test_changing_an_earlier_step_sends_later_steps_back_for_correction(world: World) -> None:
    client = applicant()
    onboarding.fill_in(client, "gb")
    # Dropping the BUDGET office orphans the SO(Budget) post.
    client.post("/apply/offices/", {"rows": "code,name,parent_code\nSECY,S,\nADMIN,A,SECY\n"})

    response = client.get("/apply/review/")

    assert response.status_code == 302 and response["Location"] == "/apply/posts/"


def test_an_address_taken_during_the_application_saves_nothing(world: World) -> None:
    first, second = applicant(), applicant()
    onboarding.fill_in(first, "gb")
    onboarding.fill_in(second, "gb", contact_email="other@gb.example")
    assert first.post("/apply/review/").status_code == 302
    tenants_before = Tenant.objects.count()

    refused = second.post("/apply/review/", follow=True)

    assert "“gb” is taken" in refused.content.decode()
    assert Tenant.objects.count() == tenants_before
    assert Application.objects.filter(contact_email="other@gb.example").count() == 0


@pytest.mark.parametrize("table", ["offices", "posts", "officers", "channels"])
def test_csv_templates_download(world: World, table: str) -> None:
    response = applicant().get(f"/apply/templates/{table}.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{table}-template.csv"' in response["Content-Disposition"]


def test_the_form_is_on_the_control_plane_only(world: World) -> None:
    assert client_for(world.punjab.host).get("/apply/").status_code == 404
