"""Why an e-office action was refused; views turn these into a 403 page or a form error."""

from django.core.exceptions import PermissionDenied


class Refused(PermissionDenied):
    """The officer may not do this (not theirs, not visible, wrong state). The message says why
    in words an officer understands, and never describes an item they may not see."""


class Invalid(ValueError):
    """The request is allowed but its input is wrong (empty note, unknown post, bad upload)."""
