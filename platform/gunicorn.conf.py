"""gunicorn settings for the web process: `gunicorn -c platform/gunicorn.conf.py config.wsgi`.

Why each value is what it is, with the measurements behind it: platform/README.md ("Web
workers"). Every value can be overridden by the environment variable beside it.
"""

import gc
import os
from typing import Any


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# One process per core; threads keep a core busy while a request waits on PostgreSQL or Redis,
# and Argon2 releases the GIL while hashing, so sign-ins in one process run in parallel too.
workers = _int("WEB_CONCURRENCY", os.cpu_count() or 2)
threads = _int("WEB_THREADS", 8)
worker_class = "gthread"
# The master imports Django once and forks ready workers: a recycled worker serves again in
# milliseconds instead of the seconds an import takes, so a restart is no stall.
preload_app = os.environ.get("WEB_PRELOAD", "true").lower() in {"1", "true", "yes", "on"}
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = 30
# No keep-alive between the load balancer and a worker, and a worker takes a connection only
# when it has a thread free for it: every request is then accepted by a worker that can start
# on it at once, and one that is busy leaves it in the shared queue for the other, instead of
# queueing it behind its own threads (or keeping a connection that piled onto it after a
# restart) while the other core idles. Browsers keep their connections to the load balancer;
# a new connection on the LAN behind it costs well under a millisecond.
keepalive = _int("WEB_KEEPALIVE", 0)
worker_connections = _int("WEB_WORKER_CONNECTIONS", threads if keepalive == 0 else 1000)
# Recycle slowly, so a leak never becomes an outage; the jitter as large as the limit spreads
# each worker's restart over [N, 2N] requests, so workers practically never restart together.
max_requests = _int("WEB_MAX_REQUESTS", 20000)
max_requests_jitter = _int("WEB_MAX_REQUESTS_JITTER", max_requests)
accesslog = "-"
# One list of trusted proxies for gunicorn (wsgi.url_scheme from X-Forwarded-Proto) and Django
# (config.client_address): a header from any other peer is ignored by both.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")

# The garbage collector: over an officer's working cycle and sign-in (bench/web_cpu.py's, in
# one process; platform/README.md), it took 11.2 ms of CPU with Python's defaults, 5.2 ms as
# set here; much of it went to collections that walk the whole of Django's long-lived heap
# (modules, URL patterns, templates, the app registry). That heap is frozen once loaded, so
# no collection walks it again (nor writes to the pages a worker shares with the master:
# reference counting still does); the youngest generation is collected every 10,000
# allocations of container objects instead of 700. Reference counting frees at once whatever
# is not in a reference cycle; only cycles wait longer for a collection.
# WEB_GC_FREEZE=false leaves the heap unfrozen (the settings before issue 12, for comparison).
_gc_threshold = _int("WEB_GC_THRESHOLD", 10000)
if _gc_threshold < 1:
    raise ValueError("WEB_GC_THRESHOLD must be 1 or more (0 would turn the collector off)")
_gc_freeze = os.environ.get("WEB_GC_FREEZE", "true").lower() in {"1", "true", "yes", "on"}
gc.set_threshold(_gc_threshold, 10, 10)


def when_ready(server: Any) -> None:
    """In the master, once the app is preloaded and before any worker is forked."""
    if _gc_freeze and server.cfg.preload_app:
        gc.collect()
        gc.freeze()


def post_worker_init(worker: Any) -> None:
    """In each worker, once it has loaded the app (itself, when not preloaded): what is garbage
    by then is collected first, not frozen with the rest."""
    if _gc_freeze:
        gc.collect()
        gc.freeze()
