"""The tenant administrator's screens (Manage), one module per noun: the overview, offices,
posts, postings, transfers, delegations, officers' invitations and the CSV import.

Only the e-office's administrators (User.is_staff in the tenant's schema) open them. They show
no receipt or file: at most how many a post holds. Each view checks the input with a form from
eoffice.org_forms, calls one service of eoffice.services.org_chart and reports the outcome.
Each change is recorded with its administrator and origin (see common.by) in the History page.
"""

from eoffice.views.org_admin.common import admin_required

__all__ = ["admin_required"]
