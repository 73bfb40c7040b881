from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.requests import signed_in_user
from accounts.selectors import active_officer_count, has_totp
from eoffice.selectors import org_chart as selectors
from eoffice.selectors.org_chart import officer_directory


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The officer's landing page in their e-office."""
    context = {
        "has_totp": has_totp(signed_in_user(request)),
        "officer_count": active_officer_count(),
    }
    return render(request, "eoffice/home.html", context)


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    """Every active officer of this e-office, 25 to a page."""
    officers = Paginator(officer_directory(), 25).get_page(request.GET.get("page"))
    return render(request, "eoffice/directory.html", {"officers": officers})


@login_required
def org_chart(request: HttpRequest) -> HttpResponse:
    """Offices and sections as a tree, each with its posts, reporting lines and holders."""
    context = {"offices": selectors.org_chart(), "channels": selectors.submission_channels()}
    return render(request, "eoffice/org_chart.html", context)
