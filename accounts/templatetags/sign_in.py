"""The sign-in form's fields, rendered once per language and kept in the process.

Before a visitor has typed anything the sign-in form's fields are the same HTML for everyone
(labels, placeholders, the "forgot your password" link; the CSRF token and `next` sit outside
them), yet rendering them is a quarter of the sign-in page's CPU: a thousand officers opening
it at nine o'clock would render the same markup a thousand times. A form with data, errors or
initial values (a confirmed e-mail) is rendered afresh. Kept in process memory, not the shared
cache: nothing to invalidate but a deploy, and the page needs no Redis.
"""

from __future__ import annotations

from django import forms, template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_RENDERED: dict[tuple[str, str], SafeString] = {}


@register.simple_tag
def sign_in_fields(form: forms.Form) -> SafeString:
    """`form.as_p()` (what allauth's "fields" element renders), from memory while unbound."""
    if form.is_bound or form.initial or any(field.initial for field in form.fields.values()):
        return form.as_p()
    key = (get_language() or "", f"{type(form).__module__}.{type(form).__qualname__}")
    rendered = _RENDERED.get(key)
    if rendered is None:
        rendered = _RENDERED[key] = form.as_p()
    return rendered
