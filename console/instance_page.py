"""What a page listing instances puts in its context: the federal console's and the partner
portal's lists share it, each over its own tenants."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from console.instance_list import (
    PAGE_SIZE,
    PROVISIONING_STATES,
    SORTS,
    filtered,
    filters_from,
    summary_of,
    without_jit,
)
from reports.levels import LEVELS
from tenants.models import Tenant


def instance_page_context(
    request: HttpRequest, tenants: QuerySet[Tenant], *, scope: str, usage_totals: bool = False
) -> dict[str, Any]:
    """The page of `tenants` (from console.instance_list.instances(), already limited to what
    the viewer may see; `scope` names them: "all" or "partner-<id>") the request asks for, its
    summary and the links that keep its filters.

    The page is chosen on ids first (only the filters and the sort key are computed for the
    tenants skipped over), then its 50 tenants are read with every column."""
    filters = filters_from(request.GET)
    ordered_ids = filtered(tenants, filters).values_list("pk", flat=True)
    with without_jit():
        page = Paginator(ordered_ids, PAGE_SIZE).get_page(request.GET.get("page"))
        ids = list(page.object_list)
        found = {tenant.pk: tenant for tenant in tenants.filter(pk__in=ids)}
        summary = summary_of(tenants, scope=scope, usage_totals=usage_totals)
    # A column's link sorts by it ascending, or descending when it is already the ascending sort.
    sort_links = {
        key: urlencode(filters.as_query(sort=f"-{key}" if filters.sort == key else key))
        for key in SORTS
    }
    return {
        "filters": filters,
        "page": page,
        "tenants": [found[pk] for pk in ids],
        "summary": summary,
        "query": urlencode(filters.as_query()),
        "sort_links": sort_links,
        "sorted_by": filters.sort.removeprefix("-"),
        "sorted_descending": filters.sort.startswith("-"),
        "states": Tenant.State.choices,
        "kinds": Tenant.Kind.choices,
        "levels": LEVELS,
        "provisioning_states": PROVISIONING_STATES,
    }
