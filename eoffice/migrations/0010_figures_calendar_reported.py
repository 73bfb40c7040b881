"""The tenant's working calendar (seeded with the Pakistan federal holidays of 2026 and 2027),
the platform's reported months, the indexes the day's figures read, and a suspended e-office
accepting its reported months (SUSPENDED_WRITES is eoffice.write_modes.suspended_writes_sql() as
this migration installs it; reversing puts back 0009's function).

Religious holidays follow the moon; their seeded dates are the expected ones and their names say
"(date as announced)": a tenant administrator moves them when the government announces them.
"""

import datetime
import importlib

import django.contrib.postgres.fields
import eoffice.models.calendar
from django.conf import settings
from django.db import migrations, models

SUSPENDED_WRITES = """
CREATE OR REPLACE FUNCTION eoffice_suspended_write_allowed(
  table_name text, operation text, old_row jsonb, new_row jsonb
) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN table_name = 'django_session' AND operation = 'INSERT'
      THEN true
    WHEN table_name = 'django_session' AND operation = 'UPDATE'
      THEN true
    WHEN table_name = 'django_session' AND operation = 'DELETE'
      THEN true
    WHEN table_name = 'accounts_user' AND operation = 'UPDATE'
      THEN (old_row - ARRAY['last_login', 'language']) = (new_row - ARRAY['last_login', 'language'])
    WHEN table_name = 'mfa_authenticator' AND operation = 'UPDATE'
      THEN (old_row - ARRAY['last_used_at', 'data']) = (new_row - ARRAY['last_used_at', 'data'])
    WHEN table_name = 'eoffice_auditentry' AND operation = 'INSERT'
      THEN (new_row ->> 'action') = ANY (ARRAY['view', 'refused'])
    WHEN table_name = 'eoffice_movement' AND operation = 'UPDATE'
      THEN (old_row - ARRAY['read_at', 'read_by_id']) = (new_row - ARRAY['read_at', 'read_by_id'])
    WHEN table_name = 'accounts_activeday' AND operation = 'INSERT'
      THEN true
    WHEN table_name = 'eoffice_reportedmonth' AND operation = 'INSERT'
      THEN true
    WHEN table_name = 'eoffice_reportedmonth' AND operation = 'UPDATE'
      THEN true
    ELSE false
  END
$$;
"""

PREVIOUS = importlib.import_module(
    "eoffice.migrations.0009_active_day_while_suspended"
).SUSPENDED_WRITES

AS_ANNOUNCED = " (date as announced)"
FIXED = [
    ((2, 5), "Kashmir Solidarity Day"),
    ((3, 23), "Pakistan Day"),
    ((5, 1), "Labour Day"),
    ((5, 28), "Youm-e-Takbeer"),
    ((8, 14), "Independence Day"),
    ((11, 9), "Iqbal Day"),
    ((12, 25), "Quaid-e-Azam Day"),
]
RELIGIOUS = {
    2026: [
        ((3, 20), "Eid-ul-Fitr"),
        ((3, 21), "Eid-ul-Fitr"),
        ((3, 22), "Eid-ul-Fitr"),
        ((5, 27), "Eid-ul-Azha"),
        ((5, 28), "Eid-ul-Azha"),
        ((5, 29), "Eid-ul-Azha"),
        ((6, 24), "Ashura"),
        ((6, 25), "Ashura"),
        ((8, 26), "Eid Milad-un-Nabi"),
    ],
    2027: [
        ((3, 10), "Eid-ul-Fitr"),
        ((3, 11), "Eid-ul-Fitr"),
        ((3, 12), "Eid-ul-Fitr"),
        ((5, 16), "Eid-ul-Azha"),
        ((5, 17), "Eid-ul-Azha"),
        ((5, 18), "Eid-ul-Azha"),
        ((6, 14), "Ashura"),
        ((6, 15), "Ashura"),
        ((8, 15), "Eid Milad-un-Nabi"),
    ],
}


def holidays() -> dict[datetime.date, str]:
    days: dict[datetime.date, list[str]] = {}
    for year in (2026, 2027):
        for (month, day), name in FIXED:
            days.setdefault(datetime.date(year, month, day), []).append(name)
        for (month, day), name in RELIGIOUS[year]:
            days.setdefault(datetime.date(year, month, day), []).append(name + AS_ANNOUNCED)
    return {day: "; ".join(names) for day, names in days.items()}


def seed(apps, schema_editor):
    Holiday = apps.get_model("eoffice", "Holiday")
    CalendarSettings = apps.get_model("eoffice", "CalendarSettings")
    CalendarSettings.objects.get_or_create(pk=1, defaults={"weekend": [6, 7]})
    for day, name in sorted(holidays().items()):
        Holiday.objects.get_or_create(day=day, defaults={"name": name})


def unseed(apps, schema_editor):
    apps.get_model("eoffice", "Holiday").objects.all().delete()
    apps.get_model("eoffice", "CalendarSettings").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('eoffice', '0009_active_day_while_suspended'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('weekend', django.contrib.postgres.fields.ArrayField(base_field=models.PositiveSmallIntegerField(), default=eoffice.models.calendar.default_weekend, help_text='ISO weekdays off: 1 is Monday, 7 is Sunday.', size=None)),
            ],
            options={
                'verbose_name_plural': 'calendar settings',
            },
        ),
        migrations.CreateModel(
            name='Holiday',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(unique=True)),
                ('name', models.CharField(max_length=200)),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['day'],
            },
        ),
        migrations.CreateModel(
            name='ReportedMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(unique=True)),
                ('figures', models.JSONField(default=dict)),
                ('level', models.SmallIntegerField(blank=True, null=True)),
                ('level_rule', models.TextField(blank=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['-month'],
            },
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['action', 'at'], name='audit_action_at'),
        ),
        migrations.AddIndex(
            model_name='item',
            index=models.Index(fields=['created_at'], name='item_created_at'),
        ),
        migrations.AddIndex(
            model_name='item',
            index=models.Index(fields=['tray', 'arrived_at'], name='item_tray_pending'),
        ),
        migrations.AddIndex(
            model_name='movement',
            index=models.Index(fields=['sent_at'], name='movement_sent_at'),
        ),
        migrations.AddConstraint(
            model_name='calendarsettings',
            constraint=models.CheckConstraint(condition=models.Q(('pk', 1)), name='calendar_settings_singleton'),
        ),
        migrations.RunPython(seed, unseed),
        migrations.RunSQL(SUSPENDED_WRITES, PREVIOUS),
    ]
