"""Billing's background work; Celery finds the tasks of every module imported here."""

from billing.tasks import collection, dunning, invoices, usage

__all__ = ["collection", "dunning", "invoices", "usage"]
