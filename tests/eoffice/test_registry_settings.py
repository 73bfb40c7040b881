"""The tenant administrator sets the file numbering pattern and the categories."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from eoffice.forms import ReceiptForm
from eoffice.models import Category
from eoffice.services import files
from tests.conftest import World
from tests.eoffice.chart import ORIGIN, Chart, file_details

pytestmark = pytest.mark.django_db


def admin_client(world: World) -> Client:
    client = Client(HTTP_HOST=world.punjab.host)
    client.force_login(User.objects.get(email=world.punjab.admin_email))
    return client


def test_pattern_numbers_the_next_files_and_bad_patterns_are_explained(
    world: World, chart: Chart
) -> None:
    admin = admin_client(world)
    page = admin.post(reverse("manage:settings"), {"pattern": "{office}-{year}"})
    assert "must contain {serial} exactly once" in page.content.decode()
    page = admin.post(reverse("manage:settings"), {"pattern": "{office}/{serial}/{month}"})
    assert "Unknown part {month}" in page.content.decode()
    response = admin.post(reverse("manage:settings"), {"pattern": "PB/{category}/{serial}/{year}"})
    assert response.status_code == 302
    so = chart.desk("so")
    first = files.open_file(desk=so, details=file_details(chart), origin=ORIGIN)
    second = files.open_file(desk=so, details=file_details(chart), origin=ORIGIN)
    assert first.reference == f"PB/GEN/1/{first.year}"
    assert second.reference == f"PB/GEN/2/{first.year}"


def test_categories_are_added_and_withdrawn_never_deleted(world: World, chart: Chart) -> None:
    admin = admin_client(world)
    admin.post(reverse("manage:category_add"), {"code": "hr", "name": "Human Resources"})
    hr = Category.objects.get(code="HR")
    duplicate = admin.post(
        reverse("manage:category_add"), {"code": "HR", "name": "Again"}, follow=True
    )
    assert "already used" in duplicate.content.decode()
    admin.post(reverse("manage:category_toggle", args=[hr.pk]), {"active": "0"})
    hr.refresh_from_db()
    assert not hr.is_active
    offered = ReceiptForm(desk=chart.desk("so")).fields["category"].queryset  # type: ignore[attr-defined]  # a ModelChoiceField
    assert hr not in offered and chart.category in offered


def test_officers_cannot_change_the_settings(world: World, chart: Chart) -> None:
    officer = Client(HTTP_HOST=world.punjab.host)
    officer.force_login(chart.officers["so"])
    assert officer.get(reverse("manage:settings")).status_code == 403
    assert officer.post(reverse("manage:settings"), {"pattern": "{serial}"}).status_code == 403
    assert (
        officer.post(reverse("manage:category_add"), {"code": "X", "name": "X"}).status_code == 403
    )
