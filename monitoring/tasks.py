"""Each school computes its own indicators in its own schema and reports the counts to public."""

from datetime import date, timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import app
from tenants.models import School

from .indicators import compute
from .models import SchoolMonth


@app.task
def update_school_month(month_iso):
    school = School.objects.get(schema_name=connection.schema_name)
    month = date.fromisoformat(month_iso).replace(day=1)
    figures = compute(month)
    for code, (numerator, denominator) in figures.items():
        SchoolMonth.objects.update_or_create(school=school, month=month, code=code, defaults={
            "numerator": numerator, "denominator": denominator, "computed_at": timezone.now()})
    return len(figures)


@app.task
def dispatch_school_months():
    """Nightly: this month so far for every working school (and last month during the first days)."""
    today = timezone.localdate()
    months = [today.replace(day=1)]
    if today.day <= 3:
        months.append((today.replace(day=1) - timedelta(days=1)).replace(day=1))
    for school in School.objects.exclude(schema_name="public").filter(status=School.Status.ACTIVE):
        with schema_context(school.schema_name):
            for month in months:
                update_school_month.apply_async(args=[month.isoformat()])
