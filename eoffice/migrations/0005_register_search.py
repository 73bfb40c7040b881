"""Word search in the receipt register (eoffice.selectors.register.matching): GIN indexes over
the words of each item's subject and each receipt's sender, so a search reads the index instead
of every receipt of the tenant. The 'simple' configuration splits words without stemming or
stop words, which suits names, Urdu and English alike. Built-in to PostgreSQL: no extension."""

from django.db import migrations

FORWARD = """
CREATE INDEX item_subject_words ON eoffice_item USING gin (to_tsvector('simple', subject));
CREATE INDEX receipt_sender_words ON eoffice_receipt USING gin (to_tsvector('simple', sender_name));
"""
BACKWARD = """
DROP INDEX receipt_sender_words;
DROP INDEX item_subject_words;
"""


class Migration(migrations.Migration):
    dependencies = [("eoffice", "0004_listing_indexes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
