"""/healthz and /readyz on every host, and what /readyz says when a dependency is down."""

import time
from pathlib import Path

import boto3
import pytest
from django.test import override_settings

from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

HOSTS = ["localhost", "punjab.localhost", "nowhere.localhost", "10.0.0.7"]


@pytest.mark.parametrize("host", HOSTS)
def test_healthz_answers_on_every_host(world: World, host: str) -> None:
    response = client_for(host).get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("host", HOSTS)
def test_readyz_reports_each_dependency(world: World, host: str) -> None:
    response = client_for(host).get("/readyz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_reports_an_unreachable_broker_with_503(world: World) -> None:
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0", READINESS_TIMEOUT=0.5):
        started = time.monotonic()
        response = client_for("localhost").get("/readyz")
        elapsed = time.monotonic() - started

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert elapsed < 10  # a dead broker must not hang the probe


def test_readyz_reports_a_missing_storage_folder(world: World, tmp_path: Path) -> None:
    with override_settings(LOCAL_STORAGE_DIR=tmp_path / "missing", S3_BUCKET=""):
        response = client_for("localhost").get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_readyz_checks_the_s3_bucket(
    world: World, s3_endpoint: str, aws_test_credentials: None
) -> None:
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket="eoffice-files"
    )

    with override_settings(S3_BUCKET="eoffice-files", S3_ENDPOINT_URL=s3_endpoint):
        ready = client_for("localhost").get("/readyz")
    with override_settings(S3_BUCKET="no-such-bucket", S3_ENDPOINT_URL=s3_endpoint):
        missing = client_for("localhost").get("/readyz")

    assert ready.status_code == 200, ready.json()
    assert missing.status_code == 503
    assert missing.json()["checks"]["storage"]["ok"] is False
