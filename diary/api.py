"""The diary for a mobile app: the same pages as data, with the same rules (a parent's own
children at the portal address; a pupil's own diary at the school's address)."""

from datetime import date, timedelta

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from accounts.models import Role
from journal.selectors import current_year

from . import selectors
from .access import child, own_pupil
from .services import log_view


class Parent(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.school is None and Role.PARENT in request.roles


class Pupil(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.school is not None and Role.PUPIL in request.roles


def _week(pupil, day):
    monday = day - timedelta(days=day.isoweekday() - 1)
    return {"monday": monday, "days": [{
        "date": d,
        "lessons": [{
            "id": l.pk, "number": l.number, "subject": l.subject.name, "topic": l.topic,
            "homework": "" if l.homework_none else l.homework, "homework_files": [f.name for f in l.live_files],
            "substitution": l.taught_by_id is not None, "cancelled": l.cancelled_at is not None,
            "absence": l.absence.status if l.absence else None,
            "marks": [{"value": m.value, "work_type": m.work_type.name, "weight": str(m.work_type.weight),
                       "comment": m.comment} for m in l.pupil_marks],
        } for l in lessons],
    } for d, lessons in selectors.week(pupil, monday)]}


def _marks(pupil, request):
    terms, term = selectors.current_term(pupil, current_year())
    term = next((t for t in terms if str(t.pk) == request.query_params.get("term")), term)
    rows = selectors.marks_by_subject(pupil, term) if term else []
    return {"term": str(term) if term else None, "subjects": [{
        "subject": row["subject"].name,
        "marks": [{"date": m.lesson.date, "value": m.value, "work_type": m.work_type.name,
                   "weight": str(m.work_type.weight), "comment": m.comment} for m in row["marks"]],
        "average": str(row["average"]) if row["average"] is not None else None,
        "forecast": row["forecast"], "final": row["final"].value if row["final"] else None,
    } for row in rows]}


def _answer(request, pupil, page):
    if page == "week":
        try:
            day = date.fromisoformat(request.query_params.get("week", ""))
        except ValueError:
            day = date.today()
        data = _week(pupil, day)
    else:
        data = _marks(pupil, request)
    log_view(request, [pupil], f"api.diary.{page}")
    return Response(data)


WEEK = OpenApiParameter("week", str, description="any day of the week, YYYY-MM-DD")
TERM = OpenApiParameter("term", int, description="term id; the running term by default")


@extend_schema(parameters=[WEEK], responses=None)
@api_view(["GET"])
@permission_classes([Parent])
def child_week(request, slug, pupil_id):
    """A child's week: lessons, topics, homework, marks, absences."""
    with child(request, slug, pupil_id) as (_, pupil):
        return _answer(request, pupil, "week")


@extend_schema(parameters=[TERM], responses=None)
@api_view(["GET"])
@permission_classes([Parent])
def child_marks(request, slug, pupil_id):
    """A child's marks by subject for a term, with the weighted average and the forecast."""
    with child(request, slug, pupil_id) as (_, pupil):
        return _answer(request, pupil, "marks")


@extend_schema(parameters=[WEEK], responses=None)
@api_view(["GET"])
@permission_classes([Pupil])
def own_week(request):
    return _answer(request, own_pupil(request), "week")


@extend_schema(parameters=[TERM], responses=None)
@api_view(["GET"])
@permission_classes([Pupil])
def own_marks(request):
    return _answer(request, own_pupil(request), "marks")
