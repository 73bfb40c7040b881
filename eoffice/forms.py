"""The forms of the e-office screens. They check input; the services check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eoffice.models import Category, Grading, Post, Priority, Receipt
from eoffice.selectors.access import Desk
from eoffice.services.notes import MAX_NOTE_CHARS, NoteChoice


class DateInput(forms.DateInput):
    """A date typed as text in the active language's first input format (dd/mm/yyyy for
    Pakistan, see config/formats), never the browser's own date picker, whose order follows the
    browser's locale (mm/dd/yyyy on most machines) rather than the officer's."""

    input_type = "text"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "placeholder": _("dd/mm/yyyy"),
                "class": "date-input",
                "size": "10",
                "dir": "ltr",
                **(attrs or {}),
            }
        )


DATE = DateInput()


def _post_choices(posts: list[Post]) -> list[tuple[int, str]]:
    return [(post.pk, f"{post.abbreviation} · {post.designation}") for post in posts]


class PostField(forms.ModelChoiceField):
    """Any post of the tenant, shown as its marking abbreviation and designation."""

    def label_from_instance(self, obj: Post) -> str:
        return f"{obj.abbreviation} · {obj.designation}"


def all_posts() -> forms.ModelChoiceField:
    return PostField(
        queryset=Post.objects.select_related("office").order_by("abbreviation"),
        label=_("To post"),
        empty_label=_("Choose a post…"),
    )


class ActingPostMixin(forms.Form):
    """A choice of the officer's own posts, shown only when they hold more than one."""

    def add_acting_post(self, desk: Desk) -> None:
        self.fields["post"] = forms.TypedChoiceField(
            label=_("Acting as"), coerce=int, choices=_post_choices(desk.posts)
        )
        if len(desk.posts) < 2:
            self.fields["post"].widget = forms.HiddenInput()
            if desk.posts:
                self.initial.setdefault("post", desk.posts[0].pk)


class ReceiptForm(ActingPostMixin):
    mode = forms.ChoiceField(
        label=_("Receipt is"), choices=Receipt.Mode.choices, widget=forms.RadioSelect
    )
    letter = forms.FileField(
        label=_("Scanned letter or e-mail"),
        required=False,
        help_text=_("PDF, image or office file, up to 25 MB. Required for an electronic receipt."),
    )
    pages = forms.IntegerField(
        label=_("Pages"),
        min_value=1,
        max_value=10_000,
        initial=1,
        help_text=_("For a physical receipt; an upload's pages are counted."),
    )
    sender_name = forms.CharField(label=_("Sender"), max_length=200)
    sender_address = forms.CharField(
        label=_("Sender's address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    letter_reference = forms.CharField(label=_("Letter number"), max_length=120, required=False)
    letter_date = forms.DateField(label=_("Letter date"), widget=DATE)
    received_date = forms.DateField(label=_("Received on"), widget=DATE)
    subject = forms.CharField(label=_("Subject"), max_length=500)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True)
    )
    grading = forms.ChoiceField(label=_("Security grading"), choices=Grading.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    send_to = PostField(
        queryset=Post.objects.order_by("abbreviation"),
        label=_("Send to"),
        required=False,
        empty_label=_("Keep it with me"),
    )
    remarks = forms.CharField(
        label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, desk: Desk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_acting_post(desk)
        self.initial.setdefault("received_date", timezone.localdate())
        self.initial.setdefault("mode", Receipt.Mode.ELECTRONIC)
        self.initial.setdefault("grading", Grading.NORMAL)
        self.initial.setdefault("priority", Priority.NORMAL)

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        if data.get("mode") == Receipt.Mode.ELECTRONIC and not data.get("letter"):
            self.add_error(
                "letter", _("Upload the scanned letter or e-mail of an electronic receipt.")
            )
        if data.get("mode") == Receipt.Mode.PHYSICAL and data.get("letter"):
            self.add_error(
                "letter", _("A physical receipt is tracked only; choose electronic to upload.")
            )
        today = timezone.localdate()
        received = data.get("received_date")
        if isinstance(received, date) and received > today:
            self.add_error("received_date", _("The received date cannot be in the future."))
        letter_date = data.get("letter_date")
        if isinstance(received, date) and isinstance(letter_date, date) and letter_date > received:
            self.add_error("letter_date", _("The letter cannot be dated after it was received."))
        due = data.get("due_date")
        if isinstance(due, date) and isinstance(received, date) and due < received:
            self.add_error("due_date", _("The due date cannot be before the received date."))
        return data


class FileForm(ActingPostMixin):
    subject = forms.CharField(label=_("Subject"), max_length=500)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True)
    )
    grading = forms.ChoiceField(label=_("Security grading"), choices=Grading.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)

    def __init__(self, *args: Any, desk: Desk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_acting_post(desk)


NOTE_CHOICES = {
    NoteChoice.SEND: _("Sign it and send it with the file"),
    NoteChoice.DRAFT: _("Send it as a draft, for the receiver to edit or approve"),
    NoteChoice.KEEP: _("Keep it as my draft, not sent"),
}


class NoteBoxForm(forms.Form):
    """A movement of a file carries what its page's note box held (copied in as the officer
    types) and the officer's choice for it, so the server signs or keeps what they saw."""

    note_choices: tuple[NoteChoice, ...] = (NoteChoice.SEND, NoteChoice.KEEP)

    note = forms.CharField(
        required=False, strip=False, max_length=MAX_NOTE_CHARS, widget=forms.HiddenInput
    )
    note_choice = forms.ChoiceField(label=_("Your note"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["note_choice"]).choices = [
            (c.value, NOTE_CHOICES[c]) for c in self.note_choices
        ]
        self.initial.setdefault("note_choice", NoteChoice.SEND.value)

    def typed_note(self) -> str | None:
        """The note box's text; None when the request carried no note box."""
        return self.cleaned_data.get("note", "") if "note" in self.data else None

    def chosen_for_note(self) -> NoteChoice | None:
        value = self.cleaned_data.get("note_choice")
        return NoteChoice(value) if value else None


class MoveForm(NoteBoxForm):
    note_choices = (NoteChoice.SEND, NoteChoice.DRAFT, NoteChoice.KEEP)

    to_post = all_posts()
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_post"] = all_posts()

    def clean_due_date(self) -> date | None:
        due = self.cleaned_data.get("due_date")
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due


class RemarksForm(NoteBoxForm):
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(NoteBoxForm, ReasonForm):
    """Closing a file (or a receipt, which has no note box)."""


class ParkForm(NoteBoxForm):
    """Parking keeps the note box's text as the officer's draft; there is nothing to choose."""


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 8})
    )


class AttachForm(forms.Form):
    document = forms.FileField(
        label=_("Document"), help_text=_("PDF, image or office file, up to 25 MB.")
    )
    title = forms.CharField(label=_("Title"), max_length=300, required=False)


class PutInFileForm(forms.Form):
    file = forms.TypedChoiceField(label=_("Existing file"), coerce=int, required=False)
    new_subject = forms.CharField(label=_("Or open a new file on"), max_length=500, required=False)
    category = forms.ModelChoiceField(
        label=_("Category of the new file"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
    )

    def __init__(self, *args: Any, files: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["file"]).choices = [("", _("Choose a file…")), *files]

    def clean(self) -> dict[str, object]:
        super().clean()
        data = self.cleaned_data
        has_file, has_new = bool(data.get("file")), bool(data.get("new_subject"))
        if has_file == has_new:
            raise forms.ValidationError(
                _("Choose an existing file, or give the subject of a new one.")
            )
        if has_new and not data.get("category"):
            self.add_error("category", _("Choose the new file's category."))
        return data


class TrayFilterForm(forms.Form):
    post = forms.TypedChoiceField(label=_("Post"), coerce=int, required=False)
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Receipts and files")), ("receipt", _("Receipts")), ("file", _("Files"))],
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any priority")), *Priority.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("priority", _("Priority")),
            ("due", _("Due date")),
        ],
    )

    def __init__(self, *args: Any, desk: Desk, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["post"]).choices = [
            ("", _("All my posts")),
            *_post_choices(desk.posts),
        ]


class RegisterFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Receipts"),
        required=False,
        choices=[("here", _("Registered by my posts")), ("all", _("All I can see"))],
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    mode = forms.ChoiceField(
        label=_("Mode"), required=False, choices=[("", _("Any mode")), *Receipt.Mode.choices]
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("Any state")),
            ("inbox", _("Pending")),
            ("filed", _("Put in a file")),
            ("closed", _("Closed")),
        ],
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.all(),
        empty_label=_("Any category"),
    )
    grading = forms.ChoiceField(
        label=_("Grading"), required=False, choices=[("", _("Any grading")), *Grading.choices]
    )
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DATE)
    received_to = forms.DateField(label=_("to"), required=False, widget=DATE)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("diary", _("Diary number, newest first")),
            ("diary_asc", _("Diary number, oldest first")),
            ("received", _("Received date")),
            ("priority", _("Priority")),
        ],
    )
