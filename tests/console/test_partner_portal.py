"""The partner portal: roles (owner / billing / support), tenants, invoices, PDFs, staff; a
partner never sees another's anything."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from accounts.services import create_account
from billing.selectors.invoices import estimate_running_month
from tenants.models import PartnerMembership, Tenant
from tenants.selectors import partner_role
from tenants.services import add_partner_member, register_tenant, reject_application
from tests.conftest import PASSWORD, World, client_for, signed_in_client
from tests.console.billing_data import make_ledger, record_usage, staff

pytestmark = pytest.mark.django_db


def portal_of(world: World, email: str) -> tuple[Client, str]:
    client = signed_in_client(world.control_host, email)
    return client, f"/console/partner/{world.partner.pk}/"


def test_the_portal_opens_on_the_partner_of_its_staff(world: World) -> None:
    client, base = portal_of(world, world.partner_user_email)

    landing = client.get("/console/partner/")
    page = client.get(base)

    assert landing.status_code == 302 and landing["Location"] == base
    html = page.content.decode()
    assert world.punjab.tenant.name in html
    assert world.sindh.tenant.name not in html
    assert 'href="/console/partner/' in html  # the layout's navigation names the portal


def test_overview_shows_plan_seats_storage_and_last_activity(world: World) -> None:
    make_ledger(world)
    today = datetime.date.today()
    record_usage(world.punjab.tenant, today.replace(day=1), seats=7, storage_bytes=2_500_000_000)
    client, base = portal_of(world, world.partner_user_email)

    html = client.get(base).content.decode()

    assert "Standard" in html
    assert ">7<" in html  # seats this month
    assert "2.50 GB" in html
    assert today.replace(day=1).strftime("%-d %b %Y") in html  # last activity


def test_billing_staff_see_invoices_with_status_stripe_link_and_pdf(world: World) -> None:
    ledger = make_ledger(world)
    billing = staff(world, "billing", "bilal")
    client, base = portal_of(world, billing.email)

    page = client.get(f"{base}invoices/")
    detail = client.get(f"{base}invoices/{ledger.unpaid.pk}/")
    pdf = client.get(f"{base}invoices/{ledger.unpaid.pk}/pdf/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "INV-2026-000901" in html and "INV-2026-000902" in html
    assert "INV-2026-000903" not in html  # the other partner's
    assert "Rs 3,600.00" in html
    assert "https://invoice.stripe.example/i/in_902" in html
    assert "Paid" in html and "Finalised" in html
    assert detail.status_code == 200
    assert world.punjab.tenant.name in detail.content.decode()
    assert "Rs 1,200.00" in detail.content.decode()  # the seat price of its line
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert 'filename="INV-2026-000902.pdf"' in pdf["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "INV-2026-000902" in text and "Test Punjab" in text


def test_the_grace_banner_shows_amount_and_date_to_money_roles_and_only_a_date_to_support(
    world: World,
) -> None:
    make_ledger(world)
    support = staff(world, "support", "sana")
    owner, base = portal_of(world, world.partner_user_email)
    helpdesk, _ = portal_of(world, support.email)

    seen_by_owner = owner.get(base).content.decode()
    seen_by_support = helpdesk.get(base).content.decode()

    assert "Invoice INV-2026-000902 for Rs 3,600.00 is unpaid." in seen_by_owner
    assert "become read-only" in seen_by_owner
    assert "is unpaid" in seen_by_support and "become read-only" in seen_by_support
    assert "Rs " not in seen_by_support


@pytest.mark.parametrize("page", ["invoices/", "invoices/{pk}/", "invoices/{pk}/pdf/", "staff/"])
def test_support_staff_see_tenants_but_no_money_and_no_staff_page(world: World, page: str) -> None:
    ledger = make_ledger(world)
    support = staff(world, "support", "sana")
    client, base = portal_of(world, support.email)

    overview = client.get(base)
    refused = client.get(base + page.format(pk=ledger.unpaid.pk))

    html = overview.content.decode()
    assert world.punjab.tenant.name in html
    assert "Rs " not in html and "Invoices</a>" not in html
    assert refused.status_code == 403


@pytest.mark.parametrize("page", ["invoices/{pk}/", "invoices/{pk}/pdf/"])
def test_a_partner_cannot_open_another_partners_invoice(world: World, page: str) -> None:
    ledger = make_ledger(world)
    client, base = portal_of(world, world.partner_user_email)

    response = client.get(base + page.format(pk=ledger.other_invoice.pk))

    assert response.status_code == 404


@pytest.mark.parametrize("page", ["", "invoices/", "staff/"])
def test_a_partner_cannot_open_another_partners_portal(world: World, page: str) -> None:
    ledger = make_ledger(world)
    client = signed_in_client(world.control_host, world.partner_user_email)

    response = client.get(f"/console/partner/{ledger.other_partner.pk}/{page}")

    assert response.status_code == 404


def test_a_removed_member_loses_the_portal(world: World) -> None:
    billing = staff(world, "billing", "bilal")
    client, base = portal_of(world, billing.email)
    owner, _ = portal_of(world, world.partner_user_email)
    membership = PartnerMembership.objects.get(user=billing, removed_at__isnull=True)

    unconfirmed = owner.post(f"{base}staff/{membership.pk}/remove/", follow=True)
    assert partner_role(billing, world.partner) == "billing"
    assert "Tick the box" in unconfirmed.content.decode()
    owner.post(f"{base}staff/{membership.pk}/remove/", {"confirm": "on"})

    membership.refresh_from_db()
    assert membership.removed_at is not None and membership.removed_by == world.partner_user_email
    assert membership.removed_from == "127.0.0.1"
    assert partner_role(billing, world.partner) is None
    assert client.get(base).status_code == 404
    assert client.get("/console/partner/").status_code == 403
    staff_page = owner.get(f"{base}staff/").content.decode()
    assert "Former staff" in staff_page and billing.email in staff_page


def test_the_owner_invites_staff_who_receive_a_set_password_link(world: World) -> None:
    owner, base = portal_of(world, world.partner_user_email)
    mail.outbox = []

    response = owner.post(
        f"{base}staff/invite/",
        {"email": "Nadia@Partner.example", "full_name": "Nadia Noor", "role": "billing"},
    )

    assert response.status_code == 302
    membership = PartnerMembership.objects.get(user__email="nadia@partner.example")
    assert membership.role == "billing" and membership.invited_by == world.partner_user_email
    assert membership.invited_from == "127.0.0.1"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@partner.example"]
    assert "Test Partner IT" in message.subject
    assert "http://localhost" in message.body and "/accounts/password/reset/key/" in message.body


def test_an_owner_cannot_invite_someone_twice_nor_remove_the_last_owner(world: World) -> None:
    billing = staff(world, "billing", "bilal")
    owner, base = portal_of(world, world.partner_user_email)
    own = PartnerMembership.objects.get(user__email=world.partner_user_email, removed_at=None)

    again = owner.post(
        f"{base}staff/invite/", {"email": billing.email, "full_name": "B", "role": "support"}
    )
    last_owner = owner.post(f"{base}staff/{own.pk}/remove/", {"confirm": "on"}, follow=True)

    assert again.status_code == 400 and "already on the staff" in again.content.decode()
    assert "last owner cannot be removed" in last_owner.content.decode()
    assert partner_role(owner_user(world), world.partner) == "owner"


def owner_user(world: World) -> Any:
    return PartnerMembership.objects.get(user__email=world.partner_user_email).user


@pytest.mark.parametrize("role", ["billing", "support"])
def test_only_owners_invite_and_remove(world: World, role: str) -> None:
    member = staff(world, role, "mira")
    client, base = portal_of(world, member.email)
    own = PartnerMembership.objects.get(user=member)

    invited = client.post(
        f"{base}staff/invite/", {"email": "x@partner.example", "full_name": "X", "role": "owner"}
    )
    removed = client.post(f"{base}staff/{own.pk}/remove/", {"confirm": "on"})

    assert invited.status_code == 403 and removed.status_code == 403
    assert not PartnerMembership.objects.filter(user__email="x@partner.example").exists()
    assert partner_role(member, world.partner) == role


def test_the_estimate_rates_the_running_month_from_recorded_days_only(world: World) -> None:
    ledger = make_ledger(world)
    punjab = world.punjab.tenant
    for day in (1, 2, 4):  # the 3rd was not measured: not charged
        record_usage(punjab, datetime.date(2026, 11, day), seats=3, storage_bytes=10**9)

    estimate = estimate_running_month(world.partner, today=datetime.date(2026, 11, 5))

    (invoice,) = estimate.invoices
    assert [(r.tenant_name, r.line.days, r.line.seats) for r in invoice.lines] == [
        (punjab.name, 3, 3)
    ]
    # 3 seats, at the seat price, for 3 recorded days of November's 30
    expected = round(3 * ledger.price.seat_price_minor * 3 / 30)
    assert invoice.lines[0].line.seat_amount_minor == expected
    assert invoice.total_minor == expected  # 1 GB stored: within the included storage


def test_applications_assigned_to_the_partner_show_where_they_stand(world: World) -> None:
    register_tenant(
        name="Test Gilgit",
        kind=Tenant.Kind.PROVINCE,
        subdomain="gilgit",
        partner=world.partner,
        actor="test-suite",
    )
    refused = register_tenant(
        name="Test Refused",
        kind=Tenant.Kind.PROVINCE,
        subdomain="refused",
        partner=world.partner,
        actor="test-suite",
    )
    reject_application(tenant=refused, actor="federal@board.example", reason="Out of scope")
    register_tenant(
        name="Test Elsewhere", kind=Tenant.Kind.PROVINCE, subdomain="elsewhere", actor="t"
    )
    support = staff(world, "support", "sana")
    client, base = portal_of(world, support.email)

    html = client.get(base).content.decode()

    section = html[html.index("Applications assigned to you") :]
    assert "Test Gilgit" in section and "Awaiting the federal board" in section
    assert "Test Refused" in section and "Not approved" in section
    assert "Test Refused" not in html[: html.index("Applications assigned to you")]
    assert "Test Elsewhere" not in html


def test_an_owner_cannot_remove_a_member_of_another_partner(world: World) -> None:
    ledger = make_ledger(world)
    rival = create_account(email="rival@other.example", full_name="Rival", password=PASSWORD)
    theirs = add_partner_member(
        partner=ledger.other_partner, user=rival, role="billing", invited_by="test-suite"
    )
    owner, base = portal_of(world, world.partner_user_email)

    response = owner.post(f"{base}staff/{theirs.pk}/remove/", {"confirm": "on"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.removed_at is None


def test_the_invited_staff_sets_a_password_on_the_control_plane_only_and_signs_in(
    world: World,
) -> None:
    owner, base = portal_of(world, world.partner_user_email)
    mail.outbox = []
    owner.post(
        f"{base}staff/invite/",
        {"email": "zara@partner.example", "full_name": "Zara Zaidi", "role": "support"},
    )
    match = re.search(
        r"http://localhost(?::\d+)?(/accounts/password/reset/key/\S+)", mail.outbox[0].body
    )
    assert match, mail.outbox[0].body
    path = match.group(1)

    elsewhere = client_for(world.punjab.host).get(path, follow=True)
    invited = client_for(world.control_host)
    form = invited.get(path, follow=True)
    done = invited.post(
        form.redirect_chain[-1][0],
        {"password1": "Zara-Sets-2026!", "password2": "Zara-Sets-2026!"},
    )

    assert "password1" not in elsewhere.content.decode()  # a tenant's host refuses the token
    assert done.status_code == 302
    signed_in = signed_in_client(world.control_host, "zara@partner.example", "Zara-Sets-2026!")
    overview = signed_in.get("/console/partner/", follow=True).content.decode()
    assert world.punjab.tenant.name in overview and "Rs " not in overview


def test_a_membership_is_never_deleted_or_edited_in_the_database(world: World) -> None:
    from django.db import DatabaseError, connection, transaction

    member = staff(world, "support", "kept")
    membership = PartnerMembership.objects.get(user=member, partner=world.partner)

    for statement in [
        "UPDATE tenants_partnermembership SET role = 'owner' WHERE id = %s",
        "DELETE FROM tenants_partnermembership WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [membership.pk])
    # A removal is recorded, once.
    PartnerMembership.objects.filter(pk=membership.pk).update(
        removed_at=datetime.datetime.now(datetime.UTC), removed_by="owner@partner.example"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        PartnerMembership.objects.filter(pk=membership.pk).update(removed_by="someone else")


def test_an_invoices_history_names_the_partners_own_staff_and_not_the_platforms_people(
    world: World,
) -> None:
    from billing.audit import record_billing_event

    ledger = make_ledger(world)
    billing = staff(world, "billing", "hina")
    for actor in (world.federal_admin_email, billing.email):
        record_billing_event(
            actor=actor, action="invoice.noted", invoice=ledger.unpaid, detail={"reason": "x"}
        )
    client, base = portal_of(world, billing.email)

    html = client.get(f"{base}invoices/{ledger.unpaid.pk}/").content.decode()

    assert billing.email in html and "the platform" in html
    assert world.federal_admin_email not in html
    federal = signed_in_client(world.control_host, world.federal_admin_email)
    federal_html = federal.get(f"/console/billing/invoices/{ledger.unpaid.pk}/").content.decode()
    assert world.federal_admin_email in federal_html
