from django.db import migrations

PLANS = [
    ("standard", "Standard", 2_000, "A department or a small province."),
    ("provincial", "Provincial", 20_000, "A province's secretariat and its attached departments."),
    ("federal", "Federal", 100_000, "A ministry with its attached departments."),
]


def add_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, name, limit, description in PLANS:
        Plan.objects.get_or_create(
            code=code, defaults={"name": name, "officer_limit": limit, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(add_plans, migrations.RunPython.noop)]
