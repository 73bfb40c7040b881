"""/healthz and /readyz on every host, and what /readyz says when a dependency is down."""

import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

HOSTS = ["localhost", "punjab.localhost", "nowhere.localhost", "10.0.0.7"]


@pytest.mark.parametrize("host", HOSTS)
def test_healthz_answers_on_every_host(world: World, host: str) -> None:
    response = client_for(host).get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


TOKEN = "t" + "0123456789abcdef" * 3
OPERATOR = {"HTTP_X_READINESS_TOKEN": TOKEN}
CHECKS = {"database", "broker", "storage", "static"}


def readyz(host: str = "localhost", **meta: str) -> Any:
    with override_settings(READINESS_TOKEN=TOKEN):
        return client_for(host).get("/readyz", **meta)


@pytest.mark.parametrize("host", HOSTS)
def test_readyz_tells_anyone_only_the_status(world: World, host: str) -> None:
    response = readyz(host)

    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("host", HOSTS)
def test_readyz_reports_each_dependency_to_the_operators(world: World, host: str) -> None:
    response = readyz(host, **OPERATOR)

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == CHECKS
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.parametrize(
    ("meta", "detailed"),
    [
        ({"HTTP_X_READINESS_TOKEN": TOKEN[:-1] + "x"}, False),
        ({"HTTP_X_READINESS_TOKEN": ""}, False),
        ({"REMOTE_ADDR": "192.0.2.50"}, True),  # the monitoring network
        ({"REMOTE_ADDR": "192.0.2.150"}, False),
        # Claiming to be the monitoring host counts only through a trusted proxy.
        ({"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "192.0.2.50"}, False),
        ({"REMOTE_ADDR": "10.0.3.4", "HTTP_X_FORWARDED_FOR": "192.0.2.50"}, True),
    ],
)
def test_readyz_details_need_the_token_or_an_allowed_address(
    world: World, meta: dict[str, str], detailed: bool
) -> None:
    with override_settings(
        READINESS_ALLOWED_NETWORKS=["192.0.2.0/25"], TRUSTED_PROXIES=["10.0.0.0/16"]
    ):
        body = readyz(**meta).json()

    assert ("checks" in body) is detailed


def test_readyz_without_a_token_configured_gives_no_details(world: World) -> None:
    with override_settings(READINESS_TOKEN=""):
        body = client_for("localhost").get("/readyz", HTTP_X_READINESS_TOKEN="").json()

    assert body == {"status": "ready"}


def test_readyz_reports_an_unreachable_broker_with_503(world: World) -> None:
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", READINESS_TIMEOUT=0.5):
        started = time.monotonic()
        response = readyz(**OPERATOR)
        elapsed = time.monotonic() - started
        anonymous = readyz()

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert elapsed < 10  # a dead broker must not hang the probe
    # Anyone else learns that it is down, not what or why (no driver's error text, no hosts).
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "unavailable"}


def test_readyz_reports_a_missing_storage_folder(world: World, tmp_path: Path) -> None:
    with override_settings(LOCAL_STORAGE_DIR=tmp_path / "missing", S3_BUCKET=""):
        response = readyz(**OPERATOR)

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_readyz_checks_the_s3_bucket(
    world: World, s3_endpoint: str, aws_test_credentials: None
) -> None:
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="eoffice-files"
    )

    with override_settings(S3_BUCKET="eoffice-files", S3_ENDPOINT_URL=s3_endpoint):
        ready = readyz(**OPERATOR)
    with override_settings(S3_BUCKET="no-such-bucket", S3_ENDPOINT_URL=s3_endpoint):
        missing = readyz(**OPERATOR)

    assert ready.status_code == 200, ready.json()
    assert missing.status_code == 503
    assert missing.json()["checks"]["storage"]["ok"] is False


MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_readyz_is_unavailable_until_static_files_are_collected(
    world: World, tmp_path: Path
) -> None:
    """Production's hashed static names need the manifest, or every page is a 500."""
    with override_settings(STORAGES=MANIFEST_STORAGES, STATIC_ROOT=tmp_path):
        missing = readyz(**OPERATOR)
        call_command("collectstatic", interactive=False, verbosity=0)
    # A process started after collectstatic (the storage is made afresh with the settings).
    with override_settings(STORAGES=MANIFEST_STORAGES, STATIC_ROOT=tmp_path):
        collected = readyz(**OPERATOR)

    assert missing.status_code == 503
    assert missing.json()["checks"]["static"]["ok"] is False
    assert "collectstatic" in missing.json()["checks"]["static"]["error"]
    assert collected.status_code == 200, collected.json()
    assert collected.json()["checks"]["static"]["ok"] is True
