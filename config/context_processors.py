"""What every page of either plane needs to draw its layout."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from config.tenancy import request_tenant


def platform(request: HttpRequest) -> dict[str, Any]:
    tenant = request_tenant(request)
    port = request.get_port()
    return {
        # Links between planes keep a development server's port (localhost:8000).
        "port_suffix": "" if port in {"80", "443"} else f":{port}",
        "platform_name": settings.PLATFORM_NAME,
        "tenant": tenant,
        "is_control_plane": tenant is None,
        "federal_mfa_relaxed": not settings.REQUIRE_FEDERAL_ADMIN_MFA,
    }
