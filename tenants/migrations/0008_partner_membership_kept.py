"""A partner's staff list is history, in PostgreSQL too: a membership is never deleted or
edited; removing someone only fills in who removed them, when and from where, once."""

from django.db import migrations

GUARD = """
CREATE FUNCTION tenants_guard_partner_membership() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.removed_at IS NOT NULL
     OR (to_jsonb(NEW) - ARRAY['removed_at', 'removed_by', 'removed_from'])
        IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['removed_at', 'removed_by', 'removed_from']) THEN
    RAISE EXCEPTION 'partner memberships are kept: only a removal is recorded, once (% refused)',
      TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER tenants_partner_membership_kept BEFORE UPDATE OR DELETE
  ON tenants_partnermembership
  FOR EACH ROW EXECUTE FUNCTION tenants_guard_partner_membership();
"""

DROP = """
DROP TRIGGER tenants_partner_membership_kept ON tenants_partnermembership;
DROP FUNCTION tenants_guard_partner_membership();
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0007_partner_membership")]

    operations = [migrations.RunSQL(GUARD, DROP)]
