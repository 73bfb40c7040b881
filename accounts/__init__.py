"""Accounts of both planes: control-plane users in `public`, officers in each tenant schema."""
