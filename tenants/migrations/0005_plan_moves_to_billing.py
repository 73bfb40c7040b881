"""Tenant.plan is gone: billing.Subscription holds the tenant's plan (copied there first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_schema_names_from_ids"),
        ("billing", "0003_subscription_from_tenant_plan"),
    ]

    operations = [migrations.RemoveField(model_name="tenant", name="plan")]
