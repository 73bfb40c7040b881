"""Notices: what an officer is told in their e-office, e.g. that someone was given a post that
reports to theirs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    """One thing an officer is told: that `officer` was given access to the work of `post`
    (posted to it, given its additional charge, given it by transfer, or made to act for it) by
    the administrator `actor`, from `from_date` (to `to_date` for a delegation), and why.

    Told to the post's reporting officer and its own holders, so that nothing that opens a post's
    work to someone happens unseen. A change of the post's reporting line (which decides who is
    told) is told the same way, its `officer` the administrator who made it and its `reason` the
    change. Never changed nor deleted (a database trigger refuses both); that the
    recipient has read it is a NoticeRead."""

    class Kind(models.TextChoices):
        POSTED = "posted", _("Posted")
        ADDITIONAL_CHARGE = "additional_charge", _("Additional charge")
        TRANSFERRED = "transferred", _("Transferred")
        DELEGATED = "delegated", _("Delegated")
        REPORTING_CHANGED = "reporting_changed", _("Reporting line changed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices"
    )
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    post = models.ForeignKey("eoffice.Post", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-at"], name="notice_recipient_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} to {self.recipient}: {self.kind} {self.post}"


class NoticeRead(models.Model):
    """That the recipient has read a notice, and when. Never changed nor deleted."""

    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="read")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"notice {self.notice_id} read at {self.at:%Y-%m-%d %H:%M}"
