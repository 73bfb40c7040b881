"""Federal review of applications: approve for a partner and plan, or reject with a reason."""

from typing import Any

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction

from billing.models import Plan
from billing.selectors import plan_of
from provisioning.models import ProvisioningStep
from provisioning.services import approve_and_provision
from tenants.models import Application, Tenant, TenantEvent
from tests import onboarding
from tests.conftest import World, client_for, signed_in_client

pytestmark = pytest.mark.django_db


def apply(subdomain: str = "gb") -> Tenant:
    return onboarding.submit(subdomain, contact_email=f"focal@{subdomain}.example").tenant


def admin(world: World) -> Any:
    return signed_in_client(world.control_host, world.federal_admin_email)


def test_applications_are_listed_and_shown_with_their_survey(world: World) -> None:
    tenant = apply()
    client = admin(world)

    listing = client.get("/console/applications/").content.decode()
    page = client.get(f"/console/applications/{tenant.pk}/").content.decode()

    assert "Gilgit-Baltistan" in listing and "Farah Focal" in listing
    for text in ("AS(Admin)", "Budget Section", "SO(Budget)", "Omar Officer", "Approve"):
        assert text in page


def test_approval_records_partner_plan_and_decision_and_starts_provisioning(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    tenant = apply()
    plan = Plan.objects.get(code="provincial")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin(world).post(
            f"/console/applications/{tenant.pk}/approve/",
            {"partner": world.partner.pk, "plan": plan.pk, "reason": "Welcome aboard."},
        )

    assert response.status_code == 302 and response["Location"] == f"/console/tenants/{tenant.pk}/"
    tenant.refresh_from_db()
    assert (tenant.state, tenant.partner, plan_of(tenant)) == ("provisioning", world.partner, plan)
    application = Application.objects.get(tenant=tenant)
    assert application.decided_by == world.federal_admin_email
    assert application.decision_reason == "Welcome aboard."
    events = TenantEvent.objects.filter(tenant=tenant).order_by("id")
    assert [(e.to_state, e.actor) for e in events][1:] == [
        ("approved", world.federal_admin_email),
        ("provisioning", world.federal_admin_email),
    ]
    assert ProvisioningStep.objects.filter(tenant=tenant).count() == 7
    assert len(queued) == 1  # the pipeline's first task, queued once the decision is committed
    [approved] = mail.outbox
    assert approved.to == ["focal@gb.example"]
    assert "approved" in approved.subject and "Provincial" in approved.body


def test_approval_needs_a_partner_and_a_plan(world: World) -> None:
    tenant = apply()

    response = admin(world).post(f"/console/applications/{tenant.pk}/approve/", {})

    assert response.status_code == 400
    assert set(response.context["approve_form"].errors) == {"partner", "plan"}
    tenant.refresh_from_db()
    assert tenant.state == "applied"


def test_rejection_needs_a_reason_tells_the_applicant_and_frees_the_address(world: World) -> None:
    tenant = apply()
    client = admin(world)

    unconfirmed = client.post(f"/console/applications/{tenant.pk}/reject/", {"reason": "x"})
    rejected = client.post(
        f"/console/applications/{tenant.pk}/reject/",
        {"reason": "Apply through the provincial IT board.", "confirm": "on"},
    )

    assert unconfirmed.status_code == 400
    assert rejected.status_code == 302
    tenant.refresh_from_db()
    assert tenant.state == "rejected" and tenant.subdomain is None
    event = TenantEvent.objects.filter(tenant=tenant, to_state="rejected").get()
    assert event.reason == "Apply through the provincial IT board."
    assert event.actor == world.federal_admin_email
    [letter] = mail.outbox
    assert "not approved" in letter.subject
    assert "Apply through the provincial IT board." in letter.body
    # The same address can be applied for again.
    assert apply().state == "applied"


def test_a_decided_application_cannot_be_decided_again(world: World) -> None:
    tenant = apply()
    client = admin(world)
    client.post(f"/console/applications/{tenant.pk}/reject/", {"reason": "No.", "confirm": "on"})

    again = client.post(
        f"/console/applications/{tenant.pk}/approve/",
        {"partner": world.partner.pk, "plan": Plan.objects.first().pk},
        follow=True,
    )

    assert "cannot go from Rejected to Approved" in again.content.decode()
    tenant.refresh_from_db()
    assert tenant.state == "rejected"


def test_a_mail_server_that_is_down_neither_undoes_nor_slows_the_decision(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Production's arrangement: messages are queued for a worker, which talks to SMTP.
    settings.EMAIL_BACKEND = "config.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    tenant = apply()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin(world).post(
            f"/console/applications/{tenant.pk}/reject/",
            {"reason": "Incomplete survey.", "confirm": "on"},
            follow=True,
        )

    tenant.refresh_from_db()
    assert tenant.state == "rejected"
    assert response.status_code == 200
    assert "is rejected" in response.content.decode()
    assert len(queued) == 1  # the applicant's e-mail, handed to a worker after the commit


def refuse_inserts_into(table: str) -> None:
    """A database that fails mid-way: inserts into `table` raise (dropped with the test's
    transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the process died here'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse()"
        )


def test_an_approval_that_fails_while_provisioning_starts_leaves_nothing_approved(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    tenant = apply()
    refuse_inserts_into("provisioning_provisioningstep")

    with (
        django_capture_on_commit_callbacks(execute=False) as queued,
        pytest.raises(DatabaseError, match="the process died here"),
    ):
        admin(world).post(
            f"/console/applications/{tenant.pk}/approve/",
            {"partner": world.partner.pk, "plan": Plan.objects.first().pk},
        )

    tenant.refresh_from_db()
    assert tenant.state == "applied" and tenant.partner is None and plan_of(tenant) is None
    assert list(TenantEvent.objects.filter(tenant=tenant).values_list("to_state", flat=True)) == [
        "applied"
    ]
    assert Application.objects.get(tenant=tenant).decided_at is None
    assert not queued and not mail.outbox


def test_a_process_that_dies_around_the_approval_leaves_nothing_or_a_queued_pipeline(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    plan = Plan.objects.get(code="standard")
    inside, after = apply("gb-inside"), apply("gb-after")

    # Dies before the approval's transaction commits: nothing happened.
    with (
        django_capture_on_commit_callbacks(execute=False) as queued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        approve_and_provision(tenant=inside, partner=world.partner, plan=plan, actor="x")
        raise RuntimeError("killed")
    assert not queued
    inside.refresh_from_db()
    assert inside.state == "applied" and not ProvisioningStep.objects.filter(tenant=inside)

    # Dies right after the service: the approval and its pipeline are committed together.
    with django_capture_on_commit_callbacks(execute=False) as queued, pytest.raises(RuntimeError):
        approve_and_provision(tenant=after, partner=world.partner, plan=plan, actor="x")
        raise RuntimeError("killed")
    after.refresh_from_db()
    assert after.state == "provisioning" and plan_of(after) == plan
    assert ProvisioningStep.objects.filter(tenant=after, state="pending").count() == 7
    assert len(queued) == 1  # the pipeline's first step, queued as the approval commits


@pytest.mark.parametrize("path", ["/console/applications/", "/console/applications/{pk}/"])
def test_only_federal_admins_review_applications(world: World, path: str) -> None:
    tenant = apply()
    url = path.format(pk=tenant.pk)
    partner = signed_in_client(world.control_host, world.partner_user_email)

    assert partner.get(url).status_code == 403
    assert client_for(world.control_host).get(url).status_code == 302  # to sign in
    assert (
        partner.post(
            f"/console/applications/{tenant.pk}/approve/",
            {"partner": world.partner.pk, "plan": Plan.objects.first().pk},
        ).status_code
        == 403
    )
    tenant.refresh_from_db()
    assert tenant.state == "applied"
