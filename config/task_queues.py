"""The queues every worker consumes: the default one and its heavy one (config.heavy_work).

Imported by settings, so it needs nothing but kombu.
"""

from __future__ import annotations

from kombu import Exchange, Queue

HEAVY_QUEUE_SUFFIX = "-heavy"


def heavy_queue(default_queue: str) -> str:
    """The heavy queue that goes with a default queue (each test worker has its own pair)."""
    return f"{default_queue}{HEAVY_QUEUE_SUFFIX}"


def task_queues(default_queue: str) -> list[Queue]:
    """The default queue and its heavy queue, each with an exchange and routing key of its own
    name, as Celery makes a queue it is not told of. A bare Queue(name) would be bound to the
    default exchange and key, and every task would then be delivered into both queues."""
    return [
        Queue(name, Exchange(name, type="direct"), routing_key=name)
        for name in (default_queue, heavy_queue(default_queue))
    ]
