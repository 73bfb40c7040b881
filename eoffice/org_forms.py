"""The forms of the tenant administrator's org chart screens (eoffice.views.org_admin).

They check the shape of the input; eoffice.services.org_chart checks the rules (no loops, one
holder per post …). Field names are the services' argument names, so a ValidationError a
service raises lands next to the field it is about (see ServiceForm.add_service_error).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eoffice import org_chart_csv
from eoffice.forms import DateInput
from eoffice.models import Office, Post
from eoffice.selectors import org_chart as selectors
from eoffice.services.org_chart import NewOfficer

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

DATE = DateInput()


class ServiceForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels stand above their fields: no colon
        super().__init__(*args, **kwargs)

    def add_service_error(self, error: ValidationError) -> None:
        """Shows a service's refusal next to the fields it names, or above the form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                known = name in self.fields or name == NON_FIELD_ERRORS
                self.add_error(name if known else None, errors)
        else:
            self.add_error(None, error)


def _optional_choice(label: str | _StrPromise, **kwargs: Any) -> forms.TypedChoiceField:
    """A choice of one record by id, or none (the empty choice, listed first, gives None)."""
    return forms.TypedChoiceField(
        label=label, coerce=int, empty_value=None, required=False, **kwargs
    )


class OfficeCreateForm(ServiceForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_(
            "Short and unchanging, e.g. ADMIN or BUDGET: file numbers carry it "
            "(ADMIN/17/2026), so it cannot be changed later."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    parent_id = _optional_choice(
        _("Under"),
        help_text=_("Leave empty for an office of its own; choose an office for a section."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["parent_id"]).choices = [
            ("", _("— none: a top-level office —")),
            *selectors.office_choices(),
        ]


class OfficeRenameForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)


class OfficeMoveForm(ServiceForm):
    parent_id = _optional_choice(
        _("Place under"),
        help_text=_("Its sections and posts move with it."),
    )

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The office's own sections are left out: moving it under one would make a loop.
        cast(forms.ChoiceField, self.fields["parent_id"]).choices = [
            ("", _("— none: a top-level office —")),
            *selectors.office_choices(outside_of=office),
        ]


class PostForm(ServiceForm):
    abbreviation = forms.CharField(
        label=_("Marking abbreviation"),
        max_length=40,
        help_text=_("How work is marked to the post, e.g. SO(Admin) or DS(Budget)."),
    )
    designation = forms.CharField(
        label=_("Designation"),
        max_length=200,
        help_text=_("In full, e.g. Section Officer (Admin)."),
    )
    office_id = forms.TypedChoiceField(label=_("Office"), coerce=int)
    reports_to_id = _optional_choice(
        _("Reports to"),
        help_text=_("The post above it, to which its work goes up."),
    )

    def __init__(self, *args: Any, post: Post | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["office_id"]).choices = [
            ("", _("Choose an office…")),
            *selectors.office_choices(),
        ]
        posts = [
            choice for choice in selectors.post_choices() if post is None or choice[0] != post.pk
        ]
        cast(forms.ChoiceField, self.fields["reports_to_id"]).choices = [
            ("", _("— none —")),
            *posts,
        ]


class OfficerChoiceForm(ServiceForm):
    """An officer of the e-office, or a new one by name and e-mail (who is then invited)."""

    officer_id = _optional_choice(_("An officer of this e-office"))
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("An invitation with a link to set a password is sent here."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["officer_id"]).choices = [
            ("", _("— a new officer (give the name and e-mail below) —")),
            *selectors.officer_choices(),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        officer_id = cleaned.get("officer_id")
        full_name = (cleaned.get("full_name") or "").strip()
        email = (cleaned.get("email") or "").strip()
        if self.errors:
            return cleaned
        if officer_id is not None and (full_name or email):
            self.add_error(
                "officer_id",
                _(
                    "Choose an officer from the list or give a new officer's name and e-mail, "
                    "not both."
                ),
            )
        elif officer_id is None and not full_name and not email:
            self.add_error(
                "officer_id", _("Choose an officer, or give a new officer's name and e-mail.")
            )
        elif officer_id is None and not full_name:
            self.add_error("full_name", _("Give the new officer's full name."))
        elif officer_id is None and not email:
            self.add_error("email", _("Give the new officer's e-mail."))
        return cleaned

    @property
    def officer(self) -> dict[str, Any]:
        """The services' officer_id / new_officer arguments."""
        data = self.cleaned_data
        if data.get("officer_id") is not None:
            return {"officer_id": data["officer_id"], "new_officer": None}
        return {
            "officer_id": None,
            "new_officer": NewOfficer(full_name=data["full_name"], email=data["email"]),
        }


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_(
            "Needed when the officer is an administrator of this e-office. It is recorded, "
            "and told with the change to the post's reporting officer."
        ),
    )


class PostingForm(OfficerChoiceForm):
    from_date = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)
    is_additional_charge = forms.BooleanField(
        label=_("As additional charge"),
        required=False,
        help_text=_("The officer keeps their own post and holds this one besides."),
    )
    reason = _reason_field()


class TransferForm(OfficerChoiceForm):
    on = forms.DateField(
        label=_("Takes charge on"),
        widget=DATE,
        initial=timezone.localdate,
        help_text=_("The present holder is relieved the same day."),
    )
    is_additional_charge = forms.BooleanField(
        label=_("As additional charge"),
        required=False,
        help_text=_("The new holder keeps their own post and holds this one besides."),
    )
    reason = _reason_field()


class EndPostingForm(ServiceForm):
    relieved_on = forms.DateField(
        label=_("Relieved on"),
        widget=DATE,
        initial=timezone.localdate,
        help_text=_(
            "From this day the officer no longer holds the post nor sees its work. Relieving "
            "on the day the posting began cancels it."
        ),
    )


class DelegationForm(ServiceForm):
    delegate_id = forms.TypedChoiceField(label=_("Acting officer"), coerce=int)
    from_date = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)
    to_date = forms.DateField(label=_("To (last day)"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("E.g. earned leave, or on tour abroad."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["delegate_id"]).choices = [
            ("", _("Choose an officer…")),
            *selectors.officer_choices(),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("from_date"), cleaned.get("to_date")
        if start and end and end < start:
            self.add_error("to_date", _("The delegation cannot end before it begins."))
        return cleaned


TABLE_LABELS = {
    "offices": _("Offices and sections"),
    "posts": _("Posts"),
    "officers": _("Officers"),
    "channels": _("Channels of submission"),
}


class ImportForm(ServiceForm):
    """The four tables of the org chart's CSV format, each typed, pasted or uploaded; any may be
    left empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for table in org_chart_csv.TABLES.values():
            self.fields[table.name] = forms.CharField(
                label=TABLE_LABELS[table.name],
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "dir": "ltr"}),
                help_text=_("First line: %(columns)s") % {"columns": ",".join(table.columns)},
            )
            self.fields[f"{table.name}_file"] = forms.FileField(
                label=_("…or upload a CSV file"),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
            )

    def table_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[name], self[f"{name}_file"]) for name in org_chart_csv.TABLES]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in org_chart_csv.TABLES:
            upload = cleaned.get(f"{name}_file")
            if not upload:
                continue
            try:
                # One byte over the limit is enough for decode_upload to refuse it.
                cleaned[name] = org_chart_csv.decode_upload(
                    upload.read(org_chart_csv.MAX_BYTES + 1)
                )
            except ValidationError as error:
                self.add_error(f"{name}_file", error)
                continue
            # Shown back in the text box, so a line can be corrected in place and applied.
            self.data = cast(QueryDict, self.data).copy()
            self.data[self.add_prefix(name)] = cleaned[name]
        return cleaned

    @property
    def tables(self) -> dict[str, str]:
        """The services' offices / posts / officers / channels arguments."""
        return {name: self.cleaned_data.get(name) or "" for name in org_chart_csv.TABLES}
