"""django-tenants' PostgreSQL backend, sending `SET search_path` only when the path changes.

django-tenants forgets the path it set whenever a request or block switches schema, so a school
page paid two `SET`s (public for the address, then the school) and a week page five. Here a
switch back to the path the connection already has costs nothing. The path is forgotten, as
before, whenever PostgreSQL may have undone it: a rollback, a savepoint's rollback, a closed
connection (the base class does that)."""

from contextlib import contextmanager

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        applied = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if applied is not None and applied == self._get_cursor_search_paths():
            self.search_path_set_schemas = applied

    @contextmanager
    def any_search_path(self):
        """For statements naming every table with its schema: they run on whatever path the
        connection has, without a `SET` to the one selected."""
        setting, self._setting_search_path = self._setting_search_path, True
        try:
            yield
        finally:
            self._setting_search_path = setting
