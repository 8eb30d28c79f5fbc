"""Reads that build the school's pages and the parents' list of children."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django_tenants.utils import schema_context

from accounts.models import Role
from tenants.models import School

from .models import Guardian, Pupil, SchoolClass


def classes_with_counts():
    return SchoolClass.objects.select_related("class_teacher").order_by("grade", "letter").annotate(
        pupil_count=Count("pupils", filter=Q(pupils__withdrawn_on__isnull=True))
    )


def class_roster(school_class):
    """Enrolled pupils of a class with their parents' links, in two queries."""
    return list(
        school_class.pupils.enrolled().annotate(
            parent_count=Count("guardians", filter=Q(guardians__ended_at__isnull=True, guardians__consent_at__isnull=False))
        )
    )


def school_figures():
    """The counts a school reports to the district: numbers only, no names."""
    pupils = Pupil.objects.enrolled()
    return {
        "classes": SchoolClass.objects.count(),
        "pupils": pupils.count(),
        "pupils_with_parent": pupils.filter(guardians__ended_at__isnull=True, guardians__consent_at__isnull=False)
        .distinct().count(),
    }


@dataclass
class Child:
    school: School
    pupil_id: int
    full_name: str
    class_name: str


def children_of(user):
    """Every child a parent is linked to, with recorded consent, across all schools.
    One query for the schools, then one per school in that school's own schema."""
    schools = School.objects.filter(
        membership__user=user, membership__role=Role.PARENT, membership__ended_at__isnull=True
    ).distinct()
    children = []
    for school in schools:
        with schema_context(school.schema_name):
            links = (
                Guardian.objects.filter(user=user, ended_at__isnull=True, consent_at__isnull=False,
                                        pupil__withdrawn_on__isnull=True)
                .select_related("pupil__school_class")
            )
            children += [Child(school, g.pupil.pk, g.pupil.full_name, str(g.pupil.school_class)) for g in links]
    return children

