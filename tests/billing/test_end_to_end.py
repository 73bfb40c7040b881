"""Billing end to end, with a real worker, a real local Stripe and its signed webhooks.

A tenant is provisioned for a partner on a plan → a month of usage is collected from its
schema → the month's invoice → the partner's card is declined (4000000000000341) → grace, with
the banner → grace ends → the e-office is read-only (a write refused, a read served, nothing
deleted) → the partner's billing staff add a good card in the portal, which pays the invoice →
writable again within a minute; the same month run again makes no second charge.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import ActiveDay, User
from accounts.services import create_account
from billing.models import BillingAccount, BillingTerm, GracePeriod, Invoice, Plan, UsageRecord
from billing.services import assign_plan
from billing.stripe_api import client, recording
from billing.tasks.invoices import month_end
from billing.tasks.usage import collect_usage
from provisioning.services import provision_tenant
from provisioning.tasks import apply_billing_holds
from tenants.models import Partner, Tenant
from tenants.services import add_partner_member, create_partner, register_tenant, transition_tenant
from tests.conftest import ACTOR, PASSWORD, signed_in_client
from tests.worker import wait_for

pytestmark = [pytest.mark.worker]

FAILING_CARD = "4000000000000341"
GOOD_CARD = "4242424242424242"
S = Tenant.State
OFFICERS = 4


def last_month() -> tuple[datetime.date, datetime.date]:
    first_of_this = timezone.localdate().replace(day=1)
    last = first_of_this - datetime.timedelta(days=1)
    return last.replace(day=1), last


def add_card_in_portal(staff: Client, partner: Partner, number: str) -> str:
    """What the card page does: a SetupIntent from our server, confirmed by Stripe.js with the
    card (here the same two Stripe calls Stripe.js makes), then recorded by our server."""
    page = staff.post(f"/console/partner/{partner.pk}/cards/setup/")
    assert page.status_code == 200, page.content.decode()[:500]
    found = re.search(r'data-client-secret="([^"]+)"', page.content.decode())
    assert found, "the card page carries the SetupIntent's client secret"
    intent_id = found.group(1).split("_secret_")[0]
    stripe = client()
    method = stripe.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    stripe.v1.setup_intents.confirm(intent_id, params={"payment_method": method.id})
    recorded = staff.post(
        f"/console/partner/{partner.pk}/cards/record/", {"setup_intent": intent_id}
    )
    assert recorded.status_code == 302
    return str(method.id)


def provision_for(partner: Partner, plan: Plan) -> Tenant:
    tenant = register_tenant(
        name="Billing Province",
        kind=Tenant.Kind.PROVINCE,
        subdomain="billing-e2e",
        partner=partner,
        actor=ACTOR,
    )
    assign_plan(tenant=tenant, plan=plan, actor=ACTOR)
    transition_tenant(tenant=tenant, to_state=S.APPROVED, actor=ACTOR)
    return provision_tenant(tenant=tenant, actor=ACTOR)


def charges_of(customer: str) -> int:
    listed = client().v1.charges.list(params={"customer": customer, "limit": 100})
    return sum(1 for charge in listed.data if charge.status == "succeeded")


def test_a_month_from_usage_to_a_declined_card_read_only_and_paid_again(
    world: Any,
    committed: None,
    stripe_settings: str,
    celery_worker: Any,
    webhook_url: str,
) -> None:
    partner = create_partner(name="End To End IT", contact_email="ops@e2e-it.example")
    billing_staff = create_account(
        email="billing@e2e-it.example", full_name="Bushra Billing", password=PASSWORD
    )
    add_partner_member(partner=partner, user=billing_staff, role="billing", invited_by=ACTOR)
    staff = signed_in_client(world.control_host, billing_staff.email)
    add_card_in_portal(staff, partner, FAILING_CARD)

    # Provisioned for the partner: billing starts accruing from the day it became active.
    plan = Plan.objects.get(code="standard")
    tenant = provision_for(partner, plan)
    term = BillingTerm.objects.filter(tenant=tenant).order_by("-id").first()
    assert term is not None and term.billable and term.partner_id == partner.pk
    # For the test, the tenant opened on the 1st of last month (terms are history; this one
    # only moves its start back), so last month can be billed whole.
    first, last = last_month()
    BillingTerm.objects.create(
        tenant=tenant, partner=partner, plan=plan, effective_from=first, recorded_by=ACTOR
    )
    host = "billing-e2e.localhost"
    with schema_context(tenant.schema_name):
        admin = create_account(
            email="admin@billing-e2e.example",
            full_name="E2E Admin",
            password=PASSWORD,
            is_staff=True,
        )
        officers = [
            create_account(email=f"o{n}@billing-e2e.example", full_name=f"O {n}", password=PASSWORD)
            for n in range(OFFICERS)
        ]
        # A month of work: officer n signs in on every (n+1)th day of it.
        days = [first + datetime.timedelta(days=d) for d in range((last - first).days + 1)]
        ActiveDay.objects.bulk_create(
            ActiveDay(user=officer, day=day)
            for n, officer in enumerate(officers)
            for index, day in enumerate(days)
            if index % (n + 1) == 0
        )
        accounts_before = User.objects.count()

    # A month of usage, collected from the tenant's schema by the worker, one task a day.
    for day in days:
        collect_usage.delay(tenant.pk, day.isoformat())
    wait_for(
        lambda: (
            UsageRecord.objects.filter(tenant=tenant, day__gte=first, day__lte=last).count()
            == len(days)
            or None
        ),
        timeout=60,
        what="a month of usage collected",
        log=celery_worker.log,
    )
    assert UsageRecord.objects.get(tenant=tenant, day=last).officers_active_month == OFFICERS

    # The month's end: the invoice, sent to Stripe; the card is declined.
    month_end.delay(first.isoformat())
    invoice = wait_for(
        lambda: Invoice.objects.filter(
            partner=partner, period_start=first, payment_failed_at__isnull=False
        ).first(),
        timeout=60,
        what="the invoice finalised, sent and declined",
        log=celery_worker.log,
    )
    assert invoice.number and invoice.number.startswith(f"INV-{timezone.localdate().year}-")
    (line,) = invoice.lines.all()
    assert (line.tenant_id, line.seats, line.days) == (tenant.pk, OFFICERS, len(days))
    assert invoice.total_minor == line.amount_minor > 0
    grace = wait_for(
        lambda: GracePeriod.objects.filter(invoice=invoice).first(),
        timeout=30,
        what="the grace period the declined payment opens",
        log=celery_worker.log,
    )

    # The grace banner, to the tenant's administrator and to the partner's billing staff.
    tenant_admin = signed_in_client(host, admin.email)
    home = tenant_admin.get("/", follow=True).content.decode()
    assert invoice.number in home and "becomes read-only" in home
    assert invoice.number in staff.get(f"/console/partner/{partner.pk}/").content.decode()

    # Grace ends unpaid: read-only, within a minute of the minute's check.
    GracePeriod.objects.filter(pk=grace.pk).update(
        started_on=timezone.localdate() - datetime.timedelta(days=15),
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    apply_billing_holds.delay()
    wait_for(
        lambda: Tenant.objects.filter(pk=tenant.pk, state=S.SUSPENDED).first(),
        timeout=60,
        what="the tenant read-only for the unpaid invoice",
        log=celery_worker.log,
    )
    officer = signed_in_client(host, officers[0].email)  # signing in still works
    assert officer.get("/directory/").status_code == 200  # reading works
    refused = officer.post("/accounts/email/", {"email": "x@billing-e2e.example", "action_add": ""})
    assert refused.status_code == 403
    assert invoice.number in refused.content.decode()
    with schema_context(tenant.schema_name):
        assert User.objects.count() == accounts_before  # nothing deleted
        assert ActiveDay.objects.filter(day__gte=first, day__lte=last).count() > 0

    # The partner adds a good card in the portal and makes it the default: the unpaid invoice
    # is charged to it, and the e-office is writable again within a minute.
    customer = BillingAccount.objects.get(partner=partner).stripe_customer_id
    good = add_card_in_portal(staff, partner, GOOD_CARD)
    made_default = staff.post(f"/console/partner/{partner.pk}/cards/{good}/default/")
    assert made_default.status_code == 302
    wait_for(
        lambda: Invoice.objects.filter(pk=invoice.pk, state=Invoice.State.PAID).first(),
        timeout=60,
        what="the invoice paid with the new card",
        log=celery_worker.log,
    )
    wait_for(
        lambda: Tenant.objects.filter(pk=tenant.pk, state=S.ACTIVE).first(),
        timeout=60,
        what="the tenant writable again after the payment",
        log=celery_worker.log,
    )
    accepted = officer.post(
        "/accounts/email/", {"email": "y@billing-e2e.example", "action_add": ""}
    )
    assert accepted.status_code == 302
    assert charges_of(customer) == 1

    # The same month run again (as after a crash, or a second trigger): no second charge, no
    # second invoice, nothing new in Stripe.
    with recording() as sent:
        month_end(first.isoformat())
    assert [r for r in sent if r.method == "POST"] == []
    assert Invoice.objects.filter(partner=partner, period_start=first).count() == 1
    assert charges_of(customer) == 1


@pytest.mark.django_db
def test_only_money_roles_of_the_partner_may_start_adding_a_card(
    world: Any, stripe_settings: str
) -> None:
    """The step the end-to-end flow's partner takes is refused to support staff (403) and to
    another partner's billing staff (404), and starts no SetupIntent for them."""
    partner = create_partner(name="Card Roles IT", contact_email="ops@card-roles.example")
    other = create_partner(name="Card Roles Rival", contact_email="ops@card-rival.example")
    accounts = {}
    for role, owner in (("support", partner), ("billing", other)):
        user = create_account(
            email=f"{role}@card-roles.example", full_name=role.title(), password=PASSWORD
        )
        add_partner_member(partner=owner, user=user, role=role, invited_by=ACTOR)
        accounts[role] = signed_in_client(world.control_host, user.email)

    assert (
        accounts["support"].post(f"/console/partner/{partner.pk}/cards/setup/").status_code == 403
    )
    assert (
        accounts["billing"].post(f"/console/partner/{partner.pk}/cards/setup/").status_code == 404
    )
    assert not BillingAccount.objects.filter(partner=partner).exists()
