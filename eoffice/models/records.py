"""Receipts and files: the work items that move between posts.

`Item` holds what every work item has, above all where it is now (the post holding it and in
which tray), so a post's inbox is one indexed query over one table whatever mix of receipts and
files it holds. `Receipt` and `File` add their own fields (multi-table inheritance).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eoffice.models.org_chart import Office, Post


class Grading(models.TextChoices):
    NORMAL = "normal", _("Normal")
    CONFIDENTIAL = "confidential", _("Confidential")
    SECRET = "secret", _("Secret")
    TOP_SECRET = "top_secret", _("Top Secret")


# Items at these gradings are seen only on the posts they were marked to (never by delegates).
RESTRICTED_GRADINGS = frozenset({Grading.SECRET, Grading.TOP_SECRET})


class Priority(models.IntegerChoices):
    """Higher is more urgent, so sorting by priority descending puts urgent work first."""

    NORMAL = 0, _("Normal")
    IMMEDIATE = 1, _("Immediate")
    PRIORITY = 2, _("Priority")
    TOP_PRIORITY = 3, _("Top Priority")


class Category(models.Model):
    """A subject category for receipts and files (Establishment, Budget, …), kept per tenant."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A receipt or a file, with its custody: which post holds it now and in which tray."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        FILE = "file", _("File")

    class Tray(models.TextChoices):
        """Where the item lies at its holder's post; the item's state (see eoffice.states)."""

        INBOX = "inbox", _("With me")
        PARKED = "parked", _("Parked")
        CLOSED = "closed", _("Closed")
        FILED = "filed", _("Put in a file")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The diary number of a receipt ("123/2026"), the number of a file ("ADMIN/17/2026").
    reference = models.CharField(max_length=80)
    subject = models.CharField(max_length=500)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    grading = models.CharField(max_length=20, choices=Grading.choices, default=Grading.NORMAL)
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    due_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    holder_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    tray = models.CharField(max_length=10, choices=Tray.choices, default=Tray.INBOX)
    arrived_at = models.DateTimeField()
    last_movement = models.ForeignKey(
        "eoffice.Movement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why it was last closed (receipts and files); kept when a file is reopened, for history.
    closed_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="item_reference_unique")
        ]
        indexes = [
            models.Index(fields=["holder_post", "tray", "-arrived_at"], name="item_tray_arrived"),
            models.Index(fields=["holder_post", "tray", "due_date"], name="item_tray_due"),
            models.Index(fields=["created_post", "kind", "-created_at"], name="item_created"),
            # The receipt register's count reads what it needs from this index alone (see
            # migration 0004).
            models.Index(
                fields=["created_post", "id"], include=["grading"], name="item_created_post"
            ),
            # The day's figures (eoffice.selectors.figures) count items made in a time range.
            models.Index(fields=["created_at"], name="item_created_at"),
            # Pendency reads what lies in trays by arrival.
            models.Index(fields=["tray", "arrived_at"], name="item_tray_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_restricted(self) -> bool:
        return self.grading in RESTRICTED_GRADINGS

    @property
    def is_graded(self) -> bool:
        return self.grading != Grading.NORMAL


class Document(models.Model):
    """An uploaded letter, scan or office file, stored under the tenant's storage prefix."""

    storage_key = models.CharField(max_length=400, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(default=1)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class Receipt(Item):
    """Incoming correspondence ("dak"), numbered in the tenant's diary for the year."""

    class Mode(models.TextChoices):
        ELECTRONIC = "electronic", _("Electronic")
        PHYSICAL = "physical", _("Physical")

    item = models.OneToOneField(
        Item, on_delete=models.PROTECT, parent_link=True, primary_key=True, related_name="receipt"
    )
    diary_year = models.PositiveSmallIntegerField()
    diary_number = models.PositiveIntegerField()
    mode = models.CharField(max_length=12, choices=Mode.choices)
    sender_name = models.CharField(max_length=200)
    sender_address = models.TextField(blank=True)
    letter_reference = models.CharField(max_length=120, blank=True)
    letter_date = models.DateField()
    received_date = models.DateField()
    pages = models.PositiveIntegerField(default=1)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_in = models.ForeignKey(
        "eoffice.File", on_delete=models.PROTECT, null=True, blank=True, related_name="receipts"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["diary_year", "diary_number"], name="diary_unique"),
            models.CheckConstraint(
                condition=~models.Q(mode="electronic") | models.Q(document__isnull=False),
                name="electronic_receipt_has_document",
            ),
        ]
        ordering = ["-diary_year", "-diary_number"]


class File(Item):
    """A file: a notes portion and a correspondence portion with running page numbers."""

    item = models.OneToOneField(
        Item, on_delete=models.PROTECT, parent_link=True, primary_key=True, related_name="file"
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="files")
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    # Pages used so far in the correspondence portion; the next entry starts after them.
    pages_used = models.PositiveIntegerField(default=0)
    notes_count = models.PositiveIntegerField(default=0)


class CorrespondenceEntry(models.Model):
    """A receipt or document placed in a file's correspondence portion, at its page numbers."""

    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="correspondence")
    receipt = models.ForeignKey(
        Receipt, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=300)
    first_page = models.PositiveIntegerField()
    last_page = models.PositiveIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["file", "first_page"]
        constraints = [
            models.UniqueConstraint(fields=["file", "first_page"], name="correspondence_page"),
            models.CheckConstraint(
                condition=models.Q(receipt__isnull=False) | models.Q(document__isnull=False),
                name="correspondence_has_content",
            ),
            models.CheckConstraint(
                condition=models.Q(last_page__gte=models.F("first_page")),
                name="correspondence_pages_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (pages {self.first_page}-{self.last_page})"


class Note(models.Model):
    """A note in a file's notes portion.

    A draft ("yellow") note belongs to its author, or to the superior it was sent to as a draft.
    A sent ("green") note is signed with its author's name, post and time and never changes
    (a database trigger refuses updates and deletes; see migration 0002).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        DISCARDED = "discarded", _("Discarded")

    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="notes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    # A draft sent with the file to a superior, who may edit or discard it.
    draft_for_post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set once, when the note is sent: paragraph number in the file and the signature.
    number = models.PositiveIntegerField(null=True, blank=True)
    signed_name = models.CharField(max_length=150, blank=True)
    signed_post = models.CharField(max_length=250, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["file", "number", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="note_number_unique"),
            models.CheckConstraint(
                condition=~models.Q(status="sent")
                | (models.Q(number__isnull=False) & models.Q(signed_at__isnull=False)),
                name="sent_note_is_signed",
            ),
        ]
        indexes = [models.Index(fields=["file", "status", "number"], name="note_file_status")]

    def __str__(self) -> str:
        return f"note {self.number or 'draft'} on {self.file_id}"
