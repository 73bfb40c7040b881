"""Production settings: `check --deploy` passes, and unsafe values stop the process."""

import os
import re
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
    "TRUSTED_PROXIES": "10.0.0.0/16",
    "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_urlsafe(24),
    "STRIPE_PUBLISHABLE_KEY": "pk_live_" + secrets.token_urlsafe(24),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
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
        ("REDIS_URL", "REDIS_URL must be set in production"),
        ("TRUSTED_PROXIES", "TRUSTED_PROXIES must list the load balancer"),
        ("STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY must be set in production"),
        ("STRIPE_PUBLISHABLE_KEY", "STRIPE_PUBLISHABLE_KEY must be set in production"),
        ("STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET must be set in production"),
    ],
)
def test_production_refuses_to_start_without(missing: str, complaint: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert complaint in result.stderr


@pytest.mark.parametrize(
    ("setting", "value", "complaint"),
    [
        ("STRIPE_API_BASE", "http://localhost:8420", "STRIPE_API_BASE must be empty"),
        ("STRIPE_SECRET_KEY", "pk_live_oops", "must be a secret or restricted key"),
    ],
)
def test_production_refuses_a_fake_or_wrong_stripe(
    setting: str, value: str, complaint: str
) -> None:
    result = manage("check", **{**PRODUCTION, setting: value})

    assert result.returncode != 0
    assert complaint in result.stderr


@pytest.mark.parametrize("percent", ["17.125", "100", "-1", "sixteen", "NaN"])
def test_a_tax_rate_the_invoice_cannot_store_as_charged_is_refused(percent: str) -> None:
    result = manage("check", **{**PRODUCTION, "BILLING_TAX_PERCENT": percent})

    assert result.returncode != 0
    assert "BILLING_TAX_PERCENT must be a percentage" in result.stderr


def test_production_refuses_rate_limits_counted_per_process() -> None:
    """A broker of its own does not make up for the cache: without Redis every web process
    counts failed sign-ins by itself (17 of 24 wrong passwords checked instead of 5)."""
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}

    result = manage("check", **env, CELERY_BROKER_URL="amqp://broker.internal:5672//")

    assert result.returncode != 0
    assert "REDIS_URL must be set in production" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "changeme",
        "django-insecure-" + secrets.token_urlsafe(50),  # startproject's placeholder
        "ab" * 40,
        "abcdefghij" * 6,
        "Tr0ub4dor&3-" * 5,  # a repeated block of many characters
        "a" * 60 + "bcdefghijklmnop",  # long, many characters, still mostly one
        "0123456789" + "9876543210" + "0123456789" + "9876543210" + "0123456789",
        "local-only-not-secret-" + "x" * 40,  # the local default
    ],
)
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": key})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(64),
        secrets.token_hex(25),  # 50 hex digits: 200 random bits in only 16 characters
        secrets.token_hex(32),
        "".join(
            secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)") for _ in "x" * 50
        ),
    ],
)
def test_production_accepts_a_random_secret_key(key: str) -> None:
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": key})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("TRUSTED_PROXIES", "10.0.0.0/16,the-balancer", "TRUSTED_PROXIES must list IP addresses"),
        ("TRUSTED_PROXY_COUNT", "1", "TRUSTED_PROXY_COUNT is no longer read"),
        ("READINESS_ALLOWED_NETWORKS", "10.0.0.0/33", "READINESS_ALLOWED_NETWORKS must list"),
        ("READINESS_TOKEN", "short", "READINESS_TOKEN must be at least 32"),
    ],
)
def test_production_refuses_unsafe_proxy_and_probe_settings(
    variable: str, value: str, complaint: str
) -> None:
    result = manage("check", **{**PRODUCTION, variable: value})

    assert result.returncode != 0
    assert complaint in result.stderr


def _procfile_step(process: str, program: str) -> list[str]:
    """The part of a Procfile process that runs `manage.py <program>`, as argv."""
    line = next(
        line.partition(":")[2]
        for line in (ROOT / "platform" / "Procfile").read_text().splitlines()
        if line.startswith(f"{process}:")
    )
    step = next(part.split() for part in line.split("&&") if program in part.split())
    assert step[:2] == ["python", "manage.py"]
    return step[2:]


def test_the_web_process_collects_static_files_before_it_serves(tmp_path: Path) -> None:
    """Hashed static names need the manifest: without it every page is a 500 (and /readyz,
    which checks it, says unavailable)."""
    probe = (
        "from config.readiness import check_static\n"
        "from django.templatetags.static import static\n"
        "for step in (check_static, lambda: static('css/app.css')):\n"
        "    try: print(step())\n"
        "    except Exception as error: print(type(error).__name__)"
    )
    web = (ROOT / "platform" / "Procfile").read_text()
    env = {**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static")}

    before = manage("shell", "--verbosity=0", "-c", probe, **env)
    collected = manage(*_procfile_step("web", "collectstatic"), **env)
    after = manage("shell", "--verbosity=0", "-c", probe, **env)

    assert "collectstatic" in web.partition("web:")[2].partition("gunicorn")[0]
    # /readyz's check fails, and so would every page's {% static %}: the 500 of every page.
    assert before.stdout.split() == ["OSError", "ValueError"], before
    assert collected.returncode == 0, collected.stderr
    ready, url = after.stdout.split()
    assert ready == "None"
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url), after


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
