"""Suspension holds: a tenant is suspended while any hold on it is open.

Every tenant suspended today gets a federal hold from its last suspension event (its reason,
who and when), so resuming it works as before. A hold is never deleted, and once lifted it
never changes again: the trigger allows only the lifting of an open hold.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


GUARD = """
CREATE FUNCTION tenants_guard_suspension_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.lifted_at IS NOT NULL
     OR (to_jsonb(NEW) - 'lifted_at' - 'lifted_by' - 'lift_reason')
        IS DISTINCT FROM (to_jsonb(OLD) - 'lifted_at' - 'lifted_by' - 'lift_reason') THEN
    RAISE EXCEPTION 'suspension holds are never deleted or changed; an open one is lifted, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tenants_suspensionhold_guard BEFORE UPDATE OR DELETE ON tenants_suspensionhold
  FOR EACH ROW EXECUTE FUNCTION tenants_guard_suspension_hold();
"""

UNGUARD = """
DROP TRIGGER tenants_suspensionhold_guard ON tenants_suspensionhold;
DROP FUNCTION tenants_guard_suspension_hold();
"""


def federal_holds_for_suspended_tenants(apps, schema_editor):
    Tenant = apps.get_model("tenants", "Tenant")
    TenantEvent = apps.get_model("tenants", "TenantEvent")
    SuspensionHold = apps.get_model("tenants", "SuspensionHold")
    for tenant in Tenant.objects.filter(state="suspended"):
        event = (
            TenantEvent.objects.filter(tenant=tenant, to_state="suspended")
            .order_by("-at", "-id")
            .first()
        )
        SuspensionHold.objects.create(
            tenant=tenant,
            kind="federal",
            reason=(event.reason if event else "") or "Suspended before holds were recorded",
            placed_at=event.at if event else django.utils.timezone.now(),
            placed_by=event.actor if event else "migration",
        )


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0005_plan_moves_to_billing'),
    ]

    operations = [
        migrations.CreateModel(
            name='SuspensionHold',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('federal', 'Federal'), ('billing', 'Billing')], max_length=10)),
                ('reference', models.CharField(blank=True, help_text='What the hold is for, e.g. an invoice number.', max_length=40)),
                ('reason', models.TextField()),
                ('placed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('placed_by', models.CharField(help_text="E-mail of who acted, or 'system'.", max_length=254)),
                ('lifted_at', models.DateTimeField(blank=True, null=True)),
                ('lifted_by', models.CharField(blank=True, max_length=254)),
                ('lift_reason', models.TextField(blank=True)),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='holds', to='tenants.tenant')),
            ],
            options={
                'ordering': ['-placed_at', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('lifted_at__isnull', True)), fields=('tenant', 'kind', 'reference'), name='one_open_hold_per_kind_and_reference')],
            },
        ),
        migrations.RunPython(federal_holds_for_suspended_tenants, migrations.RunPython.noop),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
