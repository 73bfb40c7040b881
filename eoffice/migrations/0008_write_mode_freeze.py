"""The write mode of a tenant schema, enforced by the database (see eoffice.write_modes).

One row holds the mode; every table gets a trigger that reads it FOR SHARE and refuses what the
mode does not allow. The functions live in the tenant's own schema and name it only through
TG_TABLE_SCHEMA, so a schema keeps them when it is copied from the blueprint, archived or
restored under another name. Function bodies avoid lines that begin with "--" or "SET ", which
the blueprint drops from pg_dump's script.

SUSPENDED_WRITES below is eoffice.write_modes.suspended_writes_sql() as this migration installs
it; a test fails when the list and the installed function differ (then add a migration).
"""

from django.db import migrations, models

GUARD = """
CREATE FUNCTION eoffice_guard_writes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  write_mode text;
  allowed boolean := false;
BEGIN
  EXECUTE format('SELECT mode FROM %I.eoffice_writemode WHERE id = 1 FOR SHARE', TG_TABLE_SCHEMA)
    INTO write_mode;
  IF write_mode = 'open' OR current_setting('eoffice.schema_migration', true) = 'on' THEN
    allowed := true;
  ELSIF write_mode = 'suspended' AND TG_LEVEL = 'ROW' THEN
    EXECUTE format('SELECT %I.eoffice_suspended_write_allowed($1, $2, $3, $4)', TG_TABLE_SCHEMA)
      INTO allowed USING TG_TABLE_NAME::text, TG_OP, to_jsonb(OLD), to_jsonb(NEW);
  END IF;
  IF NOT coalesce(allowed, false) THEN
    RAISE EXCEPTION 'e-office write refused: % on % while the e-office is %',
      TG_OP, TG_TABLE_NAME, coalesce(write_mode, 'without a write mode')
      USING ERRCODE = 'read_only_sql_transaction';
  END IF;
  IF TG_LEVEL = 'STATEMENT' THEN
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION eoffice_guard_every_table(target_schema text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  unguarded record;
  added integer := 0;
BEGIN
  FOR unguarded IN
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = target_schema)
      AND c.relkind IN ('r', 'p')
      AND c.relname NOT IN ('eoffice_writemode', 'django_migrations')
      AND NOT EXISTS (
        SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'eoffice_write_mode'
      )
    ORDER BY c.relname
  LOOP
    EXECUTE format(
      'CREATE TRIGGER eoffice_write_mode BEFORE INSERT OR UPDATE OR DELETE ON %I.%I '
      'FOR EACH ROW EXECUTE FUNCTION %I.eoffice_guard_writes()',
      target_schema, unguarded.relname, target_schema);
    EXECUTE format(
      'CREATE TRIGGER eoffice_write_mode_truncate BEFORE TRUNCATE ON %I.%I '
      'FOR EACH STATEMENT EXECUTE FUNCTION %I.eoffice_guard_writes()',
      target_schema, unguarded.relname, target_schema);
    added := added + 1;
  END LOOP;
  RETURN added;
END $$;
"""

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
    ELSE false
  END
$$;
"""

UNGUARD = """
DO $$
DECLARE
  guarded record;
BEGIN
  FOR guarded IN
    SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname = 'eoffice_write_mode'
  LOOP
    EXECUTE format('DROP TRIGGER eoffice_write_mode ON %I', guarded.relname);
    EXECUTE format('DROP TRIGGER eoffice_write_mode_truncate ON %I', guarded.relname);
  END LOOP;
END $$;
DROP FUNCTION eoffice_guard_every_table(text);
DROP FUNCTION eoffice_suspended_write_allowed(text, text, jsonb, jsonb);
DROP FUNCTION eoffice_guard_writes();
"""


def open_mode_and_guard(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The row first: from the moment the triggers exist, a schema without it refuses writes.
    apps.get_model("eoffice", "WriteMode").objects.get_or_create(pk=1, defaults={"mode": "open"})
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT eoffice_guard_every_table(%s)", [schema_editor.connection.schema_name]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("eoffice", "0007_notices"),
    ]

    operations = [
        migrations.CreateModel(
            name="WriteMode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("suspended", "Suspended (sign-in and reading only)"),
                            ("frozen", "Frozen (no writes)"),
                        ],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("pk", 1)), name="one_write_mode_row"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("mode", "open"),
                            ("mode", "suspended"),
                            ("mode", "frozen"),
                            _connector="OR",
                        ),
                        name="known_write_mode",
                    ),
                ],
            },
        ),
        migrations.RunSQL(GUARD + SUSPENDED_WRITES, migrations.RunSQL.noop),
        migrations.RunPython(open_mode_and_guard, migrations.RunPython.noop),
        # Reversing removes the triggers before the functions they call.
        migrations.RunSQL(migrations.RunSQL.noop, UNGUARD),
    ]
