"""The public application: a step-by-step form on the control plane, open to anyone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from eoffice import org_chart_csv as survey
from tenants.application_flow import (
    SLUGS,
    STEPS,
    Draft,
    as_form_data,
    build_form,
    is_table_step,
    survey_of,
    validate,
)
from tenants.models import Application
from tenants.notifications import notify_applicant, reference
from tenants.services import submit_application

SUBMITTED_KEY = "application_submitted"


def _step_context(slug: str) -> dict[str, object]:
    index = SLUGS.index(slug)
    return {
        "steps": STEPS,
        "step": STEPS[index],
        "number": index + 1,
        "total": len(STEPS) + 1,
        "previous": SLUGS[index - 1] if index else None,
    }


@require_http_methods(["GET", "POST"])
def apply_step(request: HttpRequest, slug: str) -> HttpResponse:
    """One step of the application; it is kept only once it is correct."""
    if slug not in SLUGS:
        raise Http404("No such step.")
    draft = Draft(request.session)
    checked = validate(draft, upto=slug)
    if checked.first_incomplete is not None:
        return redirect("apply", slug=checked.first_incomplete)
    if request.method == "POST":
        form = build_form(slug, checked.cleaned, data=request.POST, files=request.FILES)
        if form.is_valid():
            draft.save(slug, form)
            following = SLUGS.index(slug) + 1
            if following < len(SLUGS):
                return redirect("apply", slug=SLUGS[following])
            return redirect("apply_review")
        status = 400
    elif (answers := draft.get(slug)) is not None:
        # Bound to what was kept, so anything no longer valid shows its error straight away.
        form = build_form(slug, checked.cleaned, data=as_form_data(answers))
        form.is_valid()
        status = 200
    else:
        form = build_form(slug, checked.cleaned)
        status = 200
    context = _step_context(slug) | {"form": form, "is_table": is_table_step(form)}
    return render(request, "tenants/apply_step.html", context, status=status)


@require_http_methods(["GET", "POST"])
def apply_review(request: HttpRequest) -> HttpResponse:
    """Everything the applicant entered, once more, and the button that submits it."""
    draft = Draft(request.session)
    checked = validate(draft)
    if checked.first_incomplete is not None:
        messages.error(request, "This step is incomplete or no longer fits; correct it first.")
        return redirect("apply", slug=checked.first_incomplete)
    cleaned = checked.cleaned
    if request.method == "POST":
        try:
            application = submit_application(
                organisation=cleaned["organisation"],
                contact=cleaned["contact"],
                survey=survey_of(cleaned),
            )
        except ValidationError as error:
            # Someone else took the address between the first step and now.
            messages.error(request, " ".join(error.messages))
            return redirect("apply", slug="organisation")
        transaction.on_commit(lambda: notify_applicant(application, "received"))
        draft.clear()
        request.session[SUBMITTED_KEY] = application.pk
        return redirect("apply_submitted")
    context = {
        "steps": STEPS,
        "number": len(STEPS) + 1,
        "total": len(STEPS) + 1,
        "answers": cleaned,
        "survey": survey_of(cleaned),
    }
    return render(request, "tenants/apply_review.html", context)


def apply_submitted(request: HttpRequest) -> HttpResponse:
    """The applicant's receipt, shown to the session that submitted."""
    pk = request.session.get(SUBMITTED_KEY)
    application = Application.objects.select_related("tenant").filter(pk=pk).first() if pk else None
    if application is None:
        return redirect("apply", slug=SLUGS[0])
    context = {"application": application, "reference": reference(application)}
    return render(request, "tenants/apply_submitted.html", context)


def csv_template(request: HttpRequest, table: str) -> HttpResponse:
    """A CSV file with the table's columns and example rows, to fill in a spreadsheet."""
    spec = survey.TABLES.get(table)
    if spec is None:
        raise Http404("No such table.")
    response = HttpResponse(spec.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table}-template.csv"'
    return response
