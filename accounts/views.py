"""The account pages the platform changes from allauth's: tenant-bound token checks, the
two-factor enrolment link of federal administrators, and the invitation's welcome."""

from __future__ import annotations

from typing import Any

from allauth.account import signals
from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts import mfa_enrolment
from accounts.models import User
from accounts.requests import signed_in_user
from accounts.tasks import send_mfa_enrolment_link
from accounts.tokens import TenantEmailConfirmationHMAC, user_for_mfa_enrolment_key
from config.tenancy import request_tenant

# One enrolment e-mail a minute per administrator, however often the button is pressed.
_RESEND_SECONDS = 60


def organisation_name(request: HttpRequest) -> str:
    """Whose e-office this host serves: the tenant's name, or the platform's."""
    tenant = request_tenant(request)
    return tenant.name if tenant is not None else settings.PLATFORM_NAME


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    """allauth's confirmation page, accepting only keys issued on this host."""

    def get_object(self, queryset: Any = None) -> TenantEmailConfirmationHMAC:
        confirmation = TenantEmailConfirmationHMAC.from_key(self.kwargs["key"])
        if confirmation is None:
            raise Http404()
        return confirmation


class PasswordResetFromKeyView(allauth_views.PasswordResetFromKeyView):
    """Setting a password from an e-mailed link; for an account that has never had one (an
    invitation), a welcome to the organisation's e-office that ends on the sign-in page."""

    reset_user: User | None

    def is_invitation(self) -> bool:
        user = getattr(self, "reset_user", None)
        return user is not None and user.last_login is None and not user.has_usable_password()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_invitation"] = self.is_invitation()
        context["organisation"] = organisation_name(self.request)
        return context

    def form_valid(self, form: Form) -> HttpResponse:
        if not self.is_invitation():
            return super().form_valid(form)
        user = self.reset_user
        assert user is not None  # is_invitation() says so
        form.save()  # type: ignore[attr-defined]  # allauth's ResetPasswordKeyForm.save
        signals.password_reset.send(sender=User, request=self.request, user=user)
        messages.success(
            self.request,
            gettext(
                "Your password is set. Sign in to %(organisation)s's e-office with %(email)s "
                "and your new password."
            )
            % {"organisation": organisation_name(self.request), "email": user.email},
        )
        return redirect("account_login")


@require_http_methods(["GET", "POST"])
def mfa_enrolment_required(request: HttpRequest) -> HttpResponse:
    """Tells an unenrolled federal administrator that enrolment starts from an e-mailed link,
    and sends (or sends again) that link."""
    if not mfa_enrolment.must_enrol(request):
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = signed_in_user(request)
    if request.method == "POST":
        if cache.add(f"accounts:mfa-enrolment-sent:{user.pk}", True, _RESEND_SECONDS):
            send_mfa_enrolment_link.delay(user.pk)
            messages.success(
                request,
                gettext("We sent the link to %(email)s. Open it in this browser.")
                % {"email": user.email},
            )
        else:
            messages.info(
                request,
                gettext("A link was sent less than a minute ago; check your mailbox first."),
            )
        return redirect("accounts_mfa_enrolment")
    return render(request, "account/mfa_enrolment_required.html", {"email": user.email})


@require_http_methods(["GET"])
def mfa_enrolment_link(request: HttpRequest, key: str) -> HttpResponse:
    """Opens two-factor enrolment for the account the link was sent to, on this host only."""
    user = user_for_mfa_enrolment_key(key)
    if user is None:
        return render(request, "account/mfa_enrolment_invalid.html", status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    mfa_enrolment.grant(request.session, user)
    activate = reverse("mfa_activate_totp")
    if request.user.is_authenticated:
        return redirect(activate)
    # The password is still needed: the link proves the mailbox, not the person.
    return redirect(f"{reverse('account_login')}?{urlencode({'next': activate})}")
