"""The ledger is append-only in PostgreSQL, and every plan starts with a price.

Triggers refuse UPDATE and DELETE on prices, billing terms, usage records, usage attempts and
billing events; an invoice line may only have its Stripe item id filled in, once; an invoice
is never deleted. Existing plans get the prices they are sold at from 1 January 2026, and
every tenant that has a plan gets its first billing term.
"""

import datetime

from django.db import migrations

APPEND_ONLY = ["billing_planprice", "billing_billingterm", "billing_usagerecord",
               "billing_usageattempt", "billing_billingevent"]

FUNCTIONS = """
CREATE FUNCTION billing_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'billing records in % are append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION billing_guard_invoice_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.stripe_item_id <> ''
     OR (to_jsonb(NEW) - 'stripe_item_id') IS DISTINCT FROM (to_jsonb(OLD) - 'stripe_item_id') THEN
    RAISE EXCEPTION 'invoice lines never change; only their Stripe item id is filled in, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""

TRIGGERS = "\n".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();"
    for table in APPEND_ONLY
) + """
CREATE TRIGGER billing_invoiceline_append_only BEFORE UPDATE OR DELETE ON billing_invoiceline
  FOR EACH ROW EXECUTE FUNCTION billing_guard_invoice_line();
CREATE TRIGGER billing_invoice_never_deleted BEFORE DELETE ON billing_invoice
  FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
"""

DROP = "\n".join(
    f"DROP TRIGGER {table}_append_only ON {table};" for table in APPEND_ONLY
) + """
DROP TRIGGER billing_invoiceline_append_only ON billing_invoiceline;
DROP TRIGGER billing_invoice_never_deleted ON billing_invoice;
DROP FUNCTION billing_guard_invoice_line();
DROP FUNCTION billing_refuse_change();
"""

# Per active seat a month, included GB, per extra GB a month; rupees (stored in paisa).
PRICES = {"standard": (1_200, 50, 60), "provincial": (1_000, 500, 50), "federal": (900, 2_000, 40)}
START = datetime.date(2026, 1, 1)


def first_prices_and_terms(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    PlanPrice = apps.get_model("billing", "PlanPrice")
    Subscription = apps.get_model("billing", "Subscription")
    BillingTerm = apps.get_model("billing", "BillingTerm")
    for plan in Plan.objects.all():
        seat, included, extra = PRICES.get(plan.code, (1_200, 50, 60))
        PlanPrice.objects.get_or_create(
            plan=plan,
            effective_from=START,
            defaults={
                "seat_price_minor": seat * 100,
                "included_storage_gb": included,
                "extra_gb_price_minor": extra * 100,
                "recorded_by": "migration",
                "reason": "Price at launch",
            },
        )
    for subscription in Subscription.objects.select_related("tenant"):
        if not BillingTerm.objects.filter(tenant_id=subscription.tenant_id).exists():
            BillingTerm.objects.create(
                tenant_id=subscription.tenant_id,
                partner_id=subscription.tenant.partner_id,
                plan_id=subscription.plan_id,
                effective_from=subscription.assigned_at.date(),
                billable=subscription.tenant.state in ("active", "suspended"),
                recorded_by="migration",
                reason="Plan before the ledger",
            )


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_ledger"), ("tenants", "0005_plan_moves_to_billing")]

    operations = [
        migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP),
        migrations.RunPython(first_prices_and_terms, migrations.RunPython.noop),
    ]
