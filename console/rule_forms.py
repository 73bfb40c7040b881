"""The form that changes the adoption level rule: new thresholds, why, and a confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from console.forms import OwnIds
from reports.models import AdoptionRule
from reports.services.rules import THRESHOLDS

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

SHARE_HELP = gettext_lazy("A whole percentage, 0 to 100.")


def _share(label: _StrPromise) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=100, help_text=SHARE_HELP, widget=forms.NumberInput
    )


class RuleForm(OwnIds):
    """Bound with the rule in force (`current`) so an unchanged rule is refused: a new
    version that changes nothing would only clutter the history."""

    id_prefix = "rule"

    level1_trained_share = _share(gettext_lazy("Level 1: officer accounts trained, at least (%)"))
    level2_active_share = _share(gettext_lazy("Level 2: officer accounts active, at least (%)"))
    level3_electronic_share = _share(
        gettext_lazy("Level 3: receipts and files opened electronic, at least (%)")
    )
    level4_letters_electronic_share = _share(
        gettext_lazy("Level 4: letters electronic, at least (%)")
    )
    level4_max_pending_days = forms.TypedChoiceField(
        label=gettext_lazy("Level 4: no item pending more than"),
        choices=AdoptionRule.PendingDays.choices,
        coerce=int,
        help_text=gettext_lazy("Pendency is counted past 7 and past 30 working days only."),
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=gettext_lazy("Kept in the rule's history beside the change."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand the federal report recomputes every tenant's level under these "
            "thresholds at once, past months included."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, current: AdoptionRule, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(current, name) for name in THRESHOLDS})
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Say why the rule changes."))
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(name in data for name in THRESHOLDS) and all(
            data[name] == getattr(self.current, name) for name in THRESHOLDS
        ):
            raise forms.ValidationError(
                gettext("These are the thresholds already in force: change at least one.")
            )
        return data
