"""The report's history is append-only in PostgreSQL.

Triggers refuse UPDATE and DELETE on adoption rules, workshop attendees and report events; a
workshop is never deleted and changes only once, by its withdrawal (who, when and why).
MonthlyFigures is derived data, rebuilt by every roll-up, and stays writable.
"""

from django.db import migrations

APPEND_ONLY = ["reports_adoptionrule", "reports_workshopattendee", "reports_reportevent"]

FUNCTIONS = """
CREATE FUNCTION reports_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'report records in % are append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION reports_guard_workshop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL
     OR (to_jsonb(NEW) - 'withdrawn_at' - 'withdrawn_by' - 'withdraw_reason')
        IS DISTINCT FROM (to_jsonb(OLD) - 'withdrawn_at' - 'withdrawn_by' - 'withdraw_reason')
  THEN
    RAISE EXCEPTION 'workshops are never deleted and change only by being withdrawn, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""

TRIGGERS = "\n".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION reports_refuse_change();"
    for table in APPEND_ONLY
) + """
CREATE TRIGGER reports_workshop_append_only BEFORE UPDATE OR DELETE ON reports_workshop
  FOR EACH ROW EXECUTE FUNCTION reports_guard_workshop();
"""

DROP = "\n".join(
    f"DROP TRIGGER {table}_append_only ON {table};" for table in APPEND_ONLY
) + """
DROP TRIGGER reports_workshop_append_only ON reports_workshop;
DROP FUNCTION reports_guard_workshop();
DROP FUNCTION reports_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP)]
