"""The partner portal: a partner's staff follow the e-offices it operates, its invoices and
its staff. Support staff see the e-offices but no amounts; nobody sees another partner's
anything (404)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from stripe import StripeError

from accounts.requests import signed_in_user
from billing.invoice_pdf import render_invoice_pdf
from billing.models import PaymentMethod, Plan, Subscription
from billing.selectors.dunning import grace_notices_for_partner
from billing.selectors.invoices import (
    estimate_running_month,
    invoice_events,
    invoice_of_partner,
    invoices_of_partner,
    lines_of,
)
from billing.selectors.payment_methods import payment_methods_of
from billing.services import payment_methods
from billing.stripe_api import content_security_sources
from config.client_address import client_address
from config.security_headers import policy_header
from console.feedback import report_refusal
from console.instance_list import instances
from console.instance_page import instance_page_context
from console.partner_access import MONEY_ROLES, partner_staff_required, sees_money
from console.partner_forms import InviteStaffForm, RemoveCardForm, RemoveStaffForm
from provisioning.selectors import Progress, provisioning_progress
from tenants.models import PartnerMembership, Tenant
from tenants.selectors import (
    former_staff_of_partner,
    partners_of_user,
    staff_of_partner,
    tenants_of_partner,
)
from tenants.services import invite_partner_staff, remove_partner_staff

log = logging.getLogger(__name__)

# Tenants not (yet) running an e-office: the portal shows them as applications.
APPLICATION_STATES = (
    Tenant.State.APPLIED,
    Tenant.State.REJECTED,
    Tenant.State.APPROVED,
    Tenant.State.PROVISIONING,
    Tenant.State.PROVISIONING_FAILED,
)


@dataclass(frozen=True)
class ApplicationRow:
    tenant: Tenant
    plan: Plan | None
    progress: Progress | None


def _base_context(membership: PartnerMembership, section: str) -> dict[str, Any]:
    partner = membership.partner
    return {
        "partner": partner,
        "membership": membership,
        "sees_money": sees_money(membership),
        "is_owner": membership.role == PartnerMembership.Role.OWNER,
        "section": section,
        "grace_notices": grace_notices_for_partner(partner),
    }


@require_GET
@login_required
def portal(request: HttpRequest) -> HttpResponse:
    """The portal's front door: straight to the partner when the user is on one staff, a
    choice when on several."""
    partners = list(partners_of_user(signed_in_user(request)))
    if not partners:
        raise PermissionDenied("The partner portal is for partner vendors' staff.")
    if len(partners) == 1:
        return redirect("console:partner_overview", partner_id=partners[0].pk)
    return render(request, "console/partner/choose.html", {"partners": partners})


@require_GET
@partner_staff_required()
def overview(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    """The partner's e-offices as the console lists them (plan, seats, storage, last activity,
    level, health; searched, filtered, sorted and paginated), limited to the tenants it
    operates, and its applications with their provisioning progress."""
    partner = membership.partner
    running = instances(partner_id=partner.pk, exclude_states=APPLICATION_STATES)
    waiting = list(tenants_of_partner(partner).filter(state__in=APPLICATION_STATES))
    plans = {
        s.tenant_id: s.plan
        for s in Subscription.objects.select_related("plan").filter(tenant__in=waiting)
    }
    context = {
        **_base_context(membership, "overview"),
        **instance_page_context(request, running, scope=f"partner-{partner.pk}", usage_totals=True),
        "applications": [
            ApplicationRow(tenant=t, plan=plans.get(t.pk), progress=provisioning_progress(t))
            for t in waiting
        ],
        # The partner filter is the federal console's; a partner sees its own tenants only.
        "partners": None,
        "states": [(v, label) for v, label in Tenant.State.choices if v not in APPLICATION_STATES],
    }
    return render(request, "console/partner/overview.html", context)


@require_GET
@partner_staff_required(roles=MONEY_ROLES)
def invoices(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    """The running month's estimate and every issued invoice with its status, PDF and
    Stripe's payment page."""
    context = {
        **_base_context(membership, "invoices"),
        "estimate": estimate_running_month(membership.partner),
        "invoices": list(invoices_of_partner(membership.partner)),
    }
    return render(request, "console/partner/invoices.html", context)


@require_GET
@partner_staff_required(roles=MONEY_ROLES)
def invoice_detail(request: HttpRequest, membership: PartnerMembership, pk: int) -> HttpResponse:
    invoice = invoice_of_partner(membership.partner, pk)
    context = {
        **_base_context(membership, "invoices"),
        "invoice": invoice,
        "lines": list(lines_of(invoice)),
        "replaced_by": getattr(invoice, "replaced_by", None),
        "events": list(invoice_events(invoice)),
        # A partner sees who of its own staff acted; the platform's people are "the platform".
        "own_staff": {
            m.user.email
            for m in PartnerMembership.objects.filter(partner=membership.partner).select_related(
                "user"
            )
        },
    }
    return render(request, "console/partner/invoice_detail.html", context)


@require_GET
@partner_staff_required(roles=MONEY_ROLES)
def invoice_pdf(request: HttpRequest, membership: PartnerMembership, pk: int) -> HttpResponse:
    invoice = invoice_of_partner(membership.partner, pk)
    response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
    name = invoice.number or f"draft-{invoice.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _staff_page(
    request: HttpRequest,
    membership: PartnerMembership,
    *,
    form: InviteStaffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    partner = membership.partner
    context = {
        **_base_context(membership, "staff"),
        "staff": list(staff_of_partner(partner)),
        "former": list(former_staff_of_partner(partner)[:20]),
        "invite_form": form or InviteStaffForm(),
        "remove_form": RemoveStaffForm(),
    }
    return render(request, "console/partner/staff.html", context, status=status)


@require_GET
@partner_staff_required(roles=frozenset({PartnerMembership.Role.OWNER}))
def staff(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    return _staff_page(request, membership)


@require_POST
@partner_staff_required(roles=frozenset({PartnerMembership.Role.OWNER}))
def invite(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    """The owner invites someone (an e-mail with a set-password link once this commits)."""
    form = InviteStaffForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, membership, form=form, status=400)
    try:
        added = invite_partner_staff(
            partner=membership.partner,
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            actor=signed_in_user(request),
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        form.add_error("email", refused)
        return _staff_page(request, membership, form=form, status=400)
    messages.success(
        request,
        f"{added.user.email} is on the staff as {added.get_role_display().lower()}; "
        "an e-mail is on its way to them.",
    )
    return redirect("console:partner_staff", partner_id=membership.partner_id)


@require_POST
@partner_staff_required(roles=frozenset({PartnerMembership.Role.OWNER}))
def remove(request: HttpRequest, membership: PartnerMembership, member_id: int) -> HttpResponse:
    """The owner removes someone from the staff after a confirmation; the row stays."""
    target = get_object_or_404(
        PartnerMembership.objects.filter(Q(removed_at__isnull=True)).select_related("user"),
        pk=member_id,
        partner=membership.partner,
    )
    form = RemoveStaffForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was done. Tick the box to confirm.")
    else:
        try:
            remove_partner_staff(
                membership=target, actor=signed_in_user(request), ip_address=client_address(request)
            )
        except ValidationError as refused:
            report_refusal(request, refused)
        else:
            messages.success(request, f"{target.user.email} is no longer on the staff.")
    return redirect("console:partner_staff", partner_id=membership.partner_id)


def _stripe_trouble(request: HttpRequest, error: StripeError) -> None:
    log.warning("Stripe refused or was unreachable: %s", error)
    messages.error(
        request,
        "Stripe could not be reached or refused the request; nothing was changed. Try again.",
    )


@require_GET
@partner_staff_required(roles=MONEY_ROLES)
def cards(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    """The partner's cards, the default marked, with set-default and remove. They are read
    from billing's cache of Stripe's cards (kept in line by its webhooks), so the page shows
    them even while Stripe is unreachable; changing them needs Stripe."""
    context = {
        **_base_context(membership, "cards"),
        "cards": list(payment_methods_of(membership.partner)),
        "remove_form": RemoveCardForm(),
    }
    return render(request, "console/partner/cards.html", context)


@require_POST
@partner_staff_required(roles=MONEY_ROLES)
def card_setup(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    """Starts adding a card: a SetupIntent, and the page where Stripe.js takes the card."""
    try:
        secret = payment_methods.start_card_setup(
            partner=membership.partner,
            actor=signed_in_user(request).email,
            ip_address=client_address(request),
        )
    except StripeError as error:
        _stripe_trouble(request, error)
        return redirect("console:partner_cards", partner_id=membership.partner_id)
    context = {
        **_base_context(membership, "cards"),
        "client_secret": secret,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js_url": settings.STRIPE_JS_URL,
    }
    response = render(request, "console/partner/card_add.html", context)
    # This page alone runs Stripe.js: its origins are allowed here and nowhere else.
    policy = {**settings.SECURE_CSP}
    for directive, sources in content_security_sources().items():
        policy[directive] = [*settings.SECURE_CSP.get(directive, ["'self'"]), *sources]
    response["Content-Security-Policy"] = policy_header(policy)
    return response


@require_POST
@partner_staff_required(roles=MONEY_ROLES)
def card_record(request: HttpRequest, membership: PartnerMembership) -> HttpResponse:
    """After Stripe.js confirmed the card: records it (re-read from Stripe)."""
    setup_intent = request.POST.get("setup_intent", "")
    try:
        payment_methods.record_setup(
            partner=membership.partner,
            setup_intent_id=setup_intent,
            actor=signed_in_user(request).email,
            ip_address=client_address(request),
        )
    except ValidationError as refused:
        report_refusal(request, refused)
    except StripeError as error:
        _stripe_trouble(request, error)
    else:
        messages.success(request, "The card is added.")
    return redirect("console:partner_cards", partner_id=membership.partner_id)


@require_POST
@partner_staff_required(roles=MONEY_ROLES)
def card_default(
    request: HttpRequest, membership: PartnerMembership, payment_method: str
) -> HttpResponse:
    """Makes one of the partner's cards the default; another partner's card is not found."""
    try:
        payment_methods.set_default(
            partner=membership.partner,
            payment_method_id=payment_method,
            actor=signed_in_user(request).email,
            ip_address=client_address(request),
        )
    except PaymentMethod.DoesNotExist as missing:
        raise Http404("No such card.") from missing
    except StripeError as error:
        _stripe_trouble(request, error)
    else:
        messages.success(request, "Invoices are charged to this card from now on.")
    return redirect("console:partner_cards", partner_id=membership.partner_id)


@require_POST
@partner_staff_required(roles=MONEY_ROLES)
def card_remove(
    request: HttpRequest, membership: PartnerMembership, payment_method: str
) -> HttpResponse:
    """Removes a card after a confirmation (a removed default is succeeded by the newest
    remaining card); another partner's card is not found."""
    if not RemoveCardForm(request.POST).is_valid():
        messages.error(request, "Nothing was done. Tick the box to confirm.")
        return redirect("console:partner_cards", partner_id=membership.partner_id)
    try:
        removed = payment_methods.remove(
            partner=membership.partner,
            payment_method_id=payment_method,
            actor=signed_in_user(request).email,
            ip_address=client_address(request),
        )
    except PaymentMethod.DoesNotExist as missing:
        raise Http404("No such card.") from missing
    except ValidationError as refused:
        report_refusal(request, refused)
    except StripeError as error:
        _stripe_trouble(request, error)
    else:
        done = f"The card •••• {removed.last4} is removed."
        default = payment_methods_of(membership.partner).filter(is_default=True).first()
        if default is not None:
            done += f" Invoices are charged to •••• {default.last4} from now on."
        messages.success(request, done)
    return redirect("console:partner_cards", partner_id=membership.partner_id)
