"""Setting the current schema's write mode (see eoffice.write_modes); the control plane calls it
inside the transaction of the lifecycle transition that changes the mode."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from eoffice import write_modes
from eoffice.models import WriteMode


def set_write_mode(*, mode: str, wait_seconds: float = 10) -> None:
    """Sets the mode of the schema the connection is in.

    Guarantees: when it returns, every transaction that wrote to the schema under the old mode
    has ended (the mode row is locked FOR SHARE by each write, so this update waits for them);
    the new mode applies to every write that commits after the caller's transaction. Refused
    (ValidationError) when writes in flight do not end within `wait_seconds`, or outside a
    transaction (the mode must change with the transition that calls for it).
    """
    if mode not in write_modes.MODES:
        raise ValueError(f"Unknown write mode {mode!r}.")
    if not connection.in_atomic_block:
        raise RuntimeError("The write mode changes inside the transaction of its transition.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true)", [f"{int(wait_seconds * 1000)}ms"]
        )
        try:
            with transaction.atomic():
                updated = WriteMode.objects.filter(pk=1).update(
                    mode=mode, changed_at=timezone.now()
                )
                if not updated:
                    WriteMode.objects.create(pk=1, mode=mode)
        except OperationalError as timed_out:
            raise ValidationError(
                gettext(
                    "Changes still being saved in this e-office did not finish within %(seconds)s "
                    "seconds; nothing was done. Try again in a moment."
                )
                % {"seconds": wait_seconds},
                code="writes_in_flight",
            ) from timed_out
        finally:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
