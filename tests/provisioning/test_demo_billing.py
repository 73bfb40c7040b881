"""The demo bills its partner for last month, from usage collected in its tenants' schemas."""

from __future__ import annotations

import pytest
from django.utils import timezone

from billing.models import Invoice, UsageRecord
from provisioning.demo import load_demo
from provisioning.demo_billing import previous_month
from provisioning.demo_data import PARTNER, DemoTenant
from tenants.models import Partner
from tenants.selectors import tenant_at_address
from tests.conftest import World

pytestmark = pytest.mark.django_db

DEMO = DemoTenant(
    "billing-demo",
    "Billing Demo Province",
    ("admin@billing-demo.example", "Demo Admin"),
    (("so@billing-demo.example", "Bilal Ahmed"), ("ds@billing-demo.example", "Farah Malik")),
)


def test_the_demo_partner_has_last_months_invoice_traced_to_collected_usage(world: World) -> None:
    created = load_demo(tenants=[DEMO], application=None)

    tenant = tenant_at_address(DEMO.subdomain)
    assert tenant is not None
    partner = Partner.objects.get(name=PARTNER[0])
    first, last = previous_month(timezone.localdate())
    invoice = Invoice.objects.get(partner=partner, period_start=first)
    assert invoice.state == Invoice.State.FINALISED and invoice.number
    (line,) = invoice.lines.all()
    days = (last - first).days + 1
    assert (line.tenant_id, line.days, line.first_day, line.last_day) == (
        tenant.pk,
        days,
        first,
        last,
    )
    assert 0 < line.seats <= 3  # the administrator and two officers
    records = UsageRecord.objects.filter(tenant=tenant, day__gte=first, day__lte=last)
    assert records.count() == days
    assert sorted(line.trace["usage_record_ids"]) == sorted(records.values_list("pk", flat=True))
    assert any("invoice" in what for what in created)

    # Loading again finds the month billed and changes nothing.
    again = load_demo(tenants=[DEMO], application=None)
    assert not any("invoice" in what for what in again)
    assert Invoice.objects.filter(partner=partner, period_start=first).count() == 1
