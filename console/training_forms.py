"""Recording a workshop and withdrawing one recorded in error."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from console.forms import OwnIds

# WorkshopAttendee's name and post hold this many characters.
NAME_LENGTH = 200


def parse_attendees(text: str) -> list[tuple[str, str]]:
    """One attendee a line, "Name, Post" (the first comma splits: a post may hold commas);
    blank lines are skipped. Raises a ValidationError naming every line it cannot read."""
    attendees: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, comma, post = line.partition(",")
        if not comma:
            problems.append(
                gettext('Line %(number)d ("%(line)s") has no comma: write "Name, Post".')
                % {"number": number, "line": line.strip()}
            )
        elif not name.strip() or not post.strip():
            problems.append(
                gettext('Line %(number)d ("%(line)s") needs both a name and a post.')
                % {"number": number, "line": line.strip()}
            )
        elif len(name.strip()) > NAME_LENGTH or len(post.strip()) > NAME_LENGTH:
            problems.append(
                gettext(
                    "Line %(number)d is too long: a name and a post have at most %(most)d "
                    "characters each."
                )
                % {"number": number, "most": NAME_LENGTH}
            )
        else:
            attendees.append((name.strip(), post.strip()))
    if problems:
        raise forms.ValidationError(problems)
    return attendees


def _today() -> datetime.date:
    # The service judges "the future" by the platform's time zone; so does the form.
    return timezone.localdate(timezone=timezone.get_default_timezone())


class WorkshopForm(OwnIds):
    id_prefix = "workshop"

    date = forms.DateField(
        label=gettext_lazy("Held on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200)
    trainer = forms.CharField(label=gettext_lazy("Trainer"), max_length=200)
    attendees = forms.CharField(
        label=gettext_lazy("Attendees, one a line: Name, Post"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=gettext_lazy(
            "Named attendees are counted once however many workshops they attend. Leave empty "
            "and give a number below when names were not taken."
        ),
    )
    attendee_count = forms.IntegerField(
        label=gettext_lazy("Or the number of attendees"),
        min_value=0,
        max_value=10_000,
        required=False,
        help_text=gettext_lazy("Only when the attendees are not named."),
    )

    def clean_date(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["date"]
        if date > _today():
            raise forms.ValidationError(
                gettext("A workshop is recorded once it has been held: this date is to come.")
            )
        return date

    def clean_attendees(self) -> list[tuple[str, str]]:
        return parse_attendees(self.cleaned_data.get("attendees") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        count = data.get("attendee_count") or 0
        if "attendees" not in data:
            return data  # its own error says what is wrong
        named = data["attendees"]
        if named and count:
            raise forms.ValidationError(
                gettext("Give either the attendees' names or their number, not both.")
            )
        if not named and not count:
            raise forms.ValidationError(
                gettext("Name at least one attendee, or give the number who attended.")
            )
        data["attendee_count"] = count
        return data


class WithdrawForm(OwnIds):
    """Each workshop on the page has its own form: ids carry the workshop's id."""

    reason = forms.CharField(
        label=gettext_lazy("Why is it withdrawn?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand this workshop then counts for nothing: the officers trained of its "
            "month and every later month are recounted. It stays on record as withdrawn."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, workshop_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"withdraw{workshop_id}_%s")
        super().__init__(*args, **kwargs)

    def clean_reason(self) -> str:
        reason: str = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Say why the workshop is withdrawn."))
        return reason
