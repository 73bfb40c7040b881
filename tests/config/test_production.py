"""Production settings: `check --deploy` passes, and unsafe values stop the process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "PLATFORM_DOMAIN": "eoffice.gov.example",
    "DATABASE_URL": "postgres://eoffice@db.internal:5432/eoffice",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "S3_BUCKET": "eoffice-files",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only what a bare server has: nothing of this test run's own configuration leaks in.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "complaint"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("PLATFORM_DOMAIN", "PLATFORM_DOMAIN must be set"),
        ("DATABASE_URL", "DATABASE_URL must be set"),
        ("S3_BUCKET", "S3_BUCKET must be set"),
        ("REDIS_URL", "CELERY_BROKER_URL (or REDIS_URL) must name a broker server"),
    ],
)
def test_production_refuses_to_start_without(missing: str, complaint: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert complaint in result.stderr


def test_production_refuses_a_weak_secret_key() -> None:
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": "changeme"})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_turn_off_admin_two_factor() -> None:
    result = manage("check", **{**PRODUCTION, "REQUIRE_FEDERAL_ADMIN_MFA": "false"})

    assert result.returncode != 0
    assert "REQUIRE_FEDERAL_ADMIN_MFA" in result.stderr


def test_production_requires_two_factor_for_federal_admins_and_secure_cookies() -> None:
    probe = (
        "from django.conf import settings as s; "
        "print(s.REQUIRE_FEDERAL_ADMIN_MFA, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_NAME)"
    )
    result = manage("shell", "--verbosity=0", "-c", probe, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "__Host-eoffice-session"]


@pytest.mark.parametrize(
    ("dsn", "active"), [("https://key@sentry.invalid/1", "True"), ("", "False")]
)
def test_sentry_is_initialised_exactly_when_a_dsn_is_set(dsn: str, active: str) -> None:
    probe = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"

    result = manage("shell", "--verbosity=0", "-c", probe, **PRODUCTION, SENTRY_DSN=dsn)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == active
