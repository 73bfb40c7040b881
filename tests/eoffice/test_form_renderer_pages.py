"""The e-office's pages with their forms are the same characters whether Django's widget
templates or config.form_renderer's Python twins render the widgets, and whether
components/field.html or config.field_component renders each field."""

import re
from typing import Any, cast

import pytest
from django.forms import renderers
from django.test import Client, override_settings
from django.urls import reverse

from config import field_component
from tests.conftest import World
from tests.eoffice.chart import Chart, open_file, register

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _forget_default_renderer() -> None:
    """Django keeps the renderer FORM_RENDERER names (functools.cache)."""
    cast(Any, renderers.get_default_renderer).cache_clear()


def _page(client: Client, path: str) -> str:
    return CSRF.sub("", client.get(path).content.decode())


def _signed_in(world: World, chart: Chart, language: str) -> tuple[Client, list[str]]:
    """The receipt form, a file with its forms, a receipt, the register and the inbox."""
    receipt = register(chart, "so")
    file = open_file(chart, "so", subject="Compared both ways")
    client = Client(HTTP_HOST=world.punjab.host, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(chart.officers["so"])
    paths = [
        reverse("receipt_new"),
        reverse("file_new"),
        reverse("item", args=[file.pk]),
        reverse("item", args=[receipt.pk]),
        reverse("register") + "?scope=all&q=a",
        reverse("inbox"),
    ]
    return client, paths


@pytest.mark.parametrize("language", ["en", "ur"])
def test_the_real_pages_are_the_same_with_either_renderer(
    world: World, chart: Chart, language: str
) -> None:
    """Compared whole."""
    client, paths = _signed_in(world, chart, language)
    ours = [_page(client, path) for path in paths]
    with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
        _forget_default_renderer()
        try:
            stock = [_page(client, path) for path in paths]
        finally:
            _forget_default_renderer()
    for path, mine, theirs in zip(paths, ours, stock, strict=True):
        assert mine == theirs, path
    assert any("<option" in page for page in ours)


@pytest.mark.parametrize("language", ["en", "ur"])
def test_the_real_pages_are_the_same_with_the_field_template(
    world: World, chart: Chart, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """{% field %} against the components/field.html include it replaced, page by page."""
    client, paths = _signed_in(world, chart, language)
    ours = [_page(client, path) for path in paths]
    monkeypatch.setattr(field_component, "render", field_component.render_with_template)
    reference = [_page(client, path) for path in paths]
    for path, mine, theirs in zip(paths, ours, reference, strict=True):
        assert mine == theirs, path
    assert sum(page.count('<div class="field') for page in ours) > 10
