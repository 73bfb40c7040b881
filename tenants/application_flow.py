"""The application form's steps and its draft, which the applicant's session keeps until it is
submitted. Nothing is written to the registry before the final, complete submission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from tenants.forms import (
    ContactForm,
    OfficersForm,
    OfficesForm,
    OrganisationForm,
    PostsForm,
    ReadinessForm,
    TableForm,
)

SESSION_KEY = "application_draft"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str


STEPS: tuple[Step, ...] = (
    Step("organisation", "Organisation", "Who is applying, and at which address."),
    Step("contact", "Responsible officer", "Who the federal board writes to about it."),
    Step(
        "offices",
        "Offices and sections",
        "Every office, wing and section, with the office each sits under.",
    ),
    Step(
        "posts",
        "Posts",
        "Each designation, its office and the post it reports to: work is routed to posts.",
    ),
    Step(
        "officers",
        "Officers",
        "How many will use the e-office, and who holds which post today.",
    ),
    Step(
        "readiness",
        "IT readiness and channels",
        "What the offices have, and which post sends work to which.",
    ),
)
SLUGS = [step.slug for step in STEPS]


class Draft:
    """The raw answers of each step, as typed, kept in the session."""

    def __init__(self, session: SessionBase) -> None:
        self.session = session
        self.answers: dict[str, dict[str, Any]] = session.get(SESSION_KEY, {})

    def get(self, slug: str) -> dict[str, Any] | None:
        return self.answers.get(slug)

    def save(self, slug: str, form: forms.Form) -> None:
        raw = {name: form.cleaned_data.get(name) for name in form.fields if name != "upload"}
        parent = raw.get("parent")
        if isinstance(form, OrganisationForm) and parent is not None:
            raw["parent"] = parent.pk
        self.answers[slug] = raw
        self.session[SESSION_KEY] = self.answers

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)


def build_form(
    slug: str,
    earlier: dict[str, dict[str, Any]],
    *,
    data: Any = None,
    files: Any = None,
    initial: dict[str, Any] | None = None,
) -> forms.Form:
    """The form of a step, given the cleaned answers of the steps before it."""
    kwargs: dict[str, Any] = {"data": data, "files": files, "initial": initial}
    if slug == "organisation":
        return OrganisationForm(platform_domain=settings.PLATFORM_DOMAIN, **kwargs)
    if slug == "contact":
        return ContactForm(**kwargs)
    if slug == "offices":
        return OfficesForm(**kwargs)
    offices = {row["code"] for row in earlier["offices"]["offices"]}
    if slug == "posts":
        return PostsForm(office_codes=offices, **kwargs)
    posts = {row["abbreviation"] for row in earlier["posts"]["posts"]}
    if slug == "officers":
        return OfficersForm(posts=posts, **kwargs)
    return ReadinessForm(posts=posts, **kwargs)


@dataclass
class Validated:
    """The cleaned answers of the steps that pass, and the first step that does not."""

    cleaned: dict[str, dict[str, Any]]
    first_incomplete: str | None


def validate(draft: Draft, *, upto: str | None = None) -> Validated:
    """Checks the stored answers step by step (later steps depend on earlier ones)."""
    cleaned: dict[str, dict[str, Any]] = {}
    for slug in SLUGS:
        if slug == upto:
            break
        answers = draft.get(slug)
        if answers is None:
            return Validated(cleaned, slug)
        form = build_form(slug, cleaned, data=as_form_data(answers))
        if not form.is_valid():
            return Validated(cleaned, slug)
        cleaned[slug] = form.cleaned_data
    return Validated(cleaned, None)


def as_form_data(answers: dict[str, Any]) -> dict[str, Any]:
    return {name: "" if value is None else value for name, value in answers.items()}


def survey_of(cleaned: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The survey as stored with the application (see tenants.models.Application)."""
    readiness = cleaned["readiness"]
    return {
        "offices": cleaned["offices"]["offices"],
        "posts": cleaned["posts"]["posts"],
        "officers": cleaned["officers"]["officers"],
        "channels": readiness["channels"],
        "expected_users": cleaned["officers"]["expected_users"],
        "it_readiness": {
            "connectivity": readiness["connectivity"],
            "computers": readiness["computers"],
            "scanners": readiness["scanners"],
            "existing_systems": readiness["existing_systems"],
        },
    }


def is_table_step(form: forms.Form) -> bool:
    return isinstance(form, TableForm)
