"""Partner staff get roles: every current member of a partner becomes its owner (a
PartnerMembership), then the plain members list goes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def members_become_owners(apps, schema_editor):
    Partner = apps.get_model("tenants", "Partner")
    PartnerMembership = apps.get_model("tenants", "PartnerMembership")
    for partner in Partner.objects.all():
        for user in partner.members.all():
            PartnerMembership.objects.create(
                partner=partner, user=user, role="owner", invited_by="migration"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0006_suspension_holds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnerMembership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("owner", "Owner"),
                            ("billing", "Billing"),
                            ("support", "Support"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "invited_by",
                    models.CharField(help_text="E-mail of who added them.", max_length=254),
                ),
                ("invited_from", models.GenericIPAddressField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("removed_at", models.DateTimeField(blank=True, null=True)),
                ("removed_by", models.CharField(blank=True, max_length=254)),
                ("removed_from", models.GenericIPAddressField(blank=True, null=True)),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="tenants.partner",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="partner_memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["partner", "created_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("removed_at__isnull", True)),
                        fields=("partner", "user"),
                        name="one_live_membership_per_partner",
                    )
                ],
            },
        ),
        migrations.RunPython(members_become_owners, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="partner",
            name="members",
        ),
    ]
