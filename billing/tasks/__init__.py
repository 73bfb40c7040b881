"""Billing's background work; Celery finds the tasks of every module imported here."""

from billing.tasks import collection, dunning

__all__ = ["collection", "dunning"]
