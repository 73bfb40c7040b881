"""Routes each request by its host: the control plane, one tenant's e-office, or nowhere."""

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from config.tenancy import set_request_tenant, use_public_schema, use_tenant
from tenants.selectors import serving_tenant_for_host


class TenantRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' middleware, with the control plane known from settings.

    PLATFORM_DOMAIN (and www.) serves the control plane with `request.tenant = None`; a host of
    a serving tenant serves that tenant's e-office in its schema; any other host, including one
    of a tenant that is not yet (or no longer) serving, gets the "no e-office here" page.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        # The connection is moved once, to where this request is served: a tenant's host goes
        # straight from the last request's schema to its own (the routing look-up reads the
        # public schema by itself, tenants.selectors), rather than through public first.
        set_request_tenant(request, None)
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            use_public_schema()
            return self.unknown_host(request, request.META.get("HTTP_HOST", ""))

        if hostname in settings.CONTROL_PLANE_HOSTS:
            use_public_schema()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None

        tenant = serving_tenant_for_host(hostname)
        if tenant is None:
            use_public_schema()
            return self.unknown_host(request, hostname)
        tenant.domain_url = hostname
        set_request_tenant(request, tenant)
        use_tenant(tenant)
        return None

    @staticmethod
    def unknown_host(request: HttpRequest, hostname: str) -> HttpResponse:
        control_plane = f"{request.scheme}://{settings.PLATFORM_DOMAIN}"
        port = request.META.get("SERVER_PORT")
        if not settings.IS_PRODUCTION and port and port not in {"80", "443"}:
            control_plane += f":{port}"
        return render(
            request,
            "errors/unknown_host.html",
            {"hostname": hostname.split(":")[0][:253], "control_plane_url": control_plane},
            status=404,
        )
