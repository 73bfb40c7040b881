"""Every catalog is complete and well formed, the project's catalog holds every string of the
source, and what officers see is in Urdu, allauth's pages included (issue 9, point 13)."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
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
PROJECT_CATALOG = Path(settings.BASE_DIR, "locale", "ur", "LC_MESSAGES", "django.po")
# What `makemessages` reads by default: these extensions, and no name that matches its
# default ignore patterns (CVS, .*, *~, *.pyc); it never goes into a `locale` directory.
SOURCE_EXTENSIONS = {".py", ".html", ".txt"}
_PO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


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


def _po_string(quoted: str) -> str:
    """The text of one quoted PO string, its C escapes undone."""
    assert quoted.startswith('"') and quoted.endswith('"'), quoted
    return re.sub(r"\\(.)", lambda m: _PO_ESCAPES.get(m[1], m[1]), quoted[1:-1])


def _msgids(po: Path) -> set[tuple[str | None, str, str | None]]:
    """(msgctxt, msgid, msgid_plural) of every live entry: not the header, not an obsolete
    (`#~`) entry, whatever the wrapping, the flags or the `#:` references."""
    entries: set[tuple[str | None, str, str | None]] = set()
    entry: dict[str, str] = {}
    keyword = ""

    def keep() -> None:
        if entry.get("msgid"):
            entries.add((entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural")))

    for line in po.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            entry[keyword] += _po_string(line)
            continue
        keyword, _, quoted = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and any(key.startswith("msgstr") for key in entry):
            keep()
            entry = {}
        entry[keyword] = _po_string(quoted)
    keep()
    return entries


def _copy_source(root: Path, copy: Path) -> None:
    """The files `makemessages` would read in `root`, at the same relative paths."""
    ignored = {Path(p).resolve() for p in (settings.MEDIA_ROOT, settings.STATIC_ROOT) if p}
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        folders[:] = [
            name
            for name in folders
            if not name.startswith(".")
            and name not in ("CVS", "locale")
            and (here / name).resolve() not in ignored
        ]
        for name in files:
            if Path(name).suffix in SOURCE_EXTENSIONS and not name.startswith("."):
                target = copy / (here / name).relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target)


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge")),
    reason="gettext's xgettext and msgmerge are not installed",
)
def test_project_catalog_holds_every_string_of_the_source_and_no_other(tmp_path: Path) -> None:
    """`makemessages -l ur` run on a copy of the source extracts exactly the msgids of the
    committed catalog: a string added to the code or a template and not yet in the catalog (so
    shown in English), or one the source no longer has, fails here."""
    root = Path(settings.BASE_DIR).resolve()
    copy = tmp_path.resolve() / "source"
    # makemessages writes each file's strings to the nearest `locale` directory above it: the
    # copy's own, which must not lie inside the project, where the committed catalog would win.
    assert not copy.is_relative_to(root), f"the temporary directory {copy} is inside {root}"
    _copy_source(root, copy)
    (copy / "locale").mkdir()
    committed = PROJECT_CATALOG.read_bytes()
    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "makemessages", "-l", "ur"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert PROJECT_CATALOG.read_bytes() == committed, "makemessages wrote to the committed catalog"
    extracted = _msgids(copy / "locale" / "ur" / "LC_MESSAGES" / "django.po")
    in_catalog = _msgids(PROJECT_CATALOG)
    assert len(extracted) > 100, "makemessages found almost nothing: is the copy complete?"
    missing = sorted(extracted - in_catalog, key=str)
    stale = sorted(in_catalog - extracted, key=str)
    assert not missing and not stale, (
        "run `manage.py makemessages -l ur`, translate, then `compilemessages -l ur`.\n"
        f"Not in the catalog: {missing}\nIn the catalog, not in the source: {stale}"
    )


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
