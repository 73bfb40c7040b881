"""Where files are kept: an S3 bucket (any S3-compatible endpoint) or, locally, a folder."""

from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings


def uses_s3() -> bool:
    return bool(settings.S3_BUCKET)


def s3_client(*, timeout: float | None = None) -> Any:
    """A boto3 S3 client for the configured endpoint; credentials come from the usual AWS_* env."""
    config = Config(
        connect_timeout=timeout or 10,
        read_timeout=timeout or 60,
        retries={"max_attempts": 1 if timeout else 5, "mode": "standard"},
        s3={"addressing_style": "path"},
    )
    return boto3.client(
        "s3", endpoint_url=settings.S3_ENDPOINT_URL, region_name=settings.S3_REGION, config=config
    )
