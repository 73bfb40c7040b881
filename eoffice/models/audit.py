"""The append-only audit trail of everything done to receipts and files."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eoffice.models.org_chart import Post
from eoffice.models.records import Item


class AuditEntry(models.Model):
    """Who did what to which item, acting for which post, when and from where. Never changed
    nor deleted (a database trigger refuses both; see migration 0002)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        VIEW = "view", _("Viewed")
        NOTE = "note", _("Note sent")
        DRAFT_EDITED = "draft_edited", _("Draft note edited")
        DRAFT_DISCARDED = "draft_discarded", _("Draft note discarded")
        MOVE = "move", _("Moved")
        PULL_BACK = "pull_back", _("Pulled back")
        ATTACH = "attach", _("Attached")
        PUT_IN_FILE = "put_in_file", _("Put in a file")
        PARK = "park", _("Parked")
        UNPARK = "unpark", _("Taken out of parked")
        CLOSE = "close", _("Closed")
        REOPEN = "reopen", _("Reopened")
        REFUSED = "refused", _("Refused")

    at = models.DateTimeField(auto_now_add=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="audit_entries")
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["item", "at"], name="audit_item"),
            # Files closed on a day (eoffice.selectors.figures).
            models.Index(fields=["action", "at"], name="audit_action_at"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.item_id}"
