"""Every catalog is complete and well formed, and what officers see is in Urdu, allauth's pages
included (issue 9, point 13)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from accounts.models import User
from tests.conftest import World

CATALOGS = sorted(Path(settings.BASE_DIR, "locale").glob("**/LC_MESSAGES/*.po"))


def _messages(translations: gettext.GNUTranslations) -> dict[Any, Any]:
    # GNUTranslations keeps its catalog private and offers no public way to list it.
    return dict(vars(translations)["_catalog"])


def test_both_catalogs_are_found() -> None:
    names = {str(path.relative_to(settings.BASE_DIR)) for path in CATALOGS}
    assert names == {
        "locale/ur/LC_MESSAGES/django.po",
        "locale/allauth/ur/LC_MESSAGES/django.po",
    }


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("po", CATALOGS, ids=lambda path: str(path.parent.parent.parent.name))
def test_catalog_passes_msgfmt_check_with_nothing_untranslated_or_fuzzy(
    po: Path, tmp_path: Path
) -> None:
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(compiled), str(po)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics
    # The committed .mo is what Django reads: it must say what the .po says.
    committed = po.with_suffix(".mo")
    with compiled.open("rb") as fresh, committed.open("rb") as kept:
        assert _messages(gettext.GNUTranslations(fresh)) == _messages(gettext.GNUTranslations(kept))


@pytest.mark.django_db
def test_allauth_pages_are_in_urdu(world: World) -> None:
    signed_in = Client(HTTP_HOST=world.punjab.host)
    with schema_context(world.punjab.tenant.schema_name):
        User.objects.filter(email=world.punjab.officer_email).update(language="ur")
        signed_in.force_login(User.objects.get(email=world.punjab.officer_email))
    pages = {
        "account_change_password": ["پاس ورڈ تبدیل کریں", "موجودہ پاس ورڈ", "نیا پاس ورڈ"],
        "account_email": ["ای میل پتے", "ای میل پتہ شامل کریں"],
        "account_logout": ["کیا آپ واقعی سائن آؤٹ کرنا چاہتے ہیں؟"],
    }
    for name, texts in pages.items():
        page = signed_in.get(reverse(name)).content.decode()
        for text in texts:
            assert text in page, (name, text)
    visitor = Client(HTTP_HOST=world.punjab.host, HTTP_ACCEPT_LANGUAGE="ur")
    reset = visitor.get(reverse("account_reset_password")).content.decode()
    assert "پاس ورڈ دوبارہ ترتیب دیں" in reset and "Password Reset" not in reset
