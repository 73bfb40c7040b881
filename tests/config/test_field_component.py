"""`{% field %}` (config.field_component) renders exactly what components/field.html renders,
for every kind of field the forms use, with and without errors, in both languages."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from config import field_component


def _odd(value: str) -> None:
    if value and "odd" in value:
        raise ValidationError('Not "odd" & <never> odd')


class EveryKind(forms.Form):
    text = forms.CharField(label='Name & "title" <b>', help_text="Use <the> full name & rank")
    optional = forms.CharField(required=False, validators=[_odd])
    agree = forms.BooleanField(label="I <agree>", required=False)
    must_agree = forms.BooleanField(label="Required tick")
    mode = forms.ChoiceField(
        choices=[("a", "A & <a>"), ("b", "B")], widget=forms.RadioSelect, label="Mode <m>"
    )
    pick = forms.ChoiceField(choices=[("", "—"), ("x", "X <x>")], required=False)
    many = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", "Two")], widget=forms.CheckboxSelectMultiple, required=False
    )
    day = forms.DateField(required=False, help_text="dd-mm-yyyy")
    body = forms.CharField(widget=forms.Textarea, max_length=5)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(required=False)
    amount = forms.DecimalField(required=False, localize=True)


STATES = {
    "unbound": {},
    "valid": {"data": {"text": "x", "must_agree": "on", "mode": "a", "body": "ok"}},
    "invalid": {
        "data": {
            "text": "",
            "optional": "odd one",
            "mode": "zz",
            "pick": "q",
            "many": ["9"],
            "day": "not a day",
            "body": "far too long <script>",
            "amount": "1,5x",
        }
    },
    "initial": {"initial": {"text": "Ali & <Co>", "day": "2026-12-03", "amount": "1234.5"}},
}


@pytest.mark.parametrize("language", ["en", "ur"])
@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("auto_id", ["id_%s", "move_%s", False])
def test_every_field_reads_as_the_template(language: str, state: str, auto_id: object) -> None:
    with translation.override(language):
        form = EveryKind(auto_id=auto_id, **STATES[state])
        if form.is_bound:
            form.is_valid()
        for bound in form:
            assert field_component.render(bound) == field_component.render_with_template(bound), (
                bound.name
            )


def test_the_tag_is_every_templates_without_a_load() -> None:
    form = EveryKind()
    page = Template("<form>{% field form.optional %}{% field form.agree %}</form>")
    reference = Template(
        '<form>{% include "components/field.html" with field=form.optional %}'
        '{% include "components/field.html" with field=form.agree %}</form>'
    )
    context = Context({"form": form})
    assert page.render(context) == reference.render(context)
    assert 'class="optional"' in page.render(context)
