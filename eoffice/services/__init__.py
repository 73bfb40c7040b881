"""Changes inside the current tenant's schema, one module per subject; one transaction each."""
