"""Federal review of applications: approve for a partner and plan, or reject with a reason."""

from typing import Any

import pytest
from django.core import mail

from billing.models import Plan
from provisioning.models import ProvisioningStep
from tenants.models import Application, Tenant, TenantEvent
from tests import onboarding
from tests.conftest import World, client_for, signed_in_client

pytestmark = pytest.mark.django_db


def apply(subdomain: str = "gb") -> Tenant:
    return onboarding.submit(subdomain).tenant


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
    assert (tenant.state, tenant.partner, tenant.plan) == ("provisioning", world.partner, plan)
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


def test_a_mail_failure_does_not_undo_the_decision(world: World, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    tenant = apply()

    response = admin(world).post(
        f"/console/applications/{tenant.pk}/reject/",
        {"reason": "Incomplete survey.", "confirm": "on"},
        follow=True,
    )

    tenant.refresh_from_db()
    assert tenant.state == "rejected"
    assert "could not be sent" in response.content.decode()


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
