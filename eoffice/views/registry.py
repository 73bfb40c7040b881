"""The receipt register, registering a receipt, and opening a file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eoffice.errors import Invalid, Refused
from eoffice.forms import FileForm, ReceiptForm, RegisterFilterForm
from eoffice.selectors.register import RegisterFilter, register
from eoffice.services import files, receipts
from eoffice.services.audit import Origin
from eoffice.views.common import desk_for, is_htmx, item_url

PAGE_SIZE = 25
NO_POST = gettext_lazy(
    "You hold no post in this e-office; ask your administrator to post you to one."
)


@login_required
def receipt_register(request: HttpRequest) -> HttpResponse:
    desk = desk_for(request)
    form = RegisterFilterForm(request.GET)
    f = RegisterFilter()
    if form.is_valid():
        data = form.cleaned_data
        f = RegisterFilter(
            scope=data.get("scope") or "here",
            year=data.get("year"),
            mode=data.get("mode") or "",
            state=data.get("state") or "",
            category_id=data["category"].pk if data.get("category") else None,
            grading=data.get("grading") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
            query=data.get("q") or "",
            sort=data.get("sort") or "diary",
        )
    page = Paginator(register(desk, f), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "desk": desk,
        "today": timezone.localdate(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "register":
        return render(request, "eoffice/_register_rows.html", context)
    return render(request, "eoffice/register.html", context)


@login_required
def new_receipt(request: HttpRequest) -> HttpResponse:
    desk = desk_for(request)
    if not desk.holdings:
        raise Refused(str(NO_POST))
    form = ReceiptForm(request.POST or None, request.FILES or None, desk=desk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = receipts.ReceiptDetails(
            mode=data["mode"],
            subject=data["subject"],
            sender_name=data["sender_name"],
            sender_address=data["sender_address"],
            letter_reference=data["letter_reference"],
            letter_date=data["letter_date"],
            received_date=data["received_date"],
            category_id=data["category"].pk,
            grading=data["grading"],
            priority=data["priority"],
            due_date=data["due_date"],
            pages=data["pages"] or 1,
        )
        upload = data.get("letter")
        origin = Origin.of(request)
        try:
            receipt = receipts.register_and_send(
                desk=desk,
                details=details,
                upload=receipts.Upload(upload, upload.name) if upload else None,
                post_id=data["post"],
                send_to_id=data["send_to"].pk if data.get("send_to") else None,
                remarks=data["remarks"],
                origin=origin,
            )
        except Invalid as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Receipt registered with diary number %(number)s.")
                % {"number": receipt.reference},
            )
            return redirect(item_url(receipt.pk))
    return render(request, "eoffice/receipt_new.html", {"form": form})


@login_required
def new_file(request: HttpRequest) -> HttpResponse:
    desk = desk_for(request)
    if not desk.holdings:
        raise Refused(str(NO_POST))
    form = FileForm(request.POST or None, desk=desk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            file = files.open_file(
                desk=desk,
                details=files.FileDetails(
                    subject=data["subject"],
                    category_id=data["category"].pk,
                    grading=data["grading"],
                    priority=data["priority"],
                ),
                post_id=data["post"],
                origin=Origin.of(request),
            )
        except Invalid as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("File %(number)s opened.") % {"number": file.reference})
            return redirect(item_url(file.pk))
    return render(request, "eoffice/file_new.html", {"form": form})
