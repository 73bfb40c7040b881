"""The record of changes to the org chart and the registry's settings (eoffice.OrgChange),
append-only like the audit trail: the trigger uses eoffice_refuse_change() of migration 0003,
which lives in the tenant's own schema."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = """
CREATE TRIGGER org_change_append_only BEFORE UPDATE OR DELETE ON eoffice_orgchange
  FOR EACH ROW EXECUTE FUNCTION eoffice_refuse_change();
"""
BACKWARD = """
DROP TRIGGER org_change_append_only ON eoffice_orgchange;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('eoffice', '0005_register_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OrgChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('action', models.CharField(choices=[('office_created', 'Office created'), ('office_renamed', 'Office renamed'), ('office_moved', 'Office moved'), ('post_created', 'Post created'), ('post_updated', 'Post updated'), ('officer_posted', 'Officer posted'), ('posting_ended', 'Posting ended'), ('post_transferred', 'Post transferred'), ('delegation_created', 'Delegation created'), ('delegation_revoked', 'Delegation revoked'), ('chart_imported', 'Chart imported'), ('invitation_sent', 'Invitation sent'), ('numbering_changed', 'Numbering pattern changed'), ('category_added', 'Category added'), ('category_withdrawn', 'Category withdrawn'), ('category_offered', 'Category offered again')], max_length=30)),
                ('summary', models.CharField(max_length=500)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user_agent', models.CharField(blank=True, max_length=300)),
                ('officer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['at'], name='org_change_at'), models.Index(fields=['action', 'at'], name='org_change_action_at')],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
