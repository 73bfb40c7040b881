"""Typed access to what django-tenants adds to Django's connection and request.

django-tenants swaps in its own database wrapper (with `schema_name`, `tenant` and the
`set_*` methods) and sets `request.tenant`, neither of which Django's type stubs know. Code goes
through these functions instead of reading the attributes off `connection`, so the type checker
sees what is really there and a wrong call is caught.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.db import connection
from django.http import HttpRequest


class _TenantWrapper(Protocol):
    schema_name: str
    tenant: Any
    pg_version: int

    def set_schema_to_public(self) -> None: ...

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None: ...

    def set_schema(self, schema_name: str, include_public: bool = True) -> None: ...


def _wrapper() -> _TenantWrapper:
    return cast(_TenantWrapper, connection)


def current_schema() -> str:
    """The schema the default connection's queries run in now (`public` on the control plane)."""
    return _wrapper().schema_name


def current_tenant() -> Any:
    """The tenant object the connection was last set to (a fake one inside `schema_context`)."""
    return _wrapper().tenant


def use_public_schema() -> None:
    _wrapper().set_schema_to_public()


def use_tenant(tenant: Any) -> None:
    _wrapper().set_tenant(tenant)


def server_version() -> int:
    """PostgreSQL's version number, e.g. 150019 for 15.19."""
    return _wrapper().pg_version


def request_tenant(request: HttpRequest) -> Any:
    """The tenant a request was routed to, or None on the control plane."""
    return getattr(request, "tenant", None)


def set_request_tenant(request: HttpRequest, tenant: Any) -> None:
    request.tenant = tenant  # type: ignore[attr-defined]  # django-tenants' own attribute
