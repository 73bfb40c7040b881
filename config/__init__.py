"""The Django project: settings, URLconfs of both planes, Celery app, WSGI/ASGI entry points."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
