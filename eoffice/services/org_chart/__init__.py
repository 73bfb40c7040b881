"""Changes to the org chart of the current tenant, one module per noun. Each function is one
transaction.

Every change an administrator makes in the browser (offices, posts, postings, transfers,
delegations, imports, invitations) is recorded as an OrgChange in the same transaction, naming
the administrator (`actor`) and where the request came from (`origin`). A refused change, or
one that would change nothing, records nothing; nothing is ever deleted: postings end,
delegations are revoked. The provisioning seed (seed_org_chart, ensure_tenant_admin) is not an
administrator's change and is not recorded.

The names below are the package's public functions, importable from here as before the split.
"""

from eoffice.services.org_chart.delegations import delegate_post, revoke_delegation
from eoffice.services.org_chart.imports import (
    Change,
    ImportPlan,
    PlannedRow,
    check_import,
    import_org_chart,
)
from eoffice.services.org_chart.invitations import send_officer_invitation
from eoffice.services.org_chart.officers import NewOfficer
from eoffice.services.org_chart.offices import create_office, move_office, rename_office
from eoffice.services.org_chart.postings import end_posting, post_officer
from eoffice.services.org_chart.posts import create_post, update_post
from eoffice.services.org_chart.seed import SeedCounts, ensure_tenant_admin, seed_org_chart
from eoffice.services.org_chart.transfers import Transfer, transfer_post

__all__ = [
    "Change",
    "ImportPlan",
    "NewOfficer",
    "PlannedRow",
    "SeedCounts",
    "Transfer",
    "check_import",
    "create_office",
    "create_post",
    "delegate_post",
    "end_posting",
    "ensure_tenant_admin",
    "import_org_chart",
    "move_office",
    "post_officer",
    "rename_office",
    "revoke_delegation",
    "seed_org_chart",
    "send_officer_invitation",
    "transfer_post",
    "update_post",
]
