"""The partner portal's cards, against localstripe: add through a SetupIntent, default,
remove with a confirmation; audited; never another partner's; support and outsiders refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from billing.models import BillingEvent, Invoice
from billing.selectors.payment_methods import payment_methods_of
from billing.services.payment_methods import record_setup, start_card_setup
from billing.stripe_api import client as stripe_client
from tenants.models import Partner
from tenants.services import create_partner
from tests.conftest import World, signed_in_client
from tests.console.billing_data import make_ledger, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]

GOOD_CARD = "4242424242424242"


def confirm_in_browser(client_secret: str, number: str = GOOD_CARD) -> str:
    """What Stripe.js does with the client secret: confirm the SetupIntent with a card."""
    setup_intent_id = client_secret.split("_secret_")[0]
    client = stripe_client()
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    client.v1.setup_intents.confirm(setup_intent_id, params={"payment_method": method.id})
    return setup_intent_id


def add_card(partner: Partner, actor: str = "owner@partner.example") -> str:
    secret = start_card_setup(partner=partner, actor=actor)
    method = record_setup(partner=partner, setup_intent_id=confirm_in_browser(secret), actor=actor)
    return method.stripe_id


def test_the_first_card_added_is_the_default_and_a_second_is_not(world: World) -> None:
    first = add_card(world.partner)
    second = add_card(world.partner)

    cards = payment_methods_of(world.partner)

    assert [(c.stripe_id, c.is_default, c.last4) for c in cards] == [
        (first, True, "4242"),
        (second, False, "4242"),
    ]
    added = BillingEvent.objects.filter(action="payment_method.added", partner=world.partner)
    assert [(e.detail["payment_method"], e.detail["default"]) for e in added.order_by("id")] == [
        (first, True),
        (second, False),
    ]


def test_a_setup_intent_of_another_partner_is_refused(world: World) -> None:
    other = create_partner(name="Card Rival", contact_email="ops@rival.example")
    secret = start_card_setup(partner=other, actor="rival@rival.example")
    theirs = confirm_in_browser(secret)

    with pytest.raises(ValidationError, match="belongs to another customer"):
        record_setup(partner=world.partner, setup_intent_id=theirs, actor="x@partner.example")
    assert not payment_methods_of(world.partner).exists()
    assert not BillingEvent.objects.filter(
        action="payment_method.added", partner=world.partner
    ).exists()


def test_an_unconfirmed_setup_adds_nothing(world: World) -> None:
    secret = start_card_setup(partner=world.partner, actor="owner@partner.example")

    with pytest.raises(ValidationError):
        record_setup(
            partner=world.partner,
            setup_intent_id=secret.split("_secret_")[0],
            actor="owner@partner.example",
        )


def test_billing_staff_set_the_default_and_remove_a_card_with_a_confirmation(
    world: World,
) -> None:
    first, second = add_card(world.partner), add_card(world.partner)
    billing_email = staff(world, "billing", "bilal").email
    billing = signed_in_client(world.control_host, billing_email)
    base = f"/console/partner/{world.partner.pk}/cards/"

    page = billing.get(base).content.decode()
    billing.post(f"{base}{second}/default/")
    made_default = [(c.stripe_id, c.is_default) for c in payment_methods_of(world.partner)]
    unconfirmed = billing.post(f"{base}{second}/remove/", follow=True)
    after_unconfirmed = [c.stripe_id for c in payment_methods_of(world.partner)]
    # Removing the default card: the remaining one becomes the default (in Stripe too).
    removed = billing.post(f"{base}{second}/remove/", {"confirm": "on"}, follow=True)

    assert "•••• 4242" in page and "Default" in page
    assert made_default == [(second, True), (first, False)]
    assert "Tick the box" in unconfirmed.content.decode()
    assert after_unconfirmed == [second, first]
    assert "The card •••• 4242 is removed." in removed.content.decode()
    assert "Invoices are charged to •••• 4242 from now on." in removed.content.decode()
    assert [(c.stripe_id, c.is_default) for c in payment_methods_of(world.partner)] == [
        (first, True)
    ]
    customer = stripe_client().v1.customers.retrieve(
        world.partner.billing_account.stripe_customer_id
    )
    assert customer.invoice_settings.default_payment_method == first
    events = BillingEvent.objects.filter(partner=world.partner)
    assert events.filter(action="payment_method.default_set", actor=billing_email).count() == 1
    assert events.filter(
        action="payment_method.removed", actor=billing_email, detail__payment_method=second
    ).exists()


def test_the_only_card_cannot_be_removed_while_an_invoice_is_unpaid(world: World) -> None:
    make_ledger(world)
    assert Invoice.objects.filter(partner=world.partner, state="finalised").exists()
    only = add_card(world.partner)
    owner = signed_in_client(world.control_host, world.partner_user_email)

    response = owner.post(
        f"/console/partner/{world.partner.pk}/cards/{only}/remove/", {"confirm": "on"}, follow=True
    )

    assert "only card and an invoice is unpaid" in response.content.decode()
    assert [c.stripe_id for c in payment_methods_of(world.partner)] == [only]


def test_a_card_of_another_partner_cannot_be_touched_from_the_portal(world: World) -> None:
    other = create_partner(name="Card Rival", contact_email="ops@rival.example")
    theirs = add_card(other)
    add_card(world.partner)
    owner = signed_in_client(world.control_host, world.partner_user_email)
    base = f"/console/partner/{world.partner.pk}/cards/"

    default = owner.post(f"{base}{theirs}/default/")
    removed = owner.post(f"{base}{theirs}/remove/", {"confirm": "on"})

    # Another partner's anything is not found from this partner's portal.
    assert default.status_code == 404 and removed.status_code == 404
    assert [(c.stripe_id, c.is_default) for c in payment_methods_of(other)] == [(theirs, True)]
    assert not BillingEvent.objects.filter(
        action__in=["payment_method.default_set", "payment_method.removed"]
    ).exists()


@pytest.mark.parametrize("path", ["", "setup/"])
def test_support_staff_cannot_see_or_add_cards(world: World, path: str) -> None:
    support = signed_in_client(world.control_host, staff(world, "support", "sana").email)

    response = support.post(f"/console/partner/{world.partner.pk}/cards/{path}")

    assert response.status_code in {403, 405}
    assert support.get(f"/console/partner/{world.partner.pk}/cards/").status_code == 403


def test_stripe_unreachable_is_said_and_changes_nothing(world: World, settings: Any) -> None:
    card = add_card(world.partner)
    owner = signed_in_client(world.control_host, world.partner_user_email)
    base = f"/console/partner/{world.partner.pk}/cards/"
    settings.STRIPE_API_BASE = "http://127.0.0.1:1"  # nobody listens there

    page = owner.get(base)
    default = owner.post(f"{base}{card}/default/", follow=True)
    removed = owner.post(f"{base}{card}/remove/", {"confirm": "on"}, follow=True)

    # The page reads the cards from our cache: it shows them while Stripe is away.
    assert page.status_code == 200 and "•••• 4242" in page.content.decode()
    assert "Stripe could not be reached" in default.content.decode()
    assert "Stripe could not be reached" in removed.content.decode()
    assert [(c.stripe_id, c.is_default) for c in payment_methods_of(world.partner)] == [
        (card, True)
    ]
    assert not BillingEvent.objects.filter(
        action__in=["payment_method.default_set", "payment_method.removed"],
        partner=world.partner,
    ).exists()
