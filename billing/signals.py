"""Signals billing sends for apps above it (reports), so billing imports none of them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a usage record is committed (billing.services.usage.record_usage), with
# `tenant_id` (int) and `day` (datetime.date) of the record written. A collection that finds
# the day already recorded writes nothing and sends nothing.
usage_recorded = Signal()
