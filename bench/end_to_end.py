"""End-to-end provisioning through a real worker: from "approved" to the first administrator
signed in. Used by bench/provisioning.py, inside its django.setup() process."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT
from config.tenancy import use_public_schema

ACTOR = "bench"
PASSWORD = "Bench-Admin-Password-2026"


def survey(offices: int = 20, posts: int = 100, officers: int = 80) -> dict[str, Any]:
    """A department-sized survey: a secretariat, its sections, posts in a reporting tree."""
    office_rows = [{"code": "SECY", "name": "Secretariat", "parent_code": ""}] + [
        {"code": f"S{i}", "name": f"Section {i}", "parent_code": "SECY"} for i in range(1, offices)
    ]
    post_rows = [
        {"abbreviation": "SECY", "designation": "Secretary", "office_code": "SECY"}
        | {"reports_to": ""}
    ] + [
        {
            "abbreviation": f"P{i}",
            "designation": f"Officer {i}",
            "office_code": f"S{1 + i % (offices - 1)}",
            "reports_to": "SECY" if i < 10 else f"P{i // 10}",
        }
        for i in range(1, posts)
    ]
    officer_rows = [
        {"full_name": f"Officer {i}", "email": f"officer{i}@bench.example", "post": f"P{i}"}
        for i in range(1, officers + 1)
    ]
    channels = [{"from_post": f"P{i}", "to_post": "SECY"} for i in range(10, 30)]
    return {
        "offices": office_rows,
        "posts": post_rows,
        "officers": officer_rows,
        "channels": channels,
        "expected_users": officers * 2,
        "it_readiness": {"connectivity": "mixed", "computers": 90, "scanners": 5},
    }


def start_worker(env: dict[str, str], mail_dir: Path) -> subprocess.Popen[bytes]:
    worker_env = dict(
        env,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--quiet",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-mingle",
            "--without-gossip",
            f"--queues={env['CELERY_QUEUE']},{env['CELERY_QUEUE']}-heavy",
        ],
        cwd=ROOT,
        env=worker_env,
    )


def purge(queue: str) -> None:
    """Drops tasks an earlier, interrupted run left for tenants of a database since dropped."""
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


def one_run(number: int, mail_dir: Path, plan: Any, partner: Any) -> float:
    """Seconds from the approval to the administrator's first successful sign-in."""
    from django.test import Client

    from provisioning.services import approve_and_provision
    from tenants.models import Tenant
    from tenants.services import submit_application

    use_public_schema()  # the previous run's sign-in left its tenant's schema
    subdomain = f"e2e-{number}"
    email = f"admin@{subdomain}.example"
    application = submit_application(
        organisation={
            "name": f"Bench Department {number}",
            "kind": "department",
            "subdomain": subdomain,
        },
        contact={
            "contact_name": "Bench Admin",
            "contact_designation": "Director IT",
            "contact_email": email,
            "contact_phone": "+92 51 9100000",
        },
        survey=survey(),
    )
    started = time.perf_counter()
    tenant = approve_and_provision(
        tenant=application.tenant, partner=partner, plan=plan, actor=ACTOR
    )
    link = _wait_for_invitation(mail_dir, email, tenant.pk, Tenant)
    client = Client(HTTP_HOST=f"{subdomain}.localhost")
    set_password = client.get(link)
    assert set_password.status_code == 302, set_password.status_code
    changed = client.post(set_password["Location"], {"password1": PASSWORD, "password2": PASSWORD})
    assert changed.status_code == 302, changed.content[:500]
    signed_in = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content[:500]
    elapsed = time.perf_counter() - started
    assert Tenant.objects.get(pk=tenant.pk).state == "active"
    return elapsed


def _wait_for_invitation(mail_dir: Path, email: str, tenant_id: int, tenant_model: Any) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for path in mail_dir.glob("*.log"):
            text = path.read_text()
            if email in text and (match := re.search(r"https?://[^/\s]+(/accounts/\S+)", text)):
                path.unlink()
                return match.group(1)
        state = tenant_model.objects.values_list("state", flat=True).get(pk=tenant_id)
        if state == "provisioning_failed":
            raise RuntimeError(f"Provisioning of {email}'s tenant failed; see the console.")
        time.sleep(0.01)
    raise RuntimeError(f"No invitation for {email} within two minutes.")


def measure(env: dict[str, str], runs: int) -> dict[str, float]:
    """Median and slowest of `runs` end-to-end provisionings, after one warm-up run."""
    from billing.models import Plan
    from tenants.services import create_partner

    purge(env["CELERY_QUEUE"])
    partner = create_partner(name="Bench Partner", contact_email="ops@bench.example")
    plan = Plan.objects.get(code="standard")
    with tempfile.TemporaryDirectory() as folder:
        mail_dir = Path(folder)
        worker = start_worker(env, mail_dir)
        try:
            one_run(0, mail_dir, plan, partner)  # the worker's imports and first connection
            timings = [one_run(n, mail_dir, plan, partner) for n in range(1, runs + 1)]
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    return {"median": statistics.median(timings), "max": max(timings), "runs": len(timings)}
