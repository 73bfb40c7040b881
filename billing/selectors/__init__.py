"""Reads of billing data, one noun a module; selectors never write and never lock."""

from billing.selectors.plans import plan_of, plans_on_offer

__all__ = ["plan_of", "plans_on_offer"]
