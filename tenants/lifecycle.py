"""The tenant state machine: which transitions are allowed, and who is told of each.

Every change of `Tenant.state` (and the first state, `applied`, when a tenant is registered) is
made by tenants.services.transition_tenant (registration by tenants.services.register_tenant),
which records a TenantEvent and then calls the receivers registered here, in the order they
registered. The functions that do a transition's work (provisioning's pipeline, archive,
delete, restore) live with that work and call transition_tenant; nothing else writes the state
(tests/tenants/test_lifecycle.py checks the source for it).

Receivers run **inside the transition's transaction**, after its event is written: what a
receiver writes (billing's records of a plan starting or stopping) commits or rolls back with
the transition itself, so no app ever believes in a transition that did not happen, and a
receiver that raises undoes the transition. A receiver whose effect reaches outside the
database (an e-mail, a task) defers it with `transaction.on_commit`.

Apps register their receivers in their AppConfig.ready():

    from tenants.lifecycle import on_transition
    on_transition(billing.receivers.tenant_transitioned)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenants.models import Tenant, TenantEvent

S = Tenant.State

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPLIED: frozenset({S.APPROVED, S.REJECTED}),
    S.REJECTED: frozenset(),
    S.APPROVED: frozenset({S.PROVISIONING}),
    S.PROVISIONING: frozenset({S.ACTIVE, S.PROVISIONING_FAILED}),
    # "Retry" resumes the pipeline from the step that failed.
    S.PROVISIONING_FAILED: frozenset({S.PROVISIONING}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.ARCHIVED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.ARCHIVED}),
    # Deleting drops the schema and files, which only an archive may replace.
    S.ARCHIVED: frozenset({S.DELETED}),
    # Restoring brings the latest archive back into a new schema.
    S.DELETED: frozenset({S.ACTIVE}),
}

# States in which the tenant's host serves its users; any other state answers "unknown host".
SERVING_STATES = frozenset({S.ACTIVE, S.SUSPENDED})


class TransitionNotAllowed(Exception):
    def __init__(self, tenant: Tenant, to_state: str) -> None:
        self.tenant, self.to_state = tenant, to_state
        super().__init__(
            f"{tenant.name} cannot go from {tenant.get_state_display()} to "
            f"{Tenant.State(to_state).label}."
        )


def check_transition(tenant: Tenant, to_state: str) -> None:
    if to_state not in ALLOWED_TRANSITIONS[tenant.state]:
        raise TransitionNotAllowed(tenant, to_state)


@dataclass(frozen=True)
class Transition:
    """One recorded change of a tenant's state; `from_state` is "" for a new application."""

    tenant: Tenant
    from_state: str
    to_state: str
    actor: str
    reason: str
    event: TenantEvent


Receiver = Callable[[Transition], None]
_receivers: list[Receiver] = []


def on_transition(receiver: Receiver) -> Receiver:
    """Registers a receiver of every transition (once, however often it is registered)."""
    if receiver not in _receivers:
        _receivers.append(receiver)
    return receiver


def disconnect(receiver: Receiver) -> None:
    if receiver in _receivers:
        _receivers.remove(receiver)


def announce(transition: Transition) -> None:
    """Tells every receiver of a transition; called by tenants.services only."""
    for receiver in list(_receivers):
        receiver(transition)
