"""The Celery app. A task carries its school in the `_schema_name` header
(tenant-schemas-celery): it is set from the connection's schema when the task is sent
and the worker switches to that schema before the task runs."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("ejournal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
