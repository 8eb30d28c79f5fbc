"""Background work in one school's schema (tenant-schemas-celery carries the schema)."""

from celery import shared_task
from django.db import connection

from accounts.models import User
from tenants.models import School

from .archive import export_archive
from .models import AcademicYear


@shared_task
def export_year_archive(year_id, user_id, ip=None):
    """The deputy's button: a year's archive can take a minute, so not in the request."""
    school = School.objects.get(schema_name=connection.schema_name)
    export = export_archive(
        school, AcademicYear.objects.get(pk=year_id), by=User.objects.filter(pk=user_id).first(), ip=ip
    )
    return export.manifest_sha256
