"""Schema names are generated from the tenant's id; a requested address never reaches SQL.

Until issue 9 the address became the schema name (`tenant-template` → `tenant_template`, the
template every tenant is cloned from), so an applicant could name a schema that was not theirs.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import Plan
from billing.services import assign_plan
from provisioning.migration_state import TEMPLATE_SCHEMA
from provisioning.services import provision_tenant
from tenants.models import Application, Tenant
from tenants.naming import is_schema_name_of, schema_name_for
from tenants.services import approve_application, register_tenant, reject_application
from tests import onboarding
from tests.conftest import ACTOR, World, client_for

pytestmark = pytest.mark.django_db


def schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def rows_of(schema: str) -> dict[str, list[str]]:
    """Every row of every table of `schema`, as text and sorted."""
    rows: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = %s) ORDER BY 1",
            [schema],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT t::text FROM "{schema}"."{table}" t ORDER BY 1')
            rows[table] = [row[0] for row in cursor.fetchall()]
    return rows


def approve_and_provision(world: World, tenant: Tenant) -> Tenant:
    approve_application(tenant=tenant, partner=world.partner, actor=ACTOR)
    assign_plan(tenant=tenant, plan=Plan.objects.get(code="provincial"), actor=ACTOR)
    return provision_tenant(tenant=Tenant.objects.get(pk=tenant.pk), actor=ACTOR)


def test_applying_for_tenant_template_cannot_take_over_the_template(world: World) -> None:
    template_before = rows_of(TEMPLATE_SCHEMA)
    assert template_before  # the comparison below means something only if the template is full
    applicant = client_for(world.control_host)
    onboarding.fill_in(applicant, "tenant-template", contact_email="taker@template.example")
    assert applicant.post("/apply/review/").status_code == 302
    tenant = Application.objects.get(subdomain="tenant-template").tenant

    tenant = approve_and_provision(world, tenant)

    assert tenant.state == Tenant.State.ACTIVE
    assert tenant.schema_name == schema_name_for(tenant.pk) != TEMPLATE_SCHEMA
    assert [domain.domain for domain in tenant.domains.all()] == ["tenant-template.localhost"]
    # The applicant's administrator lives in the new tenant's own schema, and nowhere else.
    with schema_context(tenant.schema_name):
        assert User.objects.filter(email="taker@template.example", is_staff=True).exists()
    with schema_context(TEMPLATE_SCHEMA):
        assert not User.objects.exists()
    assert rows_of(TEMPLATE_SCHEMA) == template_before
    # The next tenant, made from the template's blueprint, has nobody of the first one's.
    following = approve_and_provision(world, onboarding.submit("after-template").tenant)
    with schema_context(following.schema_name):
        assert not User.objects.filter(email="taker@template.example").exists()


def test_applying_for_information_schema_gets_a_schema_of_its_own(world: World) -> None:
    tenant = onboarding.submit("information-schema", contact_email="focal@is.example").tenant

    tenant = approve_and_provision(world, tenant)

    assert tenant.state == Tenant.State.ACTIVE
    assert tenant.schema_name == schema_name_for(tenant.pk)
    with schema_context(tenant.schema_name):
        assert User.objects.filter(email="focal@is.example").exists()


def test_an_address_named_like_a_rejected_schema_does_not_break_the_rejection(
    world: World,
) -> None:
    first = onboarding.submit("first-to-apply").tenant
    squatter = onboarding.submit(f"rejected-{first.pk}", contact_email="sq@gb.example").tenant
    first_schema, squatter_schema = first.schema_name, squatter.schema_name

    rejected = reject_application(tenant=first, actor=ACTOR, reason="Apply through the board.")

    assert (rejected.state, rejected.subdomain) == (Tenant.State.REJECTED, None)
    # A rejected tenant keeps its own name: nothing is renamed, so nothing can collide.
    assert rejected.schema_name == first_schema == schema_name_for(first.pk)
    squatter.refresh_from_db()
    assert (squatter.state, squatter.schema_name) == (Tenant.State.APPLIED, squatter_schema)
    assert onboarding.submit("first-to-apply").tenant.state == Tenant.State.APPLIED


def hostile_addresses(world: World) -> list[str]:
    """Addresses that name, or once named, a schema that was not the applicant's."""
    punjab, sindh = world.punjab.tenant, world.sindh.tenant
    addresses = [
        "tenant-template",
        "template-tenant",
        "information-schema",
        "public-schema",
        "rejected-1",
        f"rejected-{punjab.pk}",
        "t-1",
        f"t-{punjab.pk}",
        f"t-{sindh.pk}-r1",
        f"{punjab.schema_name.replace('_', '-')}-r1",
        "punjab-r1",
        "sindh-r2",
        "a" * 63,
        "t" + "-1" * 31,
    ]
    return list(dict.fromkeys(addresses))


def test_for_every_hostile_address_the_schema_name_comes_from_the_id_alone(world: World) -> None:
    before_schemas = schemas()
    before_names = set(Tenant.objects.values_list("schema_name", flat=True))

    tenants = [
        register_tenant(name=f"Hostile {n}", kind=Tenant.Kind.DEPARTMENT, subdomain=a, actor=ACTOR)
        for n, a in enumerate(hostile_addresses(world))
    ]

    names = [tenant.schema_name for tenant in tenants]
    for tenant in tenants:
        assert tenant.schema_name == schema_name_for(tenant.pk), tenant.subdomain
        assert is_schema_name_of(tenant.pk, tenant.schema_name)
        assert Tenant.objects.get(pk=tenant.pk).schema_name == tenant.schema_name
    assert len(set(names)) == len(names)
    assert not set(names) & (before_schemas | before_names)


def test_the_database_refuses_a_schema_name_it_did_not_generate(world: World) -> None:
    tenant = register_tenant(
        name="Direct", kind=Tenant.Kind.DEPARTMENT, subdomain="direct", actor=ACTOR
    )

    with pytest.raises(ValueError, match="generated from its id"):
        Tenant.objects.create(name="Named", kind=Tenant.Kind.DEPARTMENT, schema_name="named")
    for forced in (TEMPLATE_SCHEMA, "information_schema", "public", "pg_temp", "direct", "t_0"):
        with (
            pytest.raises(IntegrityError, match="tenant_schema_name_is_generated"),
            transaction.atomic(),
        ):
            Tenant.objects.filter(pk=tenant.pk).update(schema_name=forced)


@pytest.mark.parametrize("address", ["xn--pnjab-9ve", "xn--80ak6aa92e", "xn--a"])
def test_punycode_addresses_are_refused_and_the_applicant_is_told_why(
    world: World, address: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        register_tenant(name="Look-alike", kind="province", subdomain=address, actor=ACTOR)
    data = dict(onboarding.steps("gb")[0][1], subdomain=address)
    response = client_for(world.control_host).post("/apply/organisation/", data)

    assert refused.value.code == "idna_subdomain"
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["subdomain"])
    assert "punycode" in message and "another tenant's name" in message
    assert not Tenant.objects.filter(name="Look-alike").exists()


@pytest.mark.parametrize("address", ["ab--cd", "zz--punjab", "12--34"])
def test_other_labels_reserved_for_encodings_are_refused(world: World, address: str) -> None:
    with pytest.raises(ValidationError, match="third and fourth places") as refused:
        register_tenant(name="Encoded", kind="province", subdomain=address, actor=ACTOR)

    assert refused.value.code == "idna_subdomain"


@pytest.mark.parametrize("address", ["x-n--punjab", "xn-punjab", "punjab--xn"])
def test_hyphens_elsewhere_are_still_plain_addresses(world: World, address: str) -> None:
    tenant = register_tenant(name="Plain", kind="province", subdomain=address, actor=ACTOR)

    assert tenant.subdomain == address and tenant.schema_name == schema_name_for(tenant.pk)
