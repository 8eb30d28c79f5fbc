from django.db import connection

from groundwork.sql import columns, from_row

from .models import School

# Every request's first read: plain SQL (the ORM's compiling cost more than the statement), with
# each table named with its schema, so it runs on whatever search path the connection has.
_SCHOOL_AT_HOST = (
    f"SELECT {columns(School, 's')} FROM public.tenants_school s "
    "JOIN public.tenants_domain d ON d.tenant_id = s.id WHERE d.domain = %s"
)


def school_at(hostname):
    """The school a host name is the address of, as it stands now; None for no school."""
    with connection.any_search_path(), connection.cursor() as cursor:
        cursor.execute(_SCHOOL_AT_HOST, [hostname])
        row = cursor.fetchone()
    return None if row is None else from_row(School, row)


def schools_for_console(status=None):
    schools = School.objects.exclude(schema_name="public").select_related("figures")
    if status:
        schools = schools.filter(status=status)
    return schools
