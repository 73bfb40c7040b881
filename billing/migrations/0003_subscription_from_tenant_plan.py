"""The tenant's plan becomes billing's: a Subscription per tenant, copied from Tenant.plan
(which tenants 0005_plan_moves_to_billing then removes)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def copy_plans(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Subscription = apps.get_model("billing", "Subscription")
    for tenant in Tenant.objects.exclude(plan=None).select_related("application"):
        application = getattr(tenant, "application", None)
        Subscription.objects.get_or_create(
            tenant=tenant,
            defaults={
                "plan_id": tenant.plan_id,
                "assigned_at": (application and application.decided_at) or timezone.now(),
                "assigned_by": (application and application.decided_by) or "migration",
            },
        )


def copy_back(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    Subscription = apps.get_model("billing", "Subscription")
    for subscription in Subscription.objects.all():
        Tenant.objects.filter(pk=subscription.tenant_id).update(plan_id=subscription.plan_id)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_initial_plans"),
        ("tenants", "0003_backfill_subdomains"),
    ]

    operations = [
        migrations.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("assigned_at", models.DateTimeField()),
                (
                    "assigned_by",
                    models.CharField(help_text="E-mail of who chose the plan.", max_length=254),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subscriptions",
                        to="billing.plan",
                    ),
                ),
                (
                    "tenant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="subscription",
                        to="tenants.tenant",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_plans, copy_back),
    ]
