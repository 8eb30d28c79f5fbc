"""The Celery app. A task carries its school in the `_schema_name` header
(tenant-schemas-celery): it is set from the connection's schema when the task is sent
and the worker switches to that schema before the task runs."""

import os

from celery import signals
from django.core.exceptions import ImproperlyConfigured
from tenant_schemas_celery.app import CeleryApp

from config.production import refuse_unsafe_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("ejournal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_unsafe_start(**kwargs):
    try:
        refuse_unsafe_start()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None  # Celery logs and ignores a receiver's other errors
