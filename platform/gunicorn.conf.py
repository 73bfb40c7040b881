"""gunicorn settings for the web process: `gunicorn -c platform/gunicorn.conf.py config.wsgi`."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Threads keep slow clients from tying up a whole process; Argon2 releases the GIL while hashing,
# so sign-ins in one process run in parallel too.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle slowly, so a leak never becomes an outage
max_requests_jitter = 200
accesslog = "-"
# One list of trusted proxies for gunicorn (wsgi.url_scheme from X-Forwarded-Proto) and Django
# (config.client_address): a header from any other peer is ignored by both.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")
