"""The steps of the public application form. Each step's form checks its own fields; steps
that refer to earlier ones (posts name offices …) are given what those steps hold."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from eoffice import org_chart_csv as survey
from tenants.models import Tenant
from tenants.selectors import is_subdomain_taken, possible_parents
from tenants.validators import validate_subdomain

_PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label="Name of the organisation",
        max_length=200,
        help_text="As it should appear to officers, e.g. “Government of the Punjab”.",
    )
    kind = forms.ChoiceField(label="Kind", choices=Tenant.Kind.choices)
    parent = forms.ModelChoiceField(
        label="Parent organisation",
        queryset=Tenant.objects.none(),
        required=False,
        empty_label="None: it stands on its own",
        help_text="A department that belongs to a province or ministry already on the platform.",
    )
    subdomain = forms.CharField(
        label="Requested address",
        max_length=63,
        help_text="Lower-case letters, digits and hyphens; the e-office will be at "
        "<subdomain>.{platform}.",
    )

    def __init__(self, *args: Any, platform_domain: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["parent"]).queryset = possible_parents()
        self.fields["subdomain"].help_text = self.fields["subdomain"].help_text.format(
            platform=platform_domain
        )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_subdomain(self) -> str:
        subdomain = self.cleaned_data["subdomain"].strip().lower()
        validate_subdomain(subdomain)
        if is_subdomain_taken(subdomain):
            raise ValidationError(f"“{subdomain}” is taken; choose another address.")
        return subdomain


class ContactForm(forms.Form):
    contact_name = forms.CharField(label="Full name", max_length=200)
    contact_designation = forms.CharField(label="Designation", max_length=200)
    contact_email = forms.EmailField(
        label="Official e-mail",
        help_text="The decision is sent here; once approved, this officer becomes the "
        "e-office's first administrator and receives the invitation.",
    )
    contact_phone = forms.CharField(label="Phone", max_length=40)

    def clean_contact_email(self) -> str:
        return self.cleaned_data["contact_email"].strip().lower()

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        if not _PHONE.match(phone):
            raise ValidationError("Give a phone number of 7 to 20 digits, e.g. +92 42 99210000.")
        return phone


class TableForm(forms.Form):
    """A survey table, typed in or uploaded; an upload replaces what was typed."""

    table: survey.Table
    required_table = True
    rows = forms.CharField(widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}))
    upload = forms.FileField(
        label="…or upload a CSV file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rows"].required = False
        self.fields["rows"].label = f"{self.table.name.capitalize()} (CSV)"
        self.fields["rows"].help_text = f"First line: {','.join(self.table.columns)}"
        self.fields["rows"].initial = ",".join(self.table.columns) + "\n"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload = cleaned.get("upload")
        if upload:
            try:
                cleaned["rows"] = survey.decode_upload(upload.read())
            except ValidationError as error:
                self.add_error("upload", error)
                return cleaned
            # Shown back in the text box, so a rejected line can be corrected in place.
            self.data = cast(QueryDict, self.data).copy()
            self.data[self.add_prefix("rows")] = cleaned["rows"]
        text = cleaned.get("rows", "")
        if not self.required_table and _only_header(text, self.table):
            cleaned[self.table.name] = []
            return cleaned
        try:
            cleaned[self.table.name] = self.check(survey.parse(self.table, text))
        except ValidationError as error:
            self.add_error("rows", error)
        return cleaned

    def check(self, rows: list[survey.ParsedRow]) -> list[survey.Row]:
        raise NotImplementedError


def _only_header(text: str, table: survey.Table) -> bool:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return not lines or (len(lines) == 1 and lines[0].lower() == ",".join(table.columns))


class OfficesForm(TableForm):
    table = survey.OFFICES

    def check(self, rows: list[survey.ParsedRow]) -> list[survey.Row]:
        return survey.check_offices(rows)


class PostsForm(TableForm):
    table = survey.POSTS

    def __init__(self, *args: Any, office_codes: set[str], **kwargs: Any) -> None:
        self.office_codes = office_codes
        super().__init__(*args, **kwargs)

    def check(self, rows: list[survey.ParsedRow]) -> list[survey.Row]:
        return survey.check_posts(rows, office_codes=self.office_codes)


class OfficersForm(TableForm):
    table = survey.OFFICERS
    required_table = False
    expected_users = forms.IntegerField(
        label="Expected number of users",
        min_value=1,
        max_value=1_000_000,
        help_text="Everyone who will sign in within the first year, not only those listed here.",
    )
    field_order = ["expected_users", "rows", "upload"]

    def __init__(self, *args: Any, posts: set[str], **kwargs: Any) -> None:
        self.posts = posts
        super().__init__(*args, **kwargs)
        self.fields["rows"].help_text += " — optional: officers can also be added later."

    def check(self, rows: list[survey.ParsedRow]) -> list[survey.Row]:
        return survey.check_officers(rows, posts=self.posts)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        officers, expected = cleaned.get("officers"), cleaned.get("expected_users")
        if officers and expected and len(officers) > expected:
            self.add_error(
                "expected_users",
                f"{len(officers)} officers are listed; expect at least that many users.",
            )
        return cleaned


class ReadinessForm(TableForm):
    table = survey.CHANNELS
    required_table = False

    CONNECTIVITY = [
        ("fibre", "Fibre or leased line in every office"),
        ("mixed", "Fibre in the secretariat, mobile data elsewhere"),
        ("mobile", "Mobile data only"),
        ("none", "Not yet connected"),
    ]
    connectivity = forms.ChoiceField(label="Internet connectivity", choices=CONNECTIVITY)
    computers = forms.IntegerField(
        label="Computers available to officers", min_value=0, max_value=1_000_000
    )
    scanners = forms.IntegerField(
        label="Scanners for incoming letters", min_value=0, max_value=100_000
    )
    existing_systems = forms.CharField(
        label="Systems in use today",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="File-tracking software, e-mail, HR systems … that officers use now.",
    )
    field_order = ["connectivity", "computers", "scanners", "existing_systems", "rows", "upload"]

    def __init__(self, *args: Any, posts: set[str], **kwargs: Any) -> None:
        self.posts = posts
        super().__init__(*args, **kwargs)
        self.fields["rows"].label = "Channels of submission (CSV)"
        self.fields[
            "rows"
        ].help_text += " — which post sends work to which, beyond the reporting line; optional."

    def check(self, rows: list[survey.ParsedRow]) -> list[survey.Row]:
        return survey.check_channels(rows, posts=self.posts)
