"""Provisioning through real worker processes: from approval to an invited administrator, and
a worker killed in the middle of a step."""

from __future__ import annotations

import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import Plan
from config.celery import app
from config.tenancy import use_public_schema
from eoffice.models import Office, Post, Posting, SubmissionChannel
from provisioning import pipeline
from provisioning.models import OpeningInvitation, ProvisioningAttempt, ProvisioningStep
from provisioning.pipeline import STEPS
from provisioning.selectors import provisioning_progress
from provisioning.services import approve_and_provision, retry_provisioning
from tenants.models import Tenant
from tests import onboarding
from tests.conftest import (
    ACTOR,
    Worker,
    World,
    client_for,
    mail_to_files,
    mails_in,
    signed_in_client,
)
from tests.worker import start_worker, stop_worker, wait_for

pytestmark = pytest.mark.worker


def apply(subdomain: str, contact_email: str) -> Tenant:
    application = onboarding.submit(
        subdomain, name=f"Test {subdomain}", kind="department", contact_email=contact_email
    )
    return application.tenant


def approve(world: World, tenant: Tenant) -> Tenant:
    """Approves and starts provisioning, as the console does: the worker takes it from here."""
    return approve_and_provision(
        tenant=tenant, partner=world.partner, plan=Plan.objects.get(code="standard"), actor=ACTOR
    )


def state_of(tenant: Tenant) -> str:
    return Tenant.objects.values_list("state", flat=True).get(pk=tenant.pk)


def org_chart_counts(tenant: Tenant) -> list[int]:
    with schema_context(tenant.schema_name):
        return [m.objects.count() for m in (Office, Post, Posting, SubmissionChannel, User)]


def test_an_approved_application_is_provisioned_by_the_worker_within_seconds(
    world: World, celery_worker: Worker, committed: None
) -> None:
    tenant = apply("worker-gb", "focal@worker-gb.example")

    started = time.perf_counter()
    approve(world, tenant)
    # The invitation is the last step and runs after the e-office opens: wait for every step,
    # not only for the tenant to be active.
    wait_for(
        lambda: (state_of(tenant) == "active" and all_steps_done(tenant)) or None,
        timeout=60,
        what="every provisioning step to finish",
        log=celery_worker.log,
    )
    elapsed = time.perf_counter() - started

    assert elapsed < 15, f"provisioning took {elapsed:.1f} s"
    assert org_chart_counts(tenant) == [3, 3, 2, 1, 3]
    invitations = wait_for(  # delivered by a task of its own, queued by the last step
        lambda: (
            [m for m in mails_in(celery_worker.mail_dir) if "focal@worker-gb.example" in m] or None
        ),
        timeout=30,
        what="the invitation",
        log=celery_worker.log,
    )
    assert len(invitations) == 1
    assert "http://worker-gb.localhost:8000/accounts/password/reset/key/" in invitations[0]
    steps = ProvisioningStep.objects.filter(tenant=tenant)
    assert {s.state for s in steps} == {"succeeded"} and {s.attempts for s in steps} == {1}


def all_steps_done(tenant: Tenant) -> bool:
    states = list(ProvisioningStep.objects.filter(tenant=tenant).values_list("state", flat=True))
    return len(states) == len(STEPS) and set(states) == {"succeeded"}


class SilentS3:
    """An object store that accepts connections and never answers, to hold a worker mid-step."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(client)

    def close(self) -> None:
        for client in self.held:
            client.close()
        self.sock.close()


@pytest.fixture
def own_queue(tmp_path: Path) -> Iterator[str]:
    """A queue no other worker reads, so the test decides which worker runs each step."""
    queue = f"kill-test-{tmp_path.name}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous


def test_a_worker_killed_mid_step_is_resumed_by_retry_without_duplicates(
    world: World,
    committed: None,
    own_queue: str,
    s3_endpoint: str,
    tmp_path: Path,
) -> None:
    silent = SilentS3()
    s3 = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "S3_BUCKET": "eoffice"}
    mail_dir = tmp_path / "mail"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_worker(
        first_log,
        queue=own_queue,
        env=s3 | mail_to_files(mail_dir) | {"S3_ENDPOINT_URL": silent.url},
    )
    tenant = apply("killed-gb", "focal@killed-gb.example")
    try:
        approve(world, tenant)
        wait_for(
            lambda: ProvisioningStep.objects.filter(
                tenant=tenant, name="create_storage", state="running"
            ).first(),
            timeout=60,
            what="the worker to hang in the storage step",
            log=first_log,
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop_worker(first)
        silent.close()

    # The lost worker's lock goes with its connection; the run is then seen as stalled.
    wait_for(lambda: pipeline.is_stalled(tenant) or None, timeout=30, what="a stall", log=first_log)
    assert state_of(tenant) == "provisioning"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket="eoffice")
    second = start_worker(
        second_log,
        queue=own_queue,
        env=s3 | mail_to_files(mail_dir) | {"S3_ENDPOINT_URL": s3_endpoint},
    )
    try:
        assert retry_provisioning(tenant=tenant, actor="federal@board.example") == "create_storage"
        wait_for(
            lambda: all_steps_done(tenant) or None,
            timeout=60,
            what="the retried run to finish",
            log=second_log,
        )
        wait_for(  # each invitation is delivered by a task of its own, after the step
            lambda: len([m for m in mails_in(mail_dir) if "killed-gb.localhost" in m]) >= 3 or None,
            timeout=30,
            what="the invitations",
            log=second_log,
        )
    finally:
        stop_worker(second)

    storage_step = ProvisioningStep.objects.get(tenant=tenant, name="create_storage")
    outcomes = ProvisioningAttempt.objects.filter(step=storage_step).order_by("number")
    assert [a.outcome for a in outcomes] == ["interrupted", "succeeded"]
    earlier = ProvisioningStep.objects.filter(tenant=tenant, position__lt=storage_step.position)
    assert {s.attempts for s in earlier} == {1}  # done steps were not run again
    assert org_chart_counts(tenant) == [3, 3, 2, 1, 3]
    assert len([m for m in mails_in(mail_dir) if "focal@killed-gb.example" in m]) == 1
    officers = [m for m in mails_in(mail_dir) if "killed-gb.localhost" in m and "focal@" not in m]
    assert len(officers) == 2  # one each, although the invitation step ran on a retried run
    use_public_schema()


def invitation_links(mail_dir: Path, host: str) -> dict[str, str]:
    """The set-password link of each invitation to the tenant at `host`, by recipient."""
    links = {}
    for text in mails_in(mail_dir):
        link = re.search(rf"http://{re.escape(host)}:8000(/accounts/password/reset/key/\S+)", text)
        to = re.search(r"^To: (\S+)$", text, re.MULTILINE)
        if link and to:
            assert to.group(1) not in links, f"{to.group(1)} was invited twice"
            links[to.group(1)] = link.group(1)
    return links


def test_the_survey_officers_are_invited_when_the_e_office_opens_with_working_links(
    world: World, celery_worker: Worker, committed: None
) -> None:
    tenant = apply("invited-gb", "focal@invited-gb.example")

    # The process that approved dies right after the approval: the pipeline is already queued.
    with pytest.raises(RuntimeError):
        approve(world, tenant)
        raise RuntimeError("the web process died")
    wait_for(
        lambda: all_steps_done(tenant) or None,
        timeout=60,
        what="the pipeline to finish",
        log=celery_worker.log,
    )

    def three_invitations() -> dict[str, str] | None:
        found = invitation_links(celery_worker.mail_dir, "invited-gb.localhost")
        return found if len(found) == 3 else None

    links = wait_for(three_invitations, timeout=30, what="the invitations", log=celery_worker.log)

    assert sorted(links) == ["focal@invited-gb.example", "omar@gb.example", "sana@gb.example"]
    for email, link in links.items():
        client = client_for("invited-gb.localhost")
        opened = client.get(link)
        assert opened.status_code == 302, email
        changed = client.post(
            opened["Location"],
            {"password1": "Invited-Pass-2026!", "password2": "Invited-Pass-2026!"},
        )
        assert changed.status_code == 302, changed.content.decode()[:500]
        signed_in = client_for("invited-gb.localhost").post(
            "/accounts/login/", {"login": email, "password": "Invited-Pass-2026!"}
        )
        assert signed_in.status_code == 302, email
        # The link is bound to this tenant's host: another tenant's host does not know it.
        assert client_for("punjab.localhost").get(link).status_code != 302
    use_public_schema()
    assert OpeningInvitation.objects.filter(tenant=tenant).count() == 3


def test_twenty_tenants_all_become_active_while_the_console_polls_their_progress(
    world: World, celery_worker: Worker, committed: None
) -> None:
    tenants = [apply(f"polled-{n}", f"focal@polled-{n}.example") for n in range(20)]
    unfinished = {tenant.pk for tenant in tenants}
    polls: list[int] = []
    stop = threading.Event()

    def poll() -> None:
        # As the console's page does (every second; here as fast as it answers).
        client = signed_in_client(world.control_host, world.federal_admin_email)
        try:
            while not stop.is_set():
                for pk in list(unfinished):
                    response = client.get(f"/console/tenants/{pk}/provisioning/")
                    assert response.status_code == 200
                    polls.append(pk)
        finally:
            connection.close()

    def read() -> None:
        # Many consoles open at once: the selector behind the page, read without pause.
        try:
            while not stop.is_set():
                for tenant in [t for t in tenants if t.pk in unfinished]:
                    provisioning_progress(tenant)
                    polls.append(tenant.pk)
        finally:
            connection.close()

    pollers = [threading.Thread(target=target) for target in (poll, poll, read, read, read, read)]
    for thread in pollers:
        thread.start()
    try:
        for tenant in tenants:
            approve(world, tenant)

        def finished() -> bool | None:
            unfinished.difference_update(t.pk for t in tenants if all_steps_done(t))
            return not unfinished or None

        wait_for(
            finished, timeout=300, what="twenty tenants to be provisioned", log=celery_worker.log
        )
    finally:
        stop.set()
        for thread in pollers:
            thread.join(timeout=30)

    assert {state_of(tenant) for tenant in tenants} == {"active"}
    assert len(polls) > 100
    assert not [t for t in tenants if pipeline.is_stalled(t)]
