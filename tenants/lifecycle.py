"""The tenant state machine: which transitions are allowed."""

from tenants.models import Tenant

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
