"""gunicorn settings for the web process: `gunicorn -c platform/gunicorn.conf.py config.wsgi`.

Why each value is what it is, with the measurements behind it: platform/README.md ("Web
workers"). Every value can be overridden by the environment variable beside it.
"""

import gc
import os


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

# The garbage collector: measured on an officer's working cycle (bench/web_cpu.py's, in process),
# it took 11 of 108 ms of CPU with Python's defaults, most of it in collections that walk the
# whole of Django's long-lived heap (modules, URL patterns, templates, the app registry). That
# heap is frozen once loaded, so no collection walks it again (and, with preloading, no worker
# touches the pages it shares with the master); the youngest generation is collected every
# 10,000 allocations instead of 700: about 5 ms a cycle. Reference counting still frees
# everything that is not in a cycle at once, so memory grows by at most those 10,000 objects.
gc.set_threshold(_int("WEB_GC_THRESHOLD", 10000), 10, 10)


def when_ready(server: object) -> None:
    """In the master, once the app is preloaded and before any worker is forked."""
    if preload_app:
        gc.collect()
        gc.freeze()


def post_worker_init(worker: object) -> None:
    """In each worker, once it has loaded the app (itself, when not preloaded)."""
    gc.freeze()
