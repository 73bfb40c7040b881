"""Asking for one tenant's daily figures on demand: a missing day collected, or a collected
day recomputed (a correction, recorded as the day's next revision and audited)."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from billing.tasks.usage import local_today
from console.forms import OwnIds

# The platform keeps no figures from before it existed.
EARLIEST_DAY = datetime.date(2020, 1, 1)


class CollectDayForm(OwnIds):
    id_prefix = "collect"

    day = forms.DateField(
        label=gettext_lazy("Day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("A finished day: yesterday or earlier."),
    )
    recompute = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "Recompute it if already collected: the new figures become the day's next revision, "
            "the old ones stay on record."
        ),
    )

    def clean_day(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["day"]
        if day >= local_today():
            raise forms.ValidationError(
                gettext("%(day)s is not over yet; only finished days are collected.")
                % {"day": day.isoformat()}
            )
        if day < EARLIEST_DAY:
            raise forms.ValidationError(
                gettext("The platform has no figures before %(day)s.")
                % {"day": EARLIEST_DAY.isoformat()}
            )
        return day

    def errors_text(self) -> str:
        found: list[Any] = []
        for errors in self.errors.values():
            found.extend(errors)
        return " ".join(str(error) for error in found)
