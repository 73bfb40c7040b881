"""Changes to the tenant registry. Each function is one transaction.

Every change of a tenant's state goes through transition_tenant (see tenants.lifecycle).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from accounts import invitations
from accounts.models import User
from accounts.services import create_account
from config.tenancy import current_schema
from tenants.lifecycle import Transition, announce, check_transition
from tenants.models import (
    Application,
    Domain,
    Partner,
    PartnerMembership,
    SuspensionHold,
    Tenant,
    TenantEvent,
    TenantRollup,
)
from tenants.naming import primary_host
from tenants.notifications import notify_applicant
from tenants.selectors import is_subdomain_taken, membership_of
from tenants.validators import validate_subdomain


@transaction.atomic
def register_tenant(
    *,
    name: str,
    kind: str,
    subdomain: str,
    actor: str,
    partner: Partner | None = None,
    parent: Tenant | None = None,
) -> Tenant:
    """Records a tenant in the `applied` state, holding its subdomain; no schema, no host yet.

    Its schema name is generated from its id (tenants.naming): the subdomain is only its address.
    """
    validate_subdomain(subdomain)
    if is_subdomain_taken(subdomain):
        raise ValidationError(f"The subdomain “{subdomain}” is taken.", code="subdomain_taken")
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(
                name=name,
                kind=kind,
                subdomain=subdomain,
                partner=partner,
                parent=parent,
            )
    except IntegrityError as lost_race:  # another application took it a moment ago
        raise ValidationError(
            f"The subdomain “{subdomain}” is taken.", code="subdomain_taken"
        ) from lost_race
    _record_transition(tenant, from_state="", actor=actor, reason="")
    return tenant


@transaction.atomic
def submit_application(
    *, organisation: dict[str, Any], contact: dict[str, str], survey: dict[str, Any]
) -> Application:
    """Records a complete application, or nothing: the tenant, its address and the survey."""
    tenant = register_tenant(
        name=organisation["name"],
        kind=organisation["kind"],
        subdomain=organisation["subdomain"],
        parent=organisation.get("parent"),
        actor=contact["contact_email"],
    )
    return Application.objects.create(
        tenant=tenant, subdomain=organisation["subdomain"], survey=survey, **contact
    )


def register_primary_domain(*, tenant: Tenant) -> Domain:
    """Makes the tenant's subdomain of the platform name it; doing it twice changes nothing."""
    if not tenant.subdomain:
        raise ValidationError(f"{tenant.name} holds no subdomain.")
    domain, _ = Domain.objects.get_or_create(
        domain=primary_host(tenant.subdomain),
        defaults={"tenant": tenant, "is_primary": True},
    )
    if domain.tenant_id != tenant.pk:
        raise ValidationError(f"{domain.domain} already serves another tenant.")
    return domain


def set_storage_prefix(*, tenant: Tenant, prefix: str) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(storage_prefix=prefix)
    tenant.storage_prefix = prefix


@transaction.atomic
def approve_application(
    *, tenant: Tenant, partner: Partner, actor: str, reason: str = ""
) -> Tenant:
    """Approves an application for the chosen partner; provisioning comes next.

    The approval as a whole (plan, provisioning, the applicant's e-mail) is
    provisioning.services.approve_and_provision, which calls this in its transaction.
    """
    transition_tenant(tenant=tenant, to_state=Tenant.State.APPROVED, actor=actor, reason=reason)
    Tenant.objects.filter(pk=tenant.pk).update(partner=partner)
    tenant.partner = partner
    Application.objects.filter(tenant=tenant).update(
        decided_at=timezone.now(), decided_by=actor, decision_reason=reason
    )
    return tenant


@transaction.atomic
def reject_application(*, tenant: Tenant, actor: str, reason: str) -> Tenant:
    """Rejects an application with the reason the applicant is told; its address is freed."""
    if not reason.strip():
        raise ValidationError("Say why the application is rejected; the applicant is told.")
    transition_tenant(
        tenant=tenant, to_state=Tenant.State.REJECTED, actor=actor, reason=reason.strip()
    )
    # The record stays and keeps its schema name (made from its id, so nobody else's); only the
    # address is given up, so it can be applied for again.
    Tenant.objects.filter(pk=tenant.pk).update(subdomain=None)
    Application.objects.filter(tenant=tenant).update(
        decided_at=timezone.now(), decided_by=actor, decision_reason=reason.strip()
    )
    tenant.refresh_from_db()
    application = Application.objects.filter(tenant=tenant).first()
    if application is not None:
        notify_applicant(application, "rejected")  # sent by a worker once this commits
    return tenant


@transaction.atomic
def transition_tenant(*, tenant: Tenant, to_state: str, actor: str, reason: str = "") -> Tenant:
    """Moves a tenant to another state if the state machine allows it, records the event and
    tells the receivers registered in tenants.lifecycle, all in one transaction.

    The one function that changes Tenant.state. Refused (TransitionNotAllowed) from a state that
    does not lead to `to_state`, checked on the row locked for the transaction.
    """
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    check_transition(locked, to_state)
    from_state = locked.state
    locked.state = to_state
    locked.save(update_fields=["state"])
    tenant.state = to_state
    _record_transition(locked, from_state=from_state, actor=actor, reason=reason)
    return locked


def _record_transition(tenant: Tenant, *, from_state: str, actor: str, reason: str) -> None:
    """Records the tenant's entry into its current state and tells the lifecycle's receivers."""
    event = TenantEvent.objects.create(
        tenant=tenant, from_state=from_state, to_state=tenant.state, actor=actor, reason=reason
    )
    announce(
        Transition(
            tenant=tenant,
            from_state=from_state,
            to_state=tenant.state,
            actor=actor,
            reason=reason,
            event=event,
        )
    )


def record_event(*, tenant: Tenant, actor: str, reason: str) -> TenantEvent:
    """Audits an action that leaves the tenant in its state (e.g. retrying a stalled run)."""
    return TenantEvent.objects.create(
        tenant=tenant, from_state=tenant.state, to_state=tenant.state, actor=actor, reason=reason
    )


@transaction.atomic
def set_partner(*, tenant: Tenant, partner: Partner | None, actor: str, reason: str = "") -> Tenant:
    """Makes `partner` the tenant's operator (None: no partner), recorded as a tenant event;
    the same partner again changes and records nothing. Billing calls it when a partner change
    it recorded takes effect (billing keeps who was billed on which day)."""
    new_id = partner.pk if partner is not None else None
    locked = (
        Tenant.objects.select_for_update(of=("self",)).select_related("partner").get(pk=tenant.pk)
    )
    if locked.partner_id == new_id:
        return tenant
    before = locked.partner.name if locked.partner is not None else "no partner"
    after = partner.name if partner is not None else "no partner"
    Tenant.objects.filter(pk=tenant.pk).update(partner=partner)
    tenant.partner = partner
    note = f"Partner changed from {before} to {after}"
    record_event(tenant=tenant, actor=actor, reason=f"{note}: {reason}" if reason else note)
    return tenant


@transaction.atomic
def place_hold(
    *, tenant: Tenant, kind: str, reason: str, actor: str, reference: str = ""
) -> tuple[SuspensionHold, bool]:
    """Records a hold of `kind` on the tenant (for `reference`), unless one is open already;
    returns the open hold and whether it was placed now. Changes no state: suspending is
    provisioning.lifecycle_services' work, which calls this in its transaction."""
    open_hold = SuspensionHold.objects.filter(
        tenant=tenant, kind=kind, reference=reference, lifted_at__isnull=True
    ).first()
    if open_hold is not None:
        return open_hold, False
    hold = SuspensionHold.objects.create(
        tenant=tenant, kind=kind, reference=reference, reason=reason, placed_by=actor
    )
    return hold, True


@transaction.atomic
def lift_holds(
    *, tenant: Tenant, kind: str, actor: str, reason: str = "", reference: str | None = None
) -> list[SuspensionHold]:
    """Lifts the tenant's open holds of `kind` (only the one for `reference`, if given);
    returns those lifted. A lifted hold stays on record with who lifted it, when and why."""
    holds = SuspensionHold.objects.select_for_update().filter(
        tenant=tenant, kind=kind, lifted_at__isnull=True
    )
    if reference is not None:
        holds = holds.filter(reference=reference)
    lifted = list(holds)
    now = timezone.now()
    for hold in lifted:
        hold.lifted_at, hold.lifted_by, hold.lift_reason = now, actor, reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return lifted


@transaction.atomic
def create_partner(*, name: str, contact_email: str) -> Partner:
    return Partner.objects.create(name=name, contact_email=contact_email)


@transaction.atomic
def add_partner_member(
    *, partner: Partner, user: User, role: str, invited_by: str, ip_address: str | None = None
) -> PartnerMembership:
    """Puts a control-plane account on the partner's staff in `role`; refuses (ValidationError)
    an unknown role or someone already on the staff."""
    if role not in PartnerMembership.Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if membership_of(user, partner) is not None:
        raise ValidationError(f"{user.email} is already on the staff of {partner.name}.")
    return PartnerMembership.objects.create(
        partner=partner, user=user, role=role, invited_by=invited_by, invited_from=ip_address
    )


def control_plane_site() -> invitations.Site:
    """Where the control plane is served, as invitations to it name it."""
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return invitations.Site(
        name=settings.PLATFORM_NAME,
        base_url=f"{settings.PUBLIC_URL_SCHEME}://{settings.PLATFORM_DOMAIN}{port}",
    )


@transaction.atomic
def invite_partner_staff(
    *,
    partner: Partner,
    email: str,
    full_name: str,
    role: str,
    actor: User,
    ip_address: str | None = None,
) -> PartnerMembership:
    """The partner's owner adds someone to its staff: their control-plane account (made
    without a password if new), the membership, and an e-mail sent once this commits — a
    set-password invitation to a new account, a notice to one that can already sign in.

    Only an owner of the partner may invite (PermissionDenied otherwise); someone already on
    the staff is refused (ValidationError). The membership records who invited and when.
    """
    if current_schema() != get_public_schema_name():
        raise RuntimeError("Partner staff are accounts of the control plane (schema public).")
    owner = membership_of(actor, partner)
    if owner is None or owner.role != PartnerMembership.Role.OWNER:
        raise PermissionDenied("Only an owner of the partner invites its staff.")
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    new_account = user is None
    if user is None:
        user = create_account(email=email, full_name=full_name.strip())
    membership = add_partner_member(
        partner=partner, user=user, role=role, invited_by=actor.email, ip_address=ip_address
    )
    site = control_plane_site()
    if new_account or not user.has_usable_password():
        invitations.send_invitation(
            site=site,
            user=user,
            subject=f"[{settings.PLATFORM_NAME}] You are invited to the staff of {partner.name}",
            template="tenants/email/partner_invitation.txt",
        )
    else:
        send_mail(
            subject=f"[{settings.PLATFORM_NAME}] You are on the staff of {partner.name}",
            message=render_to_string(
                "tenants/email/partner_added.txt",
                {
                    "user": user,
                    "partner": partner,
                    "membership": membership,
                    "sign_in": site.url("/accounts/login/"),
                    "platform_name": settings.PLATFORM_NAME,
                },
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    return membership


@transaction.atomic
def remove_partner_staff(
    *, membership: PartnerMembership, actor: User, ip_address: str | None = None
) -> PartnerMembership:
    """Ends a membership (stamped with who and when, never deleted). Only an owner of the same
    partner may (PermissionDenied); the last owner cannot be removed, so a partner always has
    someone who can manage its staff (ValidationError)."""
    membership = PartnerMembership.objects.select_for_update().get(pk=membership.pk)
    owner = membership_of(actor, membership.partner)
    if owner is None or owner.role != PartnerMembership.Role.OWNER:
        raise PermissionDenied("Only an owner of the partner removes its staff.")
    if membership.removed_at is not None:
        raise ValidationError(f"{membership.user.email} was already removed.")
    if membership.role == PartnerMembership.Role.OWNER:
        owners = PartnerMembership.objects.select_for_update().filter(
            partner=membership.partner, role=PartnerMembership.Role.OWNER, removed_at__isnull=True
        )
        if len(owners) <= 1:
            raise ValidationError(
                "The last owner cannot be removed: make someone else owner first."
            )
    membership.removed_at = timezone.now()
    membership.removed_by = actor.email
    membership.removed_from = ip_address
    membership.save(update_fields=["removed_at", "removed_by", "removed_from"])
    return membership


def record_rollup(*, schema_name: str, officers: int, officers_signed_in_7d: int) -> TenantRollup:
    """Stores the latest figures of one tenant; the newest write wins."""
    tenant = Tenant.objects.get(schema_name=schema_name)
    rollup, _ = TenantRollup.objects.update_or_create(
        tenant=tenant,
        defaults={
            "officers": officers,
            "officers_signed_in_7d": officers_signed_in_7d,
            "computed_at": timezone.now(),
        },
    )
    return rollup
