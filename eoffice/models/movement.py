"""Where items went: the append-only movement record and the posts that may see each item."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eoffice.models.org_chart import Post
from eoffice.models.records import Item


class Movement(models.Model):
    """One hand-over of an item from a post to a post. Never changed, except that its read time
    is filled in once when the receiving post first opens the item (enforced by a trigger)."""

    class Kind(models.TextChoices):
        FORWARD = "forward", _("Forwarded")
        RETURN = "return", _("Returned")
        PULL_BACK = "pull_back", _("Pulled back")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    to_post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    remarks = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [
            models.Index(fields=["from_post", "-sent_at"], name="movement_sent"),
            models.Index(fields=["item", "sent_at"], name="movement_item"),
            # The inbox's unread count reads each listed item's last movement from this index
            # alone (see migration 0004).
            models.Index(fields=["id"], include=["read_at"], name="movement_read"),
            # Files moved in a month (eoffice.selectors.figures).
            models.Index(fields=["sent_at"], name="movement_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_post_id} → {self.to_post_id}"


class PostAccess(models.Model):
    """A post that may see an item: it created the item, or the item was marked to or sent from
    it. One row per post and item, written with each movement; lists join on it."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "item"], name="post_access_unique")]

    def __str__(self) -> str:
        return f"post {self.post_id} sees item {self.item_id}"
