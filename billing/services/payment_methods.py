"""A partner's cards in Stripe: its customer, adding a card through a SetupIntent, the default
card invoices are charged to, removing a card. Every change is audited.

(Minimal version written by the portal helper: it reads cards from Stripe rather than from the
PaymentMethod cache the stripe helper's version keeps, which replaces it.)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from billing.models import BillingAccount, BillingEvent, Invoice
from billing.selectors.payment_methods import default_payment_method_id
from billing.stripe_api import stripe_client
from tenants.models import Partner


@transaction.atomic
def ensure_customer(*, partner: Partner) -> BillingAccount:
    """The partner's billing account with its Stripe customer, made once (an idempotency key
    per account means a retry after a crash finds the same customer)."""
    account, _ = BillingAccount.objects.select_for_update().get_or_create(
        partner=partner, defaults={"billing_email": partner.contact_email}
    )
    if not account.stripe_customer_id:
        customer = stripe_client().v1.customers.create(
            params={
                "email": account.billing_email,
                "name": partner.name,
                "metadata": {"partner_id": str(partner.pk)},
            },
            options={"idempotency_key": f"partner{partner.pk}-account{account.pk}-customer"},
        )
        account.stripe_customer_id = customer.id
        account.save(update_fields=["stripe_customer_id"])
    return account


def start_card_setup(*, partner: Partner, actor: str, ip_address: str | None = None) -> str:
    """A SetupIntent on the partner's customer for one card, for Stripe.js to confirm in the
    browser; returns its client secret (audited)."""
    account = ensure_customer(partner=partner)
    intent = stripe_client().v1.setup_intents.create(
        params={
            "customer": account.stripe_customer_id,
            "usage": "off_session",
            "metadata": {"partner_id": str(partner.pk)},
        }
    )
    BillingEvent.objects.create(
        actor=actor,
        action="card_setup_started",
        partner=partner,
        detail={"setup_intent": intent.id},
        ip_address=ip_address,
    )
    return str(intent.client_secret)


def _owned_payment_method(account: BillingAccount, payment_method_id: str) -> str:
    """Refuses (PermissionDenied) a payment method that is not on the partner's customer."""
    method = stripe_client().v1.payment_methods.retrieve(payment_method_id)
    if method.customer != account.stripe_customer_id:
        raise PermissionDenied("That card is not one of this partner's.")
    return method.id


def _default_of(account: BillingAccount) -> str | None:
    return default_payment_method_id(
        stripe_client().v1.customers.retrieve(account.stripe_customer_id)
    )


def _make_default(account: BillingAccount, payment_method_id: str) -> None:
    stripe_client().v1.customers.update(
        account.stripe_customer_id,
        params={"invoice_settings": {"default_payment_method": payment_method_id}},
    )


@transaction.atomic
def record_setup(
    *, partner: Partner, setup_intent_id: str, actor: str, ip_address: str | None = None
) -> str:
    """After Stripe.js confirmed the SetupIntent: re-reads it from Stripe (never trusting the
    browser), attaches its card to the partner's customer, and makes it the default when the
    partner has none. Refused (PermissionDenied) for another customer's SetupIntent,
    (ValidationError) for one that did not succeed. Returns the card's id; audited."""
    account = ensure_customer(partner=partner)
    client = stripe_client()
    intent = client.v1.setup_intents.retrieve(setup_intent_id)
    if intent.customer != account.stripe_customer_id:
        raise PermissionDenied("That card set-up is not this partner's.")
    if intent.status != "succeeded" or not intent.payment_method:
        raise ValidationError("The card was not confirmed; nothing was added.")
    method_id = (
        intent.payment_method
        if isinstance(intent.payment_method, str)
        else intent.payment_method.id
    )
    method = client.v1.payment_methods.retrieve(method_id)
    if method.customer is None:
        client.v1.payment_methods.attach(method_id, params={"customer": account.stripe_customer_id})
    elif method.customer != account.stripe_customer_id:
        raise PermissionDenied("That card is another customer's.")
    made_default = _default_of(account) is None
    if made_default:
        _make_default(account, method_id)
    BillingEvent.objects.create(
        actor=actor,
        action="card_added",
        partner=partner,
        detail={"payment_method": method_id, "default": made_default},
        ip_address=ip_address,
    )
    return method_id


@transaction.atomic
def set_default(
    *, partner: Partner, payment_method_id: str, actor: str, ip_address: str | None = None
) -> None:
    """Makes one of the partner's cards the one its invoices are charged to; audited."""
    account = ensure_customer(partner=partner)
    _make_default(account, _owned_payment_method(account, payment_method_id))
    BillingEvent.objects.create(
        actor=actor,
        action="card_made_default",
        partner=partner,
        detail={"payment_method": payment_method_id},
        ip_address=ip_address,
    )


@transaction.atomic
def remove(
    *, partner: Partner, payment_method_id: str, actor: str, ip_address: str | None = None
) -> None:
    """Detaches one of the partner's cards (Stripe forgets it for the customer); audited.
    Refused (ValidationError) for the default card while another card could take its place
    (make that one the default first), and for the only card while an invoice is unpaid."""
    account = ensure_customer(partner=partner)
    method_id = _owned_payment_method(account, payment_method_id)
    client = stripe_client()
    cards = client.v1.payment_methods.list(
        params={"customer": account.stripe_customer_id, "type": "card"}
    ).data
    if (
        len(cards) <= 1
        and Invoice.objects.filter(
            partner=partner, state__in=[Invoice.State.FINALISED, Invoice.State.OVERDUE]
        ).exists()
    ):
        raise ValidationError(
            "This is the only card and an invoice is unpaid: add another card first."
        )
    if _default_of(account) == method_id and len(cards) > 1:
        raise ValidationError("This is the default card: make another card the default first.")
    client.v1.payment_methods.detach(method_id)
    BillingEvent.objects.create(
        actor=actor,
        action="card_removed",
        partner=partner,
        detail={"payment_method": method_id},
        ip_address=ip_address,
    )
