"""Indexes two listing pages need once a tenant has years of work (see bench/eoffice.py).

movement_read: the inbox's tray counts (eoffice.selectors.trays.tray_counts) join each item in
the post's trays to its last movement, for the read time that makes it unread. With only the
primary key to probe, PostgreSQL judges a hash of the whole movement table cheaper: every
hand-over in the tenant's history read on each inbox view (250,000 in the benchmark: 80-110 ms,
growing with the history). With the read time stored beside the id the probe is an index-only
lookup per item in the trays, which the planner takes: a few milliseconds, whatever the history.

item_created_post: the receipt register counts, for its pages, the receipts the officer's posts
registered (70,000 for the benchmark's central registry). The count needs each item's id, to
join its receipt, and grading, to leave out restricted ones; with both in one index on the
registering post it reads neither the item table nor its other columns: about half the time.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("eoffice", "0003_records_append_only")]

    operations = [
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(fields=["id"], include=["read_at"], name="movement_read"),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                fields=["created_post", "id"], include=["grading"], name="item_created_post"
            ),
        ),
    ]
