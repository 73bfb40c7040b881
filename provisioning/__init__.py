"""Turning an approved tenant into a running instance (schema, storage, first admin) and back."""
