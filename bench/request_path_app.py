"""What the request-path benchmark serves: a trivial view, and one that makes a single query.

Three settings modules serve the same URLs: ours (the project's settings), stock django-tenants
(its own middleware and backend) and plain Django (no tenants at all). Each is chosen with
DJANGO_SETTINGS_MODULE=bench.request_path_app and REQUEST_PATH_SIDE=ours|stock|plain.
"""

from __future__ import annotations

import os
import time

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from config.settings import *  # noqa: F403 - each side measures the real settings
from config.settings import CACHES as _CACHES
from config.settings import DATABASES as _DATABASES
from config.settings import MIDDLEWARE as _MIDDLEWARE

SIDE = os.environ.get("REQUEST_PATH_SIDE", "ours")
ROUTING = "tenants.middleware.TenantRoutingMiddleware"

ROOT_URLCONF = "bench.request_path_app"
PUBLIC_SCHEMA_URLCONF = "bench.request_path_app"
DEBUG = False

if SIDE == "stock":
    MIDDLEWARE = [
        "django_tenants.middleware.main.TenantMainMiddleware" if m == ROUTING else m
        for m in _MIDDLEWARE
    ]
    DATABASES = {
        "default": {**_DATABASES["default"], "ENGINE": "django_tenants.postgresql_backend"}
    }
    # Stock django-tenants' main middleware serves PUBLIC_SCHEMA_URLCONF on the public host only.
    SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
elif SIDE == "plain":
    # django-tenants stays installed (its router only decides where migrations run); nothing of
    # it touches a request.
    MIDDLEWARE = [m for m in _MIDDLEWARE if m != ROUTING]
    DATABASES = {"default": {**_DATABASES["default"], "ENGINE": "django.db.backends.postgresql"}}
    # What binds cookies and cache keys to a tenant reads the connection's schema, which plain
    # Django's connection has not.
    MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"
    CACHES = {
        alias: {**cache, "KEY_FUNCTION": "django.core.cache.backends.base.default_key_func"}
        for alias, cache in _CACHES.items()
    }


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


def one_query(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_content_type")
        (count,) = cursor.fetchone()
    return HttpResponse(str(count).encode(), content_type="text/plain")


def page(request: HttpRequest) -> HttpResponse:
    """A page's worth of work (a query and about 5 ms of CPU), answering with the worker's pid:
    bench/web_workers.py counts how requests spread over the workers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_content_type")
    deadline = time.thread_time() + 0.005
    while time.thread_time() < deadline:
        pass
    return HttpResponse(str(os.getpid()).encode(), content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/ping/", ping),
    path("bench/query/", one_query),
    path("bench/page/", page),
]
