"""The states of receipts and files (the tray they lie in at their holder's post), written down.

Each change of state is one service function that checks it here and writes an audit entry.
"""

from django.utils.translation import gettext_lazy

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
MOVABLE: dict[str, frozenset[str]] = {
    Kind.RECEIPT: frozenset({Tray.INBOX}),
    Kind.FILE: frozenset({Tray.INBOX, Tray.PARKED}),
}

# Why an item in a tray cannot change state or move: the clause after the colon.
_WHY_NOT: dict[str, object] = {
    Tray.CLOSED: gettext_lazy("it is closed"),
    Tray.FILED: gettext_lazy("it has been put in a file"),
    Tray.PARKED: gettext_lazy("it is parked"),
    Tray.INBOX: gettext_lazy("it is open"),
}

# Whole sentences for each kind and tray, rather than "This {kind} cannot be {tray}", so that
# each can be translated in its own word order (an Urdu sentence ends with its verb).
_CANNOT_BECOME = {
    (Kind.RECEIPT, Tray.INBOX): gettext_lazy("This receipt cannot be with me: %(why)s."),
    (Kind.RECEIPT, Tray.PARKED): gettext_lazy("This receipt cannot be parked: %(why)s."),
    (Kind.RECEIPT, Tray.CLOSED): gettext_lazy("This receipt cannot be closed: %(why)s."),
    (Kind.RECEIPT, Tray.FILED): gettext_lazy("This receipt cannot be put in a file: %(why)s."),
    (Kind.FILE, Tray.INBOX): gettext_lazy("This file cannot be with me: %(why)s."),
    (Kind.FILE, Tray.PARKED): gettext_lazy("This file cannot be parked: %(why)s."),
    (Kind.FILE, Tray.CLOSED): gettext_lazy("This file cannot be closed: %(why)s."),
    (Kind.FILE, Tray.FILED): gettext_lazy("This file cannot be put in a file: %(why)s."),
}
_CANNOT_MOVE: dict[str, object] = {
    Kind.RECEIPT: gettext_lazy("This receipt cannot be sent on: %(why)s."),
    Kind.FILE: gettext_lazy("This file cannot be sent on: %(why)s."),
}


def check_transition(item: Item, to_tray: str) -> None:
    if to_tray not in ALLOWED_TRANSITIONS[item.kind].get(item.tray, frozenset()):
        message = _CANNOT_BECOME[Kind(item.kind), Tray(to_tray)]
        raise Refused(str(message) % {"why": _WHY_NOT[item.tray]})


def check_movable(item: Item) -> None:
    if item.tray not in MOVABLE[item.kind]:
        raise Refused(str(_CANNOT_MOVE[Kind(item.kind)]) % {"why": _WHY_NOT[item.tray]})
