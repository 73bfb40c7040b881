"""Long lists of `<option>`s built in one pass: a template loop spent ~27 µs an option."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def post_options(choices: list[tuple[int, str]], exclude: int | None = None) -> SafeString:
    """`<option value="id">label</option>` for each (id, label) but the one excluded; labels
    escaped. The file page's forward select lists every post of the tenant (200 and more)."""
    return format_html_join(
        "",
        '<option value="{}">{}</option>',
        ((pk, label) for pk, label in choices if pk != exclude),
    )
