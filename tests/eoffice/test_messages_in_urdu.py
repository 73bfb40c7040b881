"""The services' refusals and validation errors reach an officer in the language they chose."""

import pytest
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from tests.conftest import World
from tests.eoffice.chart import Chart, open_file

pytestmark = pytest.mark.django_db


def client_as(world: World, chart: Chart, who: str, language: str = "en") -> Client:
    officer = chart.officers[who]
    with schema_context(world.punjab.tenant.schema_name):
        officer.language = language
        officer.save(update_fields=["language"])
    client = Client(HTTP_HOST=world.punjab.host)
    client.force_login(officer)
    return client


def test_another_sections_officer_is_refused_in_urdu_on_the_403_page(
    world: World, chart: Chart
) -> None:
    file = open_file(chart, "so")
    url = reverse("item", args=[file.pk])

    page = client_as(world, chart, "sob", "ur").get(url)
    assert page.status_code == 403
    text = page.content.decode()
    assert 'lang="ur"' in text
    assert "ایسی کوئی وصولی یا فائل موجود نہیں، یا آپ کو اسے دیکھنے کی اجازت نہیں۔" in text
    assert "There is no such receipt or file" not in text

    # The same refusal, to an officer who kept English, in the same words as before.
    page = client_as(world, chart, "ds").get(url)
    assert page.status_code == 403
    assert "There is no such receipt or file, or you may not see it." in page.content.decode()


def test_a_refusal_composed_from_the_items_state_reads_as_one_urdu_sentence(
    world: World, chart: Chart
) -> None:
    file = open_file(chart, "so")
    so = client_as(world, chart, "so", "ur")
    assert so.post(reverse("item_park", args=[file.pk])).status_code == 302

    page = so.post(reverse("item_park", args=[file.pk]))
    assert page.status_code == 403
    text = page.content.decode()
    assert "یہ فائل زیرِ التوا نہیں رکھی جا سکتی: یہ زیرِ التوا رکھی گئی ہے۔" in text
    assert "cannot be parked" not in text


def test_a_services_validation_error_comes_back_as_an_urdu_message(
    world: World, chart: Chart
) -> None:
    file = open_file(chart, "so")
    so = client_as(world, chart, "so", "ur")
    # The form accepts any post; the service finds the file is already with this one.
    page = so.post(
        reverse("item_forward", args=[file.pk]),
        {"to_post": chart.post("SO(Admin)").pk},
        follow=True,
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{file.reference} پہلے ہی SO(Admin) کے پاس ہے۔" in text
    assert "is already with" not in text


def test_records_stay_in_one_language_whatever_the_officer_reads(
    world: World, chart: Chart
) -> None:
    from eoffice.models import AuditEntry

    file = open_file(chart, "so", grading="confidential")
    so = client_as(world, chart, "so", "ur")
    so.get(reverse("item", args=[file.pk]))
    so.post(reverse("item_forward", args=[file.pk]), {"to_post": chart.post("DS(Admin)").pk})
    with schema_context(world.punjab.tenant.schema_name):
        details = list(AuditEntry.objects.filter(item=file).values_list("detail", flat=True))
    assert "Confidential item opened" in details
    assert "Forwarded SO(Admin) → DS(Admin)" in details
