"""The owner's connection (OWNER_DATABASE_URL) makes a new school's tables (tenants/schema.py).
While it does, it migrates, and every query of that thread goes through it (a migration's
default may read a table made a moment before, which only that connection sees). django-tenants'
router, which follows this one, lets only its one tenant alias migrate."""

import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django_tenants.routers import TenantSyncRouter
from django_tenants.utils import get_public_schema_name

_making = threading.local()


@contextmanager
def through_owner():
    _making.school = True
    try:
        yield
    finally:
        _making.school = False


class OwnerRouter(TenantSyncRouter):
    def db_for_read(self, model, **hints):
        return "owner" if getattr(_making, "school", False) else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db != "owner":
            return None  # django-tenants' router decides
        public = connections[db].schema_name == get_public_schema_name()
        return self.app_in_list(app_label, settings.SHARED_APPS if public else settings.TENANT_APPS)
