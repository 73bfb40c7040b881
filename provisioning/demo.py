"""The local demo: a federal admin, a partner vendor, and two provincial e-offices."""

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import create_account
from eoffice.demo_work import load_demo_office
from provisioning.demo_billing import load_demo_billing, put_on_plan
from provisioning.demo_data import (
    DEMO_PASSWORD,
    FEDERAL_ADMIN,
    PARTNER,
    PENDING_APPLICATION,
    TENANTS,
    DemoTenant,
)
from provisioning.services import provision_tenant
from tenants.lifecycle import SERVING_STATES
from tenants.models import Application, Partner, Tenant
from tenants.selectors import partner_role, tenant_at_address
from tenants.services import (
    add_partner_member,
    create_partner,
    register_tenant,
    submit_application,
    transition_tenant,
)

ACTOR = "demo-loader"
logger = logging.getLogger(__name__)


def _ensure_account(email: str, full_name: str, *, is_staff: bool = False) -> User:
    existing = User.objects.filter(email=email).first()
    if existing:
        return existing
    return create_account(
        email=email, full_name=full_name, password=DEMO_PASSWORD, is_staff=is_staff
    )


def load_demo(
    *,
    tenants: Sequence[DemoTenant] = TENANTS,
    application: dict[str, Any] | None = PENDING_APPLICATION,
) -> list[str]:
    """Creates whatever part of the demo is missing and returns what it created.

    A demo tenant is found by its address, so one restored (into a schema of another name) or
    otherwise changed since the last load is used again rather than applied for anew.
    """
    created: list[str] = []
    with transaction.atomic():
        if not User.objects.filter(email=FEDERAL_ADMIN[0]).exists():
            created.append(f"federal administrator {FEDERAL_ADMIN[0]}")
        _ensure_account(FEDERAL_ADMIN[0], FEDERAL_ADMIN[1], is_staff=True)

        partner_name, partner_email, (member_name, member_email) = PARTNER
        partner = Partner.objects.filter(name=partner_name).first()
        if partner is None:
            partner = create_partner(name=partner_name, contact_email=partner_email)
            created.append(f"partner {partner_name}")
        member = _ensure_account(member_email, member_name)
        if partner_role(member, partner) is None:
            add_partner_member(partner=partner, user=member, role="owner", invited_by="demo")

    serving: list[Tenant] = []
    for spec in tenants:
        tenant = tenant_at_address(spec.subdomain)
        if tenant is None:
            tenant = register_tenant(
                name=spec.name,
                kind=Tenant.Kind.PROVINCE,
                subdomain=spec.subdomain,
                partner=partner,
                actor=ACTOR,
            )
            transition_tenant(tenant=tenant, to_state=Tenant.State.APPROVED, actor=ACTOR)
            created.append(f"tenant {spec.name}")
        if tenant.state in {Tenant.State.APPROVED, Tenant.State.PROVISIONING}:
            put_on_plan(tenant)  # billing starts when it becomes active
            provision_tenant(tenant=tenant, actor=ACTOR)
        if tenant.state not in SERVING_STATES:
            # Archived or deleted from the console: its schema is closed or gone until restored.
            logger.warning("Demo tenant %s is %s; left as it is.", spec.name, tenant.state)
            continue
        with schema_context(tenant.schema_name), transaction.atomic():
            _ensure_account(*spec.admin, is_staff=True)
            for email, name in spec.officers:
                _ensure_account(email, name)
            if load_demo_office(officers=list(spec.officers)):
                created.append(f"org chart and a morning's work in {spec.name}")
        serving.append(tenant)

    if serving and load_demo_billing(partner=partner, tenants=serving):
        created.append(f"last month's usage and invoice for {partner.name}")

    if application is None:
        return created
    subdomain = application["organisation"]["subdomain"]
    if not Application.objects.filter(subdomain=subdomain).exists():
        submit_application(**application)
        created.append(f"an application from {application['organisation']['name']}")
    return created
