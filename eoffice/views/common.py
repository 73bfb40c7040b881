"""What the e-office views share: the officer's desk for this request, and replying."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.requests import signed_in_user
from eoffice.selectors.access import Desk, desk_of


def desk_for(request: HttpRequest) -> Desk:
    """The signed-in officer's posts for today, worked out once per request."""
    desk = getattr(request, "_desk", None)
    if desk is None:
        desk = request._desk = desk_of(signed_in_user(request))  # type: ignore[attr-defined]  # a per-request memo
    return desk


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirects to the page named in `next` when it is on this host, else to `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


def item_url(pk: int) -> str:
    return reverse("item", args=[pk])


def report_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
