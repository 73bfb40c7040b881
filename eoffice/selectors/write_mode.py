"""Reading the current schema's write mode (see eoffice.write_modes); never locks."""

from __future__ import annotations

from eoffice.models import WriteMode


def write_mode() -> str | None:
    """The mode of the schema the connection is in; None if it has none (it refuses writes)."""
    return WriteMode.objects.values_list("mode", flat=True).filter(pk=1).first()
