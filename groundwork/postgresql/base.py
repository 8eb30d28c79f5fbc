"""django-tenants' PostgreSQL backend, sending `SET search_path` only when the path changes.

django-tenants forgets the path it set whenever a request or block switches schema, so a school
page paid two `SET`s (public for the address, then the school) and a parent's week page five.
Here the connection remembers the path PostgreSQL has, and a switch back to it costs nothing. It
is forgotten, as before, whenever PostgreSQL may have undone it: a rollback, a savepoint's
rollback, a closed connection."""

from contextlib import contextmanager

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    applied_search_path = None  # what the last SET sent, while it stands

    def set_tenant(self, tenant, include_public=True):
        super().set_tenant(tenant, include_public)
        if self.applied_search_path is not None and self.applied_search_path == self._get_cursor_search_paths():
            self.search_path_set_schemas = self.applied_search_path

    def _handle_search_path(self, cursor=None):
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas is not None:
            self.applied_search_path = self.search_path_set_schemas

    # Forgotten after the call, as the base class forgets its own: reaching the database may
    # send a SET first, which the rollback then undoes.
    def close(self):
        try:
            super().close()
        finally:
            self.applied_search_path = None

    def rollback(self):
        try:
            super().rollback()
        finally:
            self.applied_search_path = None

    def savepoint_rollback(self, sid):
        try:
            super().savepoint_rollback(sid)
        finally:
            self.applied_search_path = None

    @contextmanager
    def any_search_path(self):
        """For statements naming every table with its schema: they run on whatever path the
        connection has, without a `SET` to the one selected."""
        setting, self._setting_search_path = self._setting_search_path, True
        try:
            yield
        finally:
            self._setting_search_path = setting
