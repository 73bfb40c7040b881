"""The states of receipts and files (the tray they lie in at their holder's post), written down.

Each change of state is one service function that checks it here and writes an audit entry.
"""

from eoffice.errors import Refused
from eoffice.models import Item

Tray = Item.Tray
Kind = Item.Kind

ALLOWED_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Kind.RECEIPT: {
        Tray.INBOX: frozenset({Tray.FILED, Tray.CLOSED}),
        Tray.FILED: frozenset(),
        Tray.CLOSED: frozenset(),
    },
    Kind.FILE: {
        Tray.INBOX: frozenset({Tray.PARKED, Tray.CLOSED}),
        Tray.PARKED: frozenset({Tray.INBOX, Tray.CLOSED}),
        Tray.CLOSED: frozenset({Tray.INBOX}),
    },
}

# Trays from which an item may be sent to another post.
MOVABLE = {Kind.RECEIPT: frozenset({Tray.INBOX}), Kind.FILE: frozenset({Tray.INBOX, Tray.PARKED})}

_WHY_NOT = {
    Tray.CLOSED: "it is closed",
    Tray.FILED: "it has been put in a file",
    Tray.PARKED: "it is parked",
    Tray.INBOX: "it is open",
}


def check_transition(item: Item, to_tray: str) -> None:
    if to_tray not in ALLOWED_TRANSITIONS[item.kind].get(item.tray, frozenset()):
        kind = Kind(item.kind).label.lower()
        raise Refused(
            f"This {kind} cannot be {Tray(to_tray).label.lower()}: {_WHY_NOT[item.tray]}."
        )


def check_movable(item: Item) -> None:
    if item.tray not in MOVABLE[item.kind]:
        kind = Kind(item.kind).label.lower()
        raise Refused(f"This {kind} cannot be sent on: {_WHY_NOT[item.tray]}.")
