"""The embedded default broker (no Redis configured): kombu's filesystem transport, with each
message written whole before any worker can see it.

kombu's own transport opens the message's final name, then writes into it; a worker polling
the folder meanwhile moves the empty file away and reads nothing, fails to decode it, and stops
("Unrecoverable error: JSONDecodeError"), the task lost with it. Here the message is written
under a name no queue reads (it does not end in ".<queue>.msg"), then renamed into place:
within one folder a rename is atomic, so a worker finds either no file or the whole message.
Installed under the "filesystem" alias by config.celery, so CELERY_BROKER_URL stays
"filesystem://".
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # kombu names the second argument "message" in its base class, "payload" here: neither
    # is passed by keyword.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4()}")
        try:
            with open(partial, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.remove(partial)  # a full disk, say: nothing half-written is left behind
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
