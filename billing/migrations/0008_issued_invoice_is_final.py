"""An issued invoice's amounts never change, in PostgreSQL too.

Once an invoice has left draft, a trigger refuses any change to what it bills (partner, period,
currency, number, amounts, tax, due date, what it replaces, when it was issued) and any state
move the state machine (billing.invoice_states) does not allow; only its payment and Stripe
fields and the allowed moves (finalised → paid | overdue | void, overdue → paid | void) remain.
A different amount is a void and a new invoice, never an edit.
"""

from django.db import migrations

GUARD = """
CREATE FUNCTION billing_guard_issued_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state = 'draft' THEN
    RETURN NEW;
  END IF;
  IF (NEW.partner_id, NEW.period_start, NEW.period_end, NEW.currency, NEW.number,
      NEW.subtotal_minor, NEW.tax_percent, NEW.tax_minor, NEW.total_minor, NEW.due_on,
      NEW.replaces_id, NEW.created_at, NEW.finalised_at)
     IS DISTINCT FROM
     (OLD.partner_id, OLD.period_start, OLD.period_end, OLD.currency, OLD.number,
      OLD.subtotal_minor, OLD.tax_percent, OLD.tax_minor, OLD.total_minor, OLD.due_on,
      OLD.replaces_id, OLD.created_at, OLD.finalised_at) THEN
    RAISE EXCEPTION 'an issued invoice (%) never changes what it bills; void it and issue another',
      OLD.number USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.state <> OLD.state AND NOT (
       (OLD.state = 'finalised' AND NEW.state IN ('paid', 'overdue', 'void'))
    OR (OLD.state = 'overdue' AND NEW.state IN ('paid', 'void'))) THEN
    RAISE EXCEPTION 'invoice % cannot go from % to %', OLD.number, OLD.state, NEW.state
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER billing_issued_invoice_is_final BEFORE UPDATE ON billing_invoice
  FOR EACH ROW EXECUTE FUNCTION billing_guard_issued_invoice();
"""

DROP = """
DROP TRIGGER billing_issued_invoice_is_final ON billing_invoice;
DROP FUNCTION billing_guard_issued_invoice();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_stripe")]

    operations = [migrations.RunSQL(GUARD, DROP)]
