"""Billing's models, one noun a module."""

from billing.models.dunning import GracePeriod
from billing.models.events import BillingEvent
from billing.models.invoices import BillingAccount, Invoice, InvoiceCounter, InvoiceLine
from billing.models.payment_methods import PaymentMethod
from billing.models.plans import BillingTerm, Plan, PlanPrice, Subscription
from billing.models.stripe_events import StripeEvent
from billing.models.usage import UsageAttempt, UsageRecord

__all__ = [
    "BillingAccount",
    "BillingEvent",
    "BillingTerm",
    "GracePeriod",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "PaymentMethod",
    "Plan",
    "PlanPrice",
    "StripeEvent",
    "Subscription",
    "UsageAttempt",
    "UsageRecord",
]
