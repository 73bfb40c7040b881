from django.db import migrations


def backfill(apps, schema_editor):
    # Tenants registered before subdomains were recorded took their schema name from it.
    Tenant = apps.get_model("tenants", "Tenant")
    for tenant in Tenant.objects.filter(subdomain__isnull=True):
        tenant.subdomain = tenant.schema_name.replace("_", "-")
        tenant.save(update_fields=["subdomain"])


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_applications_and_more_states")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
