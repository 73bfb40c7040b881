"""The org chart of one e-office: work is routed to posts, which officers hold."""

from django.conf import settings
from django.db import models


class Office(models.Model):
    """An office, wing or section; sections sit under their office."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Post(models.Model):
    """A designation in an office, marked by its short abbreviation, e.g. SO(Admin)."""

    abbreviation = models.CharField(max_length=40, unique=True)
    designation = models.CharField(max_length=200)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="posts")
    reports_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="subordinates"
    )

    class Meta:
        ordering = ["abbreviation"]

    def __str__(self) -> str:
        return self.abbreviation


class Posting(models.Model):
    """An officer holding a post from a date (to a date once transferred)."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="postings"
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="postings")
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)
    is_additional_charge = models.BooleanField(default=False)

    class Meta:
        ordering = ["post__abbreviation", "-from_date"]
        indexes = [models.Index(fields=["officer", "to_date"], name="posting_officer_current")]

    def __str__(self) -> str:
        return f"{self.officer} as {self.post}"


class SubmissionChannel(models.Model):
    """A post that sends work to another post beyond its reporting line."""

    from_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="channels_out")
    to_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="channels_in")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_post", "to_post"], name="unique_channel"),
            models.CheckConstraint(
                condition=~models.Q(from_post=models.F("to_post")), name="channel_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_post} → {self.to_post}"


class Delegation(models.Model):
    """A temporary delegation: an officer acts for a post between two dates (leave, tour).

    A delegate sees and moves the post's work, but not its Secret and Top Secret items, which
    stay with the officers posted to it (see eoffice.selectors.access).
    """

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="delegations")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations"
    )
    from_date = models.DateField()
    to_date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-from_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_date__gte=models.F("from_date")),
                name="delegation_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegate} for {self.post} ({self.from_date}-{self.to_date})"
