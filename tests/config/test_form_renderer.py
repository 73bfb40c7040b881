"""config.form_renderer renders Django's widget templates in Python: the same characters as
the templates, for every widget it takes over, in both languages (the real pages are compared
in tests/eoffice/test_form_renderer_pages.py)."""

import datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from config.form_renderer import DJANGO_FORMS_TEMPLATES, PARTS, FormRenderer

AWKWARD = "<b>Tom & \"Jerry\"</b> 'quoted'"
GROUPED = [
    ("Secretariat", [(1, "Secretary"), (2, AWKWARD)]),
    ("Field", [(3, gettext_lazy("Received")), (4, mark_safe("<i>safe</i>"))]),
    (5, "Ungrouped"),
    ("", "Empty value"),
]


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Subject")}))
    flagged = forms.CharField(
        widget=forms.TextInput(attrs={"required": True, "disabled": False, "data-x": None})
    )
    safe = forms.CharField()
    email = forms.EmailField(required=False)
    number = forms.DecimalField(required=False)
    count = forms.IntegerField(required=False, min_value=1, max_value=9)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search"}))
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    empty_body = forms.CharField(required=False, widget=forms.Textarea)
    agree = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=GROUPED, required=False)
    many = forms.MultipleChoiceField(choices=GROUPED, required=False)
    maybe = forms.NullBooleanField(required=False)
    radio = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect, required=False)
    radio_flat = forms.ChoiceField(
        choices=[(1, "One"), (2, AWKWARD)], widget=forms.RadioSelect(attrs={"class": "choices"})
    )
    boxes = forms.MultipleChoiceField(
        choices=GROUPED, widget=forms.CheckboxSelectMultiple, required=False
    )
    colour = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "color"}))
    upload = forms.FileField(required=False)


BOUND: dict[str, Any] = {
    "text": AWKWARD,
    "flagged": "x",
    "safe": mark_safe("<em>ok</em>"),
    "email": "a&b@example.com",
    "number": Decimal("1234.50"),
    "count": 0,
    "when": "2026-12-01",
    "at": "2026-12-01 09:00",
    "time": "09:30",
    "url": "https://example.com/?a=1&b=2",
    "secret": "pa<ss>",
    "hidden": '"',
    "body": f"line one\n{AWKWARD}",
    "empty_body": "",
    "agree": "on",
    "choice": "2",
    "many": ["1", "4"],
    "maybe": "true",
    "radio": "3",
    "radio_flat": "2",
    "boxes": ["2", "5"],
}
INITIAL: dict[str, Any] = {
    "when": datetime.date(2026, 1, 2),
    "count": 12345,
    "number": Decimal("0.5"),
    "choice": 1,
    "many": [3],
}


def both_ways(form: forms.Form) -> tuple[list[str], list[str]]:
    stock, ours = DjangoTemplates(), FormRenderer()
    form.renderer = stock
    expected = [str(field) for field in form] + [str(form)]
    form.renderer = ours
    got = [str(field) for field in form] + [str(form)]
    return expected, got


@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("state", ["unbound", "bound", "initial", "invalid"])
def test_every_widget_renders_as_djangos_templates_do(language: str, state: str) -> None:
    with translation.override(language):
        if state == "unbound":
            form = EveryWidget()
        elif state == "bound":
            form = EveryWidget(data=BOUND)
        elif state == "initial":
            form = EveryWidget(initial=INITIAL, auto_id="field-%s")
        else:
            form = EveryWidget(data={"count": "x", "radio_flat": "9"}, auto_id=False)
            form.is_valid()
        expected, got = both_ways(form)
    assert got == expected


def test_radio_tags_and_subwidgets_render_as_djangos_do() -> None:
    form = EveryWidget(data=BOUND)
    stock, ours = DjangoTemplates(), FormRenderer()
    for name in ("radio", "boxes", "radio_flat", "choice"):
        form.renderer = stock
        expected = [str(w.tag()) for w in form[name]] + [str(w) for w in form[name]]
        form.renderer = ours
        assert [str(w.tag()) for w in form[name]] + [str(w) for w in form[name]] == expected


def test_every_template_it_takes_over_is_djangos_and_rendered_in_python() -> None:
    renderer = FormRenderer()
    assert renderer.in_python == frozenset(PARTS)


def test_a_template_an_app_overrides_is_rendered_from_its_template(tmp_path: Path) -> None:
    folder = tmp_path / "django" / "forms" / "widgets"
    folder.mkdir(parents=True)
    (folder / "select_option.html").write_text("<option>{{ widget.label }} (overridden)</option>")

    class Overridden(FormRenderer):
        @cached_property
        def engine(self) -> Any:
            return self.backend(
                {
                    "APP_DIRS": True,
                    "DIRS": [tmp_path, DJANGO_FORMS_TEMPLATES],
                    "NAME": "overridden",
                    "OPTIONS": {},
                }
            )

    renderer = Overridden()
    assert renderer.in_python == frozenset(PARTS) - {"django/forms/widgets/select_option.html"}
    html = forms.Select(choices=[(1, "One")]).render("x", 1, renderer=renderer)
    assert "<option>One (overridden)</option>" in html and html.startswith('<select name="x">')


def test_the_project_uses_it() -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
