"""The names a tenant is known by: its schema (generated from its id) and its host (its address).

A schema name reaches SQL, so no user ever chooses one: it is `t_<id>`, and a restore of the
tenant goes into `t_<id>_r<N>`. The address an applicant asks for lives only in `Domain` (and
`Tenant.subdomain`, the address the tenant holds). A generated name can never be the template
schema, `public`, `information_schema`, a `pg_*` schema or another tenant's schema, whatever
address was asked for.
"""

import re

from django.conf import settings

SCHEMA_PREFIX = "t_"
# The database holds every tenant's schema name to this pattern (a check constraint).
GENERATED_SCHEMA_NAME = re.compile(r"^t_[1-9][0-9]*(_r[1-9][0-9]*)?$")


def schema_name_for(tenant_id: int, *, restore: int = 0) -> str:
    """The schema of tenant `tenant_id`, or of its `restore`-th restore (1, 2 …) when given."""
    if tenant_id < 1 or restore < 0:
        raise ValueError(f"No schema is named for tenant {tenant_id}, restore {restore}.")
    name = f"{SCHEMA_PREFIX}{tenant_id}"
    return f"{name}_r{restore}" if restore else name


def is_schema_name_of(tenant_id: int, schema_name: str) -> bool:
    """Whether `schema_name` is one the platform generates for this tenant (first or restored)."""
    match = GENERATED_SCHEMA_NAME.match(schema_name)
    if match is None:
        return False
    return schema_name.removesuffix(match.group(1) or "") == schema_name_for(tenant_id)


def primary_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"
