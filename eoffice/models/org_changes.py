"""The append-only record of changes to the org chart and to the registry's settings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgChange(models.Model):
    """One change made by a tenant administrator: to an office, a post, a posting, a
    delegation, the file numbering pattern, a category or a holiday; or an invitation sent.
    Never changed nor deleted (a database trigger refuses both; see migration 0006).

    The summary is written in English when the change is made, naming things as they were then
    (a post renamed later keeps its old name here)."""

    class Action(models.TextChoices):
        OFFICE_CREATED = "office_created", _("Office created")
        OFFICE_RENAMED = "office_renamed", _("Office renamed")
        OFFICE_MOVED = "office_moved", _("Office moved")
        POST_CREATED = "post_created", _("Post created")
        POST_UPDATED = "post_updated", _("Post updated")
        OFFICER_POSTED = "officer_posted", _("Officer posted")
        POSTING_ENDED = "posting_ended", _("Posting ended")
        POST_TRANSFERRED = "post_transferred", _("Post transferred")
        DELEGATION_CREATED = "delegation_created", _("Delegation created")
        DELEGATION_REVOKED = "delegation_revoked", _("Delegation revoked")
        CHART_IMPORTED = "chart_imported", _("Chart imported")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        NUMBERING_CHANGED = "numbering_changed", _("Numbering pattern changed")
        CATEGORY_ADDED = "category_added", _("Category added")
        CATEGORY_WITHDRAWN = "category_withdrawn", _("Category withdrawn")
        CATEGORY_OFFERED = "category_offered", _("Category offered again")
        HOLIDAY_ADDED = "holiday_added", _("Holiday added")
        HOLIDAY_WITHDRAWN = "holiday_withdrawn", _("Holiday withdrawn")

    at = models.DateTimeField(auto_now_add=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    summary = models.CharField(max_length=500)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at"], name="org_change_at"),
            models.Index(fields=["action", "at"], name="org_change_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.summary}"
