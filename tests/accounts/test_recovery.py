"""Password reset and e-mail verification work on every plane, each on its own host."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django_tenants.utils import schema_context

from tests.conftest import World, client_for, signed_in_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-Start-2027"


def link_in_last_mail(host: str) -> str:
    """The path of the link the last e-mail carries, which must point at `host`."""
    match = re.search(rf"http://{re.escape(host)}(/accounts/\S+)", mail.outbox[-1].body)
    assert match, f"no link to {host} in:\n{mail.outbox[-1].body}"
    return match.group(1)


@pytest.mark.parametrize("plane", ["punjab", "control"])
def test_password_reset_by_e_mail_link_on_the_same_host(world: World, plane: str) -> None:
    host, email = (
        (world.punjab.host, world.punjab.officer_email)
        if plane == "punjab"
        else (world.control_host, world.federal_admin_email)
    )
    client = client_for(host)

    client.post("/accounts/password/reset/", {"email": email})

    assert mail.outbox[-1].to == [email]
    reset_page = client.get(link_in_last_mail(host), follow=True)
    form_path = reset_page.redirect_chain[-1][0] if reset_page.redirect_chain else None
    assert form_path, "the key link should lead to the set-password form"
    done = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    signed_in_client(host, email, password=NEW_PASSWORD)


def test_reset_for_an_account_of_another_tenant_sends_nothing_there(world: World) -> None:
    client_for(world.sindh.host).post(
        "/accounts/password/reset/", {"email": world.punjab.officer_email}
    )

    sent_links = [m.body for m in mail.outbox if world.punjab.officer_email in m.to]
    assert not any("/accounts/password/reset/key/" in body for body in sent_links)


def test_a_new_e_mail_address_is_verified_by_a_link_on_the_tenant_host(world: World) -> None:
    client = signed_in_client(world.punjab.host, world.punjab.officer_email)
    new_address = "officer1.personal@punjab.example"

    client.post("/accounts/email/", {"email": new_address, "action_add": ""})

    with schema_context(world.punjab.tenant.schema_name):
        assert not EmailAddress.objects.get(email=new_address).verified
    confirm_path = link_in_last_mail(world.punjab.host)
    client.post(confirm_path)
    with schema_context(world.punjab.tenant.schema_name):
        assert EmailAddress.objects.get(email=new_address).verified
    with schema_context(world.sindh.tenant.schema_name):
        assert not EmailAddress.objects.filter(email=new_address).exists()
