"""The provisioning pipeline, run in this process: what each step makes, and what a failure
leaves behind (nothing reachable, the error on record, and a retry that resumes)."""

import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import Plan
from billing.services import assign_plan
from config import tenant_storage as storage
from config.tenancy import use_public_schema
from eoffice.models import Office, Post, Posting, SubmissionChannel
from eoffice.services.org_chart import seed_org_chart
from provisioning import pipeline
from provisioning.models import OpeningInvitation, ProvisioningAttempt, ProvisioningStep
from provisioning.selectors import provisioning_progress
from provisioning.services import provision_tenant
from tenants.lifecycle import TransitionNotAllowed
from tenants.models import Tenant, TenantEvent
from tenants.services import approve_application, transition_tenant
from tests import onboarding
from tests.conftest import ACTOR, World, client_for

pytestmark = pytest.mark.django_db


def approved(world: World, subdomain: str = "gb") -> Tenant:
    """An approved application whose pipeline this process runs (provision_tenant)."""
    application = onboarding.submit(subdomain)
    assign_plan(tenant=application.tenant, plan=Plan.objects.get(code="standard"), actor=ACTOR)
    return approve_application(tenant=application.tenant, partner=world.partner, actor=ACTOR)


def steps_of(tenant: Tenant) -> dict[str, ProvisioningStep]:
    return {step.name: step for step in ProvisioningStep.objects.filter(tenant=tenant)}


def test_provisioning_builds_the_instance_the_survey_describes(world: World) -> None:
    tenant = provision_tenant(tenant=approved(world), actor=ACTOR)

    assert tenant.state == "active"
    assert [d.domain for d in tenant.domains.all()] == ["gb.localhost"]
    assert tenant.storage_prefix == f"tenants/{tenant.schema_name}/"
    assert storage.exists(tenant.storage_prefix + storage.MARKER)
    with schema_context(tenant.schema_name):
        offices = {
            o.code: (o.name, o.parent.code if o.parent else "") for o in Office.objects.all()
        }
        posts = {
            p.abbreviation: (p.office.code, p.reports_to.abbreviation if p.reports_to else "")
            for p in Post.objects.select_related("office", "reports_to")
        }
        holders = {(p.officer.email, p.post.abbreviation) for p in Posting.objects.all()}
        channels = {
            (c.from_post.abbreviation, c.to_post.abbreviation)
            for c in SubmissionChannel.objects.all()
        }
        admin = User.objects.get(email="focal@gb.example")
        officers = set(User.objects.values_list("email", flat=True))
    assert offices == {
        "SECY": ("Secretariat", ""),
        "ADMIN": ("Administration Wing", "SECY"),
        "BUDGET": ("Budget Section", "ADMIN"),
    }
    assert posts == {
        "SECY": ("SECY", ""),
        "AS(Admin)": ("ADMIN", "SECY"),
        "SO(Budget)": ("BUDGET", "AS(Admin)"),
    }
    assert holders == {("sana@gb.example", "SECY"), ("omar@gb.example", "SO(Budget)")}
    assert channels == {("SO(Budget)", "SECY")}
    assert admin.is_staff and not admin.has_usable_password()
    assert officers == {"focal@gb.example", "sana@gb.example", "omar@gb.example"}
    # The administrator and every officer of the survey are invited as the e-office opens.
    invitations = {message.to[0]: message for message in mail.outbox}
    assert sorted(invitations) == ["focal@gb.example", "omar@gb.example", "sana@gb.example"]
    assert len(mail.outbox) == 3
    assert "first administrator" in invitations["focal@gb.example"].body
    assert "is open, and you have an account" in invitations["sana@gb.example"].body
    for message in mail.outbox:
        assert "http://gb.localhost:8000/accounts/password/reset/key/" in message.body
    assert set(
        OpeningInvitation.objects.filter(tenant=tenant).values_list("email", "as_admin")
    ) == {("focal@gb.example", True), ("sana@gb.example", False), ("omar@gb.example", False)}
    records = steps_of(tenant)
    assert [records[s.name].state for s in pipeline.STEPS] == ["succeeded"] * 7
    assert all(records[s.name].attempts == 1 and records[s.name].detail for s in pipeline.STEPS)
    assert (
        "Seeded 3 offices, 3 posts, 2 officers, 1 channel of submission."
        in records["seed_org_chart"].detail
    )
    # Nothing of it is visible from another tenant.
    with schema_context(world.punjab.tenant.schema_name):
        assert not Office.objects.exists() and not Post.objects.exists()


def test_seeding_twice_adds_nothing(world: World) -> None:
    tenant = provision_tenant(tenant=approved(world), actor=ACTOR)
    survey = onboarding.survey()

    with schema_context(tenant.schema_name):
        seed_org_chart(
            offices=survey["offices"],
            posts=survey["posts"],
            officers=survey["officers"],
            channels=survey["channels"],
        )
        counts = [m.objects.count() for m in (Office, Post, Posting, SubmissionChannel, User)]
    assert counts == [3, 3, 2, 1, 3]


def test_a_failing_step_leaves_the_tenant_failed_unreachable_and_resumable(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    # A real failure: the object store refuses connections.
    settings.S3_BUCKET, settings.S3_ENDPOINT_URL = "eoffice-files", "http://127.0.0.1:9"
    tenant = approved(world)

    with pytest.raises(pipeline.StepFailed) as failed:
        provision_tenant(tenant=tenant, actor=ACTOR)

    assert failed.value.step.name == "create_storage"
    tenant.refresh_from_db()
    assert tenant.state == "provisioning_failed"
    records = steps_of(tenant)
    assert [records[s.name].state for s in pipeline.STEPS] == [
        "succeeded",
        "succeeded",
        "succeeded",
        "failed",
        "pending",
        "pending",
        "pending",
    ]
    assert "Could not connect" in records["create_storage"].error
    event = TenantEvent.objects.filter(tenant=tenant, to_state="provisioning_failed").get()
    assert event.reason.startswith("Create the file storage location failed after 1 attempts")
    assert client_for("gb.localhost").get("/accounts/login/").status_code == 404
    assert not mail.outbox  # nobody was invited to a half-made instance

    settings.S3_BUCKET = ""  # the cause is fixed: files go to the local folder
    resume = pipeline.prepare_retry(tenant=tenant, actor="federal@board.example")
    tenant = provision_tenant(tenant=tenant, actor=ACTOR)

    assert resume == "create_storage"
    assert tenant.state == "active"
    records = steps_of(tenant)
    assert records["create_storage"].attempts == 2 and records["create_storage"].error == ""
    assert records["seed_org_chart"].attempts == 1  # done steps were not run again
    outcomes = ProvisioningAttempt.objects.filter(step=records["create_storage"])
    assert [a.outcome for a in outcomes.order_by("number")] == ["failed", "succeeded"]
    with schema_context(tenant.schema_name):
        assert Office.objects.count() == 3
    assert len(mail.outbox) == 3
    assert client_for("gb.localhost").get("/accounts/login/").status_code == 200


def test_an_invitation_that_cannot_be_sent_leaves_the_e_office_open_and_can_be_resent(
    world: World, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    tenant = approved(world)

    with pytest.raises(pipeline.StepFailed) as failed:
        provision_tenant(tenant=tenant, actor=ACTOR)

    assert failed.value.step.name == "send_invitation"
    tenant.refresh_from_db()
    assert tenant.state == "active"  # everything it needs is in place; only the mail is missing
    assert steps_of(tenant)["send_invitation"].state == "failed"
    assert TenantEvent.objects.filter(
        tenant=tenant, reason__startswith="Invite the administrator and the officers failed"
    ).exists()
    assert client_for("gb.localhost").get("/accounts/login/").status_code == 200

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert pipeline.prepare_retry(tenant=tenant, actor=ACTOR) == "send_invitation"
    assert (
        pipeline.run_step(tenant_id=tenant.pk, name="send_invitation", final_attempt=True) is None
    )

    assert steps_of(tenant)["send_invitation"].state == "succeeded"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "focal@gb.example",
        "omar@gb.example",
        "sana@gb.example",
    ]
    with pytest.raises(TransitionNotAllowed):  # nothing is left to retry
        pipeline.prepare_retry(tenant=tenant, actor=ACTOR)


def test_a_step_left_running_by_a_lost_worker_is_stalled_only_without_a_lock_holder(
    world: World,
) -> None:
    tenant = approved(world)
    transition_tenant(tenant=tenant, to_state="provisioning", actor=ACTOR)
    pipeline.plan_steps(tenant=tenant)
    ProvisioningStep.objects.filter(tenant=tenant, name="create_schema").update(state="running")

    assert pipeline.is_stalled(tenant)

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # another worker holds the tenant's pipeline lock
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [pipeline._LOCK_SPACE, tenant.pk])
        assert not pipeline.is_stalled(tenant)
        with pytest.raises(TransitionNotAllowed):
            pipeline.prepare_retry(tenant=tenant, actor=ACTOR)
    finally:
        other.close()

    assert pipeline.prepare_retry(tenant=tenant, actor=ACTOR) == "create_schema"
    assert TenantEvent.objects.filter(tenant=tenant, reason="Retry of a stalled run").exists()


def test_a_running_pipeline_cannot_be_retried(world: World) -> None:
    tenant = approved(world)
    transition_tenant(tenant=tenant, to_state="provisioning", actor=ACTOR)
    pipeline.plan_steps(tenant=tenant)
    ProvisioningStep.objects.filter(tenant=tenant, name="create_schema").update(
        state="succeeded", finished_at=timezone.now()
    )

    with pytest.raises(TransitionNotAllowed):
        pipeline.prepare_retry(tenant=tenant, actor=ACTOR)


def test_the_invitation_step_run_again_invites_nobody_twice(world: World) -> None:
    tenant = provision_tenant(tenant=approved(world), actor=ACTOR)
    assert len(mail.outbox) == 3
    with schema_context(tenant.schema_name):  # one officer has meanwhile set a password
        sana = User.objects.get(email="sana@gb.example")
        sana.set_password("Sana-Pass-2026!")
        sana.save()
    use_public_schema()
    ProvisioningStep.objects.filter(tenant=tenant, name="send_invitation").update(state="pending")

    pipeline.run_step(tenant_id=tenant.pk, name="send_invitation", final_attempt=True)

    assert len(mail.outbox) == 3
    detail = steps_of(tenant)["send_invitation"].detail
    assert detail == "Nobody left to invite. 2 invited earlier. 1 already set a password."
    assert OpeningInvitation.objects.filter(tenant=tenant).count() == 3


def test_reading_the_progress_takes_no_lock_and_sees_the_holder(world: World) -> None:
    """The console's poll reads the pipeline lock from pg_locks; it never takes it, so a worker
    starting a step is never turned away by a reader."""
    tenant = approved(world)
    transition_tenant(tenant=tenant, to_state="provisioning", actor=ACTOR)
    pipeline.plan_steps(tenant=tenant)
    ProvisioningStep.objects.filter(tenant=tenant, name="create_schema").update(state="running")
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # a worker holds the tenant's lock, running a step
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [pipeline._LOCK_SPACE, tenant.pk])
            cursor.execute("SELECT pg_backend_pid()")
            holder = cursor.fetchone()[0]
        with connection.execute_wrapper(record):
            held = provisioning_progress(tenant)
        assert held is not None and not held.stalled  # a held lock: a worker is on it
        assert pipeline.is_locked(tenant.pk)
        holders = advisory_holders(tenant)
        assert holders == [holder]
    finally:
        other.close()

    with connection.execute_wrapper(record):
        free = provisioning_progress(tenant)
        free_holders = advisory_holders(tenant)
    assert free is not None and free.stalled  # the lock is gone with its worker
    assert not pipeline.is_locked(tenant.pk)
    assert free_holders == []
    taking = re.compile(r"pg_(try_)?advisory_(xact_)?lock")  # pg_locks is read, never taken
    assert statements and not [sql for sql in statements if taking.search(sql)]


def advisory_holders(tenant: Tenant) -> list[int]:
    """Every backend holding the tenant's pipeline lock, from pg_locks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = %s"
            " AND objid::bigint = %s AND objsubid = 2 AND granted",
            [pipeline._LOCK_SPACE, tenant.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_step_that_meets_the_lock_taken_is_told_to_wait_not_skipped(world: World) -> None:
    tenant = approved(world)
    transition_tenant(tenant=tenant, to_state="provisioning", actor=ACTOR)
    pipeline.plan_steps(tenant=tenant)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [pipeline._LOCK_SPACE, tenant.pk])
        with pytest.raises(pipeline.LockBusy):
            pipeline.run_step(tenant_id=tenant.pk, name="create_schema", final_attempt=False)
    finally:
        other.close()

    assert steps_of(tenant)["create_schema"].state == "pending"
    assert pipeline.run_step(tenant_id=tenant.pk, name="create_schema", final_attempt=False) == (
        "register_domain"
    )
