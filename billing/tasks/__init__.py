"""Billing's background work; Celery finds the tasks of every module imported here."""

from billing.tasks import collection, invoices, usage

__all__ = ["collection", "invoices", "usage"]
