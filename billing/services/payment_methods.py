"""The partner as a Stripe customer, and its cards: added through a SetupIntent (Stripe.js
collects the card; we never see its number), made default, removed. Stripe holds the cards;
`PaymentMethod` rows are our cache of them, refreshed from Stripe whenever either side acts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.invoice_states import UNPAID
from billing.models import BillingAccount, BillingEvent, Invoice, PaymentMethod
from billing.stripe_api import client
from tenants.models import Partner

UNPAID_STATES = tuple(UNPAID)  # billing.invoice_states' one set


def _stripe_id(value: Any) -> str:
    """An expandable Stripe field's id, whether Stripe sent the id or the object."""
    if value is None or isinstance(value, str):
        return value or ""
    return str(value.id)


def ensure_customer(*, partner: Partner) -> str:
    """Returns the partner's Stripe customer id, making its BillingAccount and the Stripe
    customer the first time; idempotent (a re-run, or two at once, make one customer: the
    account row is locked and the create call carries a key derived from the partner)."""
    with transaction.atomic():
        account, _ = BillingAccount.objects.select_for_update().get_or_create(
            partner=partner, defaults={"billing_email": partner.contact_email}
        )
        if account.stripe_customer_id:
            return account.stripe_customer_id
        customer = client().v1.customers.create(
            params={
                "email": account.billing_email,
                "name": partner.name,
                "metadata": {"partner_id": str(partner.pk)},
            },
            options={"idempotency_key": f"partner{partner.pk}-customer"},
        )
        account.stripe_customer_id = customer.id
        account.save(update_fields=["stripe_customer_id"])
        BillingEvent.objects.create(
            actor="system",
            action="stripe.customer_created",
            partner=partner,
            detail={"customer": customer.id},
        )
        return customer.id


def start_card_setup(*, partner: Partner, actor: str, ip_address: str | None = None) -> str:
    """Creates a SetupIntent on the partner's customer and returns its client secret, which
    the portal hands to Stripe.js to collect and confirm a card."""
    customer_id = ensure_customer(partner=partner)
    intent = client().v1.setup_intents.create(
        params={  # type: ignore[arg-type]  # a plain dict; the TypedDict adds nothing here
            "customer": customer_id,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": {"partner_id": str(partner.pk)},
        }
    )
    BillingEvent.objects.create(
        actor=actor,
        action="payment_method.setup_started",
        partner=partner,
        detail={"setup_intent": intent.id},
        ip_address=ip_address,
    )
    return str(intent.client_secret)


def _cache_card(*, partner: Partner, method: Any) -> PaymentMethod:
    card = method.card
    row, _ = PaymentMethod.objects.update_or_create(
        stripe_id=method.id,
        defaults={
            "partner": partner,
            "brand": card.brand or "",
            "last4": card.last4 or "",
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
            "detached_at": None,
        },
    )
    return row


def _mark_default(*, partner: Partner, stripe_id: str) -> None:
    live = PaymentMethod.objects.filter(partner=partner, detached_at__isnull=True)
    live.exclude(stripe_id=stripe_id).filter(is_default=True).update(is_default=False)
    if stripe_id:
        live.filter(stripe_id=stripe_id).update(is_default=True)


def _queue_unpaid_collection(partner: Partner) -> None:
    """After a new or new default card, asks Stripe again for every unpaid invoice."""
    from billing.tasks.collection import queue_collection

    unpaid = Invoice.objects.filter(partner=partner, state__in=UNPAID_STATES)
    invoice_ids = list(unpaid.values_list("pk", flat=True))

    def queue_all() -> None:
        for invoice_id in invoice_ids:
            queue_collection(invoice_id)

    transaction.on_commit(queue_all)


def record_setup(
    *, partner: Partner, setup_intent_id: str, actor: str, ip_address: str | None = None
) -> PaymentMethod:
    """Records the card of a SetupIntent that Stripe.js confirmed: re-reads the intent from
    Stripe (the browser's word is not taken), refuses one of another customer or one not
    succeeded, attaches the card to the partner's customer if Stripe has not, caches it, and
    makes it the default when the partner has none. Unpaid invoices are then collected again.
    Recording the same intent twice changes nothing."""
    customer_id = ensure_customer(partner=partner)
    stripe = client()
    intent = stripe.v1.setup_intents.retrieve(setup_intent_id)
    if _stripe_id(intent.customer) != customer_id:
        raise ValidationError("This card setup belongs to another customer.")
    if intent.status != "succeeded":
        raise ValidationError(f"The card was not confirmed (Stripe says {intent.status}).")
    method = stripe.v1.payment_methods.retrieve(_stripe_id(intent.payment_method))
    if not _stripe_id(method.customer):
        method = stripe.v1.payment_methods.attach(
            method.id,
            params={"customer": customer_id},
            options={"idempotency_key": f"attach-{method.id}-{customer_id}"},
        )
    elif _stripe_id(method.customer) != customer_id:
        raise ValidationError("This card is attached to another customer.")
    with transaction.atomic():
        PaymentMethod.objects.select_for_update().filter(partner=partner).exists()
        known = PaymentMethod.objects.filter(
            partner=partner, stripe_id=method.id, detached_at__isnull=True
        ).first()
        # Known already: a second click, or the payment_method.attached webhook came first
        # (it caches the card but makes no default and writes no "added" entry).
        already_added = BillingEvent.objects.filter(
            partner=partner, action="payment_method.added", detail__payment_method=method.id
        ).exists()
        row = known or _cache_card(partner=partner, method=method)
        has_default = PaymentMethod.objects.filter(
            partner=partner, detached_at__isnull=True, is_default=True
        ).exists()
        if not has_default:
            stripe.v1.customers.update(
                customer_id,
                params={"invoice_settings": {"default_payment_method": method.id}},
            )
            _mark_default(partner=partner, stripe_id=method.id)
            row.refresh_from_db()
        if already_added:
            return row
        BillingEvent.objects.create(
            actor=actor,
            action="payment_method.added",
            partner=partner,
            detail={"payment_method": method.id, "last4": row.last4, "default": row.is_default},
            ip_address=ip_address,
        )
        if row.is_default:
            _queue_unpaid_collection(partner)
    return row


def _own_card(partner: Partner, payment_method_id: int | str) -> PaymentMethod:
    """The partner's live card by our id or Stripe's; another partner's is not found."""
    cards = PaymentMethod.objects.filter(partner=partner, detached_at__isnull=True)
    lookup = (
        {"pk": payment_method_id}
        if isinstance(payment_method_id, int)
        else {"stripe_id": payment_method_id}
    )
    return cards.get(**lookup)


def set_default(
    *,
    partner: Partner,
    payment_method_id: int | str,
    actor: str,
    ip_address: str | None = None,
) -> PaymentMethod:
    """Makes one of the partner's cards (our id or Stripe's) the default Stripe charges;
    raises PaymentMethod.DoesNotExist for a card that is not the partner's. Unpaid invoices
    are then collected again with it."""
    card = _own_card(partner, payment_method_id)
    customer_id = ensure_customer(partner=partner)
    client().v1.customers.update(
        customer_id, params={"invoice_settings": {"default_payment_method": card.stripe_id}}
    )
    with transaction.atomic():
        _mark_default(partner=partner, stripe_id=card.stripe_id)
        BillingEvent.objects.create(
            actor=actor,
            action="payment_method.default_set",
            partner=partner,
            detail={"payment_method": card.stripe_id, "last4": card.last4},
            ip_address=ip_address,
        )
        _queue_unpaid_collection(partner)
    card.refresh_from_db()
    return card


def remove(
    *,
    partner: Partner,
    payment_method_id: int | str,
    actor: str,
    ip_address: str | None = None,
) -> PaymentMethod:
    """Detaches one of the partner's cards in Stripe and marks the cached row detached (kept,
    never deleted). Refused for the partner's only card while an invoice is unpaid, so an
    invoice in collection is never left with nothing to charge. A removed default is
    succeeded by the newest remaining card."""
    card = _own_card(partner, payment_method_id)
    live = PaymentMethod.objects.filter(partner=partner, detached_at__isnull=True)
    unpaid = Invoice.objects.filter(partner=partner, state__in=UNPAID_STATES).exists()
    if unpaid and not live.exclude(pk=card.pk).exists():
        raise ValidationError(
            "This is the only card and an invoice is unpaid: add another card before removing it."
        )
    stripe = client()
    stripe.v1.payment_methods.detach(card.stripe_id)
    successor = (
        live.exclude(pk=card.pk).order_by("-attached_at").first() if card.is_default else None
    )
    if successor is not None:
        stripe.v1.customers.update(
            ensure_customer(partner=partner),
            params={"invoice_settings": {"default_payment_method": successor.stripe_id}},
        )
    with transaction.atomic():
        PaymentMethod.objects.filter(pk=card.pk).update(
            detached_at=timezone.now(), is_default=False
        )
        if successor is not None:
            _mark_default(partner=partner, stripe_id=successor.stripe_id)
        BillingEvent.objects.create(
            actor=actor,
            action="payment_method.removed",
            partner=partner,
            detail={"payment_method": card.stripe_id, "last4": card.last4},
            ip_address=ip_address,
        )
    card.refresh_from_db()
    return card


def refresh_payment_methods(*, partner: Partner) -> list[PaymentMethod]:
    """Brings the cache in line with Stripe: the customer's cards and which is the default
    (what customer.updated, payment_method.attached and setup_intent.succeeded ask for).
    Cards gone from Stripe are marked detached. Returns the live cards."""
    account = BillingAccount.objects.filter(partner=partner).first()
    if account is None or not account.stripe_customer_id:
        return []
    stripe = client()
    customer = stripe.v1.customers.retrieve(account.stripe_customer_id)
    methods = stripe.v1.payment_methods.list(
        params={"customer": account.stripe_customer_id, "type": "card", "limit": 100}
    )
    settings_ = customer.invoice_settings
    default_id = _stripe_id(settings_.default_payment_method if settings_ else None)
    live = PaymentMethod.objects.filter(partner=partner, detached_at__isnull=True)
    with transaction.atomic():
        before = sorted(live.values_list("stripe_id", "is_default"))
        seen = [_cache_card(partner=partner, method=method).stripe_id for method in methods.data]
        live.exclude(stripe_id__in=seen).update(detached_at=timezone.now(), is_default=False)
        _mark_default(partner=partner, stripe_id=default_id if default_id in seen else "")
        after = sorted(live.values_list("stripe_id", "is_default"))
        if after != before:
            BillingEvent.objects.create(
                actor="stripe",
                action="payment_method.synced",
                partner=partner,
                detail={"before": before, "after": after},
            )
    return list(live)
