"""Changes to billing data, one noun a module; each function is one transaction."""

from billing.services.plans import assign_plan

__all__ = ["assign_plan"]
