"""URLs of the control plane (PLATFORM_DOMAIN): federal console, partner portal, accounts."""

from django.urls import include, path

from billing.webhooks import stripe_webhook
from console import views as console_views

urlpatterns = [
    path("", console_views.landing, name="home"),
    path("apply/", include("tenants.urls")),
    path("console/", include("console.urls")),
    path("accounts/", include("accounts.urls")),
    path("billing/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
]
