"""The adoption level rule: the thresholds in force, their history, and changing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts.requests import signed_in_user
from config.client_address import client_address
from console.access import federal_admin_required
from console.rule_forms import RuleForm
from reports.definitions import level_rule_text, level_rules
from reports.models import AdoptionRule
from reports.selectors import rule_history, rule_in_force
from reports.selectors.rules import default_rule
from reports.services import change_rule
from reports.services.rules import THRESHOLDS
from reports.tasks import roll_up_all


@dataclass(frozen=True)
class Change:
    """One threshold of a version beside the value of the version before it."""

    field: str
    label: str
    before: int
    after: int

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Version:
    rule: AdoptionRule
    changes: list[Change]


def _history(form: RuleForm) -> list[Version]:
    """Every version, latest first, each with its thresholds against the one before (the
    thresholds the report started with before the first)."""
    rules = list(rule_history())
    versions = []
    for index, rule in enumerate(rules):
        before = rules[index + 1] if index + 1 < len(rules) else default_rule()
        changes = [
            Change(name, str(form.fields[name].label), getattr(before, name), getattr(rule, name))
            for name in THRESHOLDS
        ]
        versions.append(Version(rule, changes))
    return versions


def _page(request: HttpRequest, form: RuleForm, rule: AdoptionRule, status: int) -> HttpResponse:
    context = {
        "rule": rule,
        "levels": level_rules(rule),
        "rule_text": level_rule_text(rule),
        "form": form,
        "history": _history(form),
    }
    return render(request, "console/report/rule.html", context, status=status)


@require_http_methods(["GET", "POST"])
@federal_admin_required
def rule(request: HttpRequest) -> HttpResponse:
    """GET: the rule in force and its history, with the form to change it. POST: a new
    version (reason and confirmation required), audited by the service; a refused form comes
    back with what was typed and its errors (400)."""
    current = rule_in_force()
    if request.method == "GET":
        return _page(request, RuleForm(current=current), current, 200)
    form = RuleForm(request.POST, current=current)
    if not form.is_valid():
        return _page(request, form, current, 400)
    data = form.cleaned_data
    try:
        change_rule(
            actor=signed_in_user(request).email,
            reason=data["reason"],
            ip_address=client_address(request),
            **{name: data[name] for name in THRESHOLDS},
        )
    except ValidationError as refused:
        if hasattr(refused, "error_dict"):
            for field, errors in refused.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, refused)
        return _page(request, form, current, 400)
    # Each e-office's own page shows this month's level as last published: publish it again.
    this_month = timezone.localdate(timezone=timezone.get_default_timezone()).replace(day=1)
    transaction.on_commit(lambda: roll_up_all.delay(this_month.isoformat()))
    messages.success(
        request,
        gettext(
            "The new level rule is in force: the report shows every tenant's level under it, "
            "past months included. Each e-office's page of this month is being updated."
        ),
    )
    return redirect("console:report_rule")
