"""Dunning's e-mails: the reminders of a grace period, to the partner's billing contacts and to
the administrators of each of the invoice's e-offices.

They go through Django's e-mail backend (config.mail queues them for a worker once the
transaction commits). The partner's e-mail is in English (the control plane's language); each
e-office administrator's is in the language they chose, and tells them only of their own
e-office's share of the invoice, never of the partner's other tenants.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext
from django_tenants.utils import schema_context

from accounts.models import User
from billing.models import BillingAccount, GracePeriod, InvoiceLine
from billing.money import format_money
from tenants.lifecycle import SERVING_STATES
from tenants.models import Partner, Tenant


def partner_recipients(partner: Partner) -> list[str]:
    """The partner's billing e-mail (its billing account's) and its contact e-mail, once each."""
    account = BillingAccount.objects.filter(partner=partner).first()
    addresses = [account.billing_email if account else "", partner.contact_email]
    return list(dict.fromkeys(address for address in addresses if address))


def tenant_administrators(tenant: Tenant) -> list[tuple[str, str]]:
    """(e-mail, language) of the tenant's active administrators (staff accounts in its schema)."""
    with schema_context(tenant.schema_name):
        return list(
            User.objects.filter(is_staff=True, is_active=True)
            .order_by("email")
            .values_list("email", "language")
        )


def send_grace_reminder(*, grace: GracePeriod, which: str) -> list[str]:
    """Queues the reminder `which` (start, midway, last_day) of a grace period; returns the
    addresses it went to."""
    invoice = grace.invoice
    shares = {
        row["tenant_id"]: row["amount"]
        for row in InvoiceLine.objects.filter(invoice=invoice)
        .values("tenant_id")
        .annotate(amount=Sum("amount_minor"))
    }
    tenants = list(Tenant.objects.filter(pk__in=shares).order_by("name"))
    sent = partner_recipients(invoice.partner)
    context = {
        "partner": invoice.partner,
        "invoice": invoice,
        "which": which,
        "last_day": grace.last_day,
        "tenants": tenants,
        "platform_name": settings.PLATFORM_NAME,
    }
    if sent:
        send_mail(
            subject=f"[{settings.PLATFORM_NAME}] Invoice {invoice.number} is unpaid: pay by "
            f"{grace.last_day:%d %B %Y}",
            message=render_to_string("billing/email/grace_partner.txt", context),
            from_email=None,
            recipient_list=sent,
        )
    for tenant in tenants:
        if tenant.state not in SERVING_STATES:
            continue
        share = format_money(shares[tenant.pk], invoice.currency)
        for email, language in tenant_administrators(tenant):
            with translation.override(language or settings.LANGUAGE_CODE):
                subject, body = _tenant_message(tenant, grace, share)
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[email])
            sent.append(email)
    return sent


def _tenant_message(tenant: Tenant, grace: GracePeriod, share: str) -> tuple[str, str]:
    invoice = grace.invoice
    values = {
        "platform": settings.PLATFORM_NAME,
        "number": invoice.number or "",
        "tenant": tenant.name,
        "partner": invoice.partner.name,
        "amount": share,
        "date": formats.date_format(grace.last_day, "j F Y"),
    }
    subject = gettext(
        "[%(platform)s] Invoice %(number)s is unpaid: %(tenant)s becomes read-only after %(date)s"
    )
    paragraphs = [
        gettext(
            "Invoice %(number)s of %(partner)s, the IT partner that operates %(tenant)s, is "
            "unpaid. The charges for %(tenant)s on it come to %(amount)s."
        ),
        gettext(
            "If it is not paid by %(date)s, the e-office becomes read-only: officers can still "
            "sign in, read, search and export, but nothing can be changed. Nothing is deleted, "
            "and paying makes it writable again within a minute."
        ),
        gettext("Please ask %(partner)s to pay the invoice."),
        "— %(platform)s",
    ]
    return subject % values, "\n\n".join(p % values for p in paragraphs) + "\n"
