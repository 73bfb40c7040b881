"""One form field as a page shows it (label, widget, errors, help): components/field.html,
rendered in Python.

The template is the reference: `{% field bound_field %}` (config.template_builtins) produces
its characters exactly, with the template engine's rules for `{{ }}` (localize, then escape
unless safe) and for `{% if %}` (truthiness). Through `{% include %}` a field cost 0.5 ms of
CPU, and the receipt form has sixteen (issue 12, `make bench-web-cpu`).
tests/config/test_field_component.py renders every kind of field both ways, and
tests/eoffice/test_form_renderer_pages.py the real pages.
"""

from __future__ import annotations

from django.forms import BoundField
from django.utils.translation import gettext

from config.form_renderer import show

TEMPLATE = "components/field.html"


def render(field: BoundField) -> str:
    """The characters components/field.html renders for `field`, with its final newline."""
    errors = field.errors
    classes = "field"
    if errors:
        classes += " field-invalid"
    if field.is_hidden:
        classes += " visually-hidden"
    parts = [f'<div class="{classes}">\n  ']
    widget_type = field.widget_type
    if widget_type == "checkbox":
        parts.append(
            f"\n    {show(field)} "
            f'<label for="{show(field.id_for_label)}">{show(field.label)}</label>\n  '
        )
    elif widget_type == "radioselect":
        parts.append(f'\n    <fieldset class="choices"><legend>{show(field.label)}</legend>')
        for radio in field:
            parts.append(
                f'<label class="choice">{show(radio.tag)} {show(radio.choice_label)}</label>'
            )
        parts.append("</fieldset>\n  ")
    else:
        optional = (
            f' <span class="optional">({show(gettext("optional"))})</span>'
            if not field.field.required
            else ""
        )
        parts.append(
            f'\n    <label for="{show(field.id_for_label)}">{show(field.label)}{optional}'
            f"</label>\n    {show(field)}\n  "
        )
    parts.append("\n  ")
    if errors:
        parts.append('<ul class="errorlist">')
        parts.extend(f"<li>{show(error)}</li>" for error in errors)
        parts.append("</ul>")
    parts.append("\n  ")
    if field.help_text:
        parts.append(
            f'<p class="helptext" id="{show(field.auto_id)}_helptext">{show(field.help_text)}</p>'
        )
    parts.append("\n</div>\n")
    return "".join(parts)


def render_with_template(field: BoundField) -> str:
    """The reference: the template itself, as `{% include %}` renders it."""
    from django.template.loader import render_to_string

    return render_to_string(TEMPLATE, {"field": field})
