"""A suspended e-office records the days its officers sign in (accounts.ActiveDay).

SUSPENDED_WRITES below is eoffice.write_modes.suspended_writes_sql() as this migration installs
it (one rule added: INSERT into accounts_activeday); the trigger every new table gets after
migrating (eoffice.apps) covers accounts_activeday itself. Reversing puts back 0008's function.
"""

import importlib

from django.db import migrations

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
    ELSE false
  END
$$;
"""

PREVIOUS = importlib.import_module("eoffice.migrations.0008_write_mode_freeze").SUSPENDED_WRITES


class Migration(migrations.Migration):
    dependencies = [
        ("eoffice", "0008_write_mode_freeze"),
        ("accounts", "0003_active_day"),
    ]

    operations = [migrations.RunSQL(SUSPENDED_WRITES, PREVIOUS)]
