"""allauth's account pages, with the platform's own views in front of the ones they replace."""

from django.urls import include, path, re_path

from accounts import views

urlpatterns = [
    # Same paths and names as allauth's (which follow and are never reached).
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.PasswordResetFromKeyView.as_view(),
        name="account_reset_password_from_key",
    ),
    re_path(
        r"^confirm-email/(?P<key>[-:\w]+)/$",
        views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("2fa/enrolment/", views.mfa_enrolment_required, name="accounts_mfa_enrolment"),
    path(
        "2fa/enrolment/<str:key>/",
        views.mfa_enrolment_link,
        name="accounts_mfa_enrolment_link",
    ),
    path("", include("allauth.urls")),
]
