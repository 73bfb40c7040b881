"""The tenant registry (control plane): tenants, their domains, partner vendors, lifecycle."""
