"""The form renderer: Django's own, with its built-in widget templates rendered in Python.

Django renders every widget, and every `<option>` of a select, through a template include;
each costs 50-90 µs of CPU, so a form with a select of 200 posts spent 26 ms of a 40 ms page
in `select_option.html` (issue 12's profile of the receipt form). The functions here produce
the same characters as Django's templates of the same names, with the template engine's own
rules for `{{ }}` (localize, then escape unless safe), `|stringformat:'s'` and `{% if %}`;
tests/config/test_form_renderer.py renders every supported widget both ways and compares.
A template that an app overrides (one found anywhere other than Django's own forms
templates) is rendered from its template, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
DJANGO_FORMS_TEMPLATES = Path(django.forms.__file__).resolve().parent / "templates"

Context = Mapping[str, Any]
Part = Callable[["FormRenderer", Context], str]


class _TemplateRules:
    """What `render_value_in_context` reads of a template context: a form template's
    defaults (autoescape on, the active language's formats, the active time zone)."""

    autoescape = True
    use_l10n = None
    use_tz = None


_RULES: Any = _TemplateRules()


def _resolve(value: Any) -> Any:
    """A variable's value as the template engine resolves it: callables are called."""
    if callable(value) and not getattr(value, "do_not_call_in_templates", False):
        return value()
    return value


def show(value: Any) -> str:
    """`{{ value }}`."""
    return str(render_value_in_context(_resolve(value), _RULES))


def _show_as_string(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps safe input safe (is_safe=True)."""
    value = _resolve(value)
    formatted = stringformat(value, "s")
    if isinstance(value, SafeData):
        formatted = mark_safe(formatted)  # noqa: S308 (safe in, safe out: the filter's is_safe)
    return show(formatted)


def _attrs(widget: Context) -> str:
    """attrs.html."""
    return "".join(
        f" {show(name)}" if value is True else f' {show(name)}="{_show_as_string(value)}"'
        for name, value in _resolve(widget.get("attrs") or {}).items()
        if value is not False
    )


def _input(renderer: FormRenderer, context: Context) -> str:
    widget = context["widget"]
    value = widget.get("value")
    shown = f' value="{_show_as_string(value)}"' if value != None else ""  # noqa: E711 (as `!=`)
    kind, name = show(widget["type"]), show(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{_attrs(widget)}>\n'


def _including_input(renderer: FormRenderer, context: Context) -> str:
    """text.html, date.html, … : `{% include "django/forms/widgets/input.html" %}`."""
    return renderer.render_part(WIDGETS + "input.html", context) + "\n"


def _textarea(renderer: FormRenderer, context: Context) -> str:
    widget = context["widget"]
    value = widget.get("value")
    return (
        f'<textarea name="{show(widget["name"])}"{_attrs(widget)}>\n'
        f"{show(value) if value else ''}</textarea>\n"
    )


def _select(renderer: FormRenderer, context: Context) -> str:
    widget = context["widget"]
    out = [f'<select name="{show(widget["name"])}"{_attrs(widget)}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{show(group_name)}">')
        for option in group_choices:
            out.append("\n  ")
            out.append(renderer.render_part(option["template_name"], {"widget": option}))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


def _select_option(renderer: FormRenderer, context: Context) -> str:
    widget = context["widget"]
    return (
        f'<option value="{_show_as_string(widget["value"])}"{_attrs(widget)}>'
        f"{show(widget['label'])}</option>\n"
    )


def _input_option(renderer: FormRenderer, context: Context) -> str:
    widget = context["widget"]
    wrap = widget.get("wrap_label")
    element_id = widget.get("attrs", {}).get("id") if wrap else None
    opening = (f'<label for="{show(element_id)}">' if element_id else "<label>") if wrap else ""
    closing = f" {show(widget.get('label', ''))}</label>" if wrap else ""
    return opening + renderer.render_part(WIDGETS + "input.html", context) + closing + "\n"


def _including_input_option(renderer: FormRenderer, context: Context) -> str:
    """radio_option.html, checkbox_option.html."""
    return renderer.render_part(WIDGETS + "input_option.html", context) + "\n"


def _multiple_input(renderer: FormRenderer, context: Context) -> str:
    widget = context["widget"]
    attrs = widget.get("attrs", {})
    element_id, css_class = attrs.get("id"), attrs.get("class")
    out = [
        "<div",
        f' id="{show(element_id)}"' if element_id else "",
        f' class="{show(css_class)}"' if css_class else "",
        ">",
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{show(group)}</label>")
        for option in options:
            out.append("<div>\n    ")
            out.append(renderer.render_part(option["template_name"], {"widget": option}))
            out.append("</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>\n")
    return "".join(out)


def _including_multiple_input(renderer: FormRenderer, context: Context) -> str:
    """radio.html, checkbox_select.html."""
    return renderer.render_part(WIDGETS + "multiple_input.html", context) + "\n"


INPUT_TYPES = (
    *("text", "date", "datetime", "time", "email", "number", "password", "hidden"),
    *("url", "tel", "search", "color", "file", "checkbox"),
)

PARTS: dict[str, Part] = {
    WIDGETS + "input.html": _input,
    WIDGETS + "textarea.html": _textarea,
    WIDGETS + "select.html": _select,
    WIDGETS + "select_option.html": _select_option,
    WIDGETS + "input_option.html": _input_option,
    WIDGETS + "radio_option.html": _including_input_option,
    WIDGETS + "checkbox_option.html": _including_input_option,
    WIDGETS + "multiple_input.html": _multiple_input,
    WIDGETS + "radio.html": _including_multiple_input,
    WIDGETS + "checkbox_select.html": _including_multiple_input,
    **{f"{WIDGETS}{kind}.html": _including_input for kind in INPUT_TYPES},
}


class FormRenderer(DjangoTemplates):
    """Django's DjangoTemplates renderer; the templates in PARTS, where they are Django's
    own, are rendered by their Python twins."""

    @cached_property
    def in_python(self) -> frozenset[str]:
        """The PARTS no app overrides: each template found first in Django's own folder."""
        own = set()
        for name in PARTS:
            try:
                origin = Path(self.get_template(name).origin.name).resolve()
            except TemplateDoesNotExist:
                continue
            if origin.is_relative_to(DJANGO_FORMS_TEMPLATES):
                own.add(name)
        return frozenset(own)

    def render_part(self, template_name: str, context: Context) -> str:
        """A template's output as `{% include %}` puts it in another's: not stripped."""
        if template_name in self.in_python:
            return PARTS[template_name](self, context)
        return str(self.get_template(template_name).render(dict(context)))

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name in self.in_python:
            return PARTS[template_name](self, context).strip()
        return str(super().render(template_name, context, request))
