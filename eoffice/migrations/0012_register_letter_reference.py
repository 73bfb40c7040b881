"""The receipt register's search finds a receipt by its letter number (case ignored) through an
index, as it finds words through migration 0005's: eoffice.selectors.register.matching asks
for the receipts matching any of the three in one set, which PostgreSQL then reads from the
three indexes instead of testing every receipt of the tenant."""

from django.db import migrations

FORWARD = "CREATE INDEX receipt_letter_reference_upper ON eoffice_receipt (upper(letter_reference::text));"
BACKWARD = "DROP INDEX receipt_letter_reference_upper;"


class Migration(migrations.Migration):
    dependencies = [("eoffice", "0011_holiday_changes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
