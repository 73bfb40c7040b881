"""The Celery app. Tasks queued inside a tenant carry its schema and run in it.

tenant-schemas-celery puts the current schema into each message's headers and switches the
worker's connection to it before the task runs, so no task relies on a leftover search_path.
"""

import os

from kombu.transport import TRANSPORT_ALIASES
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The embedded default broker ("filesystem://") writes each message whole before it is seen.
TRANSPORT_ALIASES["filesystem"] = "config.folder_broker:Transport"

# FairTask: tenant-schemas-celery's task class with per-tenant slots for heavy work.
app = CeleryApp("eoffice", task_cls="config.heavy_work:FairTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
