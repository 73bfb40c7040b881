"""Append-only records enforced by the database, and the reference rows every e-office needs.

The trigger functions live in the tenant's own schema, so a schema stays self-contained when it
is copied from the blueprint, archived or restored. Function bodies avoid lines that begin with
"--" or "SET ", which the blueprint drops from pg_dump's script.
"""

from django.db import migrations

REFUSE_CHANGE = """
CREATE FUNCTION eoffice_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'records in % are append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION eoffice_guard_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.status <> 'draft' THEN
    RAISE EXCEPTION 'a sent or discarded note never changes: % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION eoffice_guard_movement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.read_at IS NOT NULL
     OR (NEW.id, NEW.item_id, NEW.kind, NEW.from_post_id, NEW.to_post_id, NEW.by_id,
         NEW.sent_at, NEW.remarks, NEW.due_date)
        IS DISTINCT FROM
        (OLD.id, OLD.item_id, OLD.kind, OLD.from_post_id, OLD.to_post_id, OLD.by_id,
         OLD.sent_at, OLD.remarks, OLD.due_date) THEN
    RAISE EXCEPTION 'movements are append-only; only the read time is filled in, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON eoffice_auditentry
  FOR EACH ROW EXECUTE FUNCTION eoffice_refuse_change();
CREATE TRIGGER correspondence_append_only BEFORE UPDATE OR DELETE ON eoffice_correspondenceentry
  FOR EACH ROW EXECUTE FUNCTION eoffice_refuse_change();
CREATE TRIGGER note_sent_is_final BEFORE UPDATE OR DELETE ON eoffice_note
  FOR EACH ROW EXECUTE FUNCTION eoffice_guard_note();
CREATE TRIGGER movement_append_only BEFORE UPDATE OR DELETE ON eoffice_movement
  FOR EACH ROW EXECUTE FUNCTION eoffice_guard_movement();
"""

DROP = """
DROP TRIGGER movement_append_only ON eoffice_movement;
DROP TRIGGER note_sent_is_final ON eoffice_note;
DROP TRIGGER correspondence_append_only ON eoffice_correspondenceentry;
DROP TRIGGER audit_append_only ON eoffice_auditentry;
DROP FUNCTION eoffice_guard_movement();
DROP FUNCTION eoffice_guard_note();
DROP FUNCTION eoffice_refuse_change();
"""

CATEGORIES = [
    ("GEN", "General"),
    ("EST", "Establishment"),
    ("BUD", "Budget and Accounts"),
    ("DEV", "Development"),
    ("LEG", "Legal"),
    ("PRC", "Procurement"),
    ("CMP", "Complaints"),
    ("COO", "Coordination"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Category = apps.get_model("eoffice", "Category")
    for code, name in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name})
    apps.get_model("eoffice", "FileNumbering").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("eoffice", "0002_receipts_files_movement")]

    operations = [
        migrations.RunSQL(REFUSE_CHANGE, DROP),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
