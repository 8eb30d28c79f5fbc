"""The diary for a mobile app: the same pages as data, with the same rules (a parent's own
children at the portal address; a pupil's own diary at the school's address)."""

from datetime import date, timedelta

from django.http import Http404
from django_tenants.utils import schema_context
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from accounts.access import api_audience
from accounts.models import Role
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.api import Id, body, query
from journal.selectors import current_year
from notifications.selectors import notifications_of
from notifications.services import mark_shown

from . import selectors
from .access import child, own_pupil, parent_school
from .services import post_message

Parent = api_audience("portal", {Role.PARENT})
Pupil = api_audience("school", {Role.PUPIL})


def _week(pupil, day):
    monday = day - timedelta(days=day.isoweekday() - 1)
    return {
        "monday": monday,
        "days": [
            {
                "date": d,
                "lessons": [
                    {
                        "id": lesson.pk,
                        "number": lesson.number,
                        "subject": lesson.subject.name,
                        "topic": lesson.topic,
                        "homework": "" if lesson.homework_none else lesson.homework,
                        "homework_files": [f.name for f in lesson.live_files],
                        "substitution": lesson.taught_by_id is not None,
                        "cancelled": lesson.cancelled_at is not None,
                        "absence": lesson.absence.status if lesson.absence else None,
                        "marks": [
                            {
                                "value": m.value,
                                "work_type": m.work_type.name,
                                "weight": str(m.work_type.weight),
                                "comment": m.comment,
                            }
                            for m in lesson.pupil_marks
                        ],
                    }
                    for lesson in lessons
                ],
            }
            for d, lessons in selectors.week(pupil, monday)
        ],
    }


# The answers' shapes, for the published schema (the views build plain dicts of the same shape;
# tests/test_api_fuzz.py checks every answer against them).


class MarkOut(serializers.Serializer):
    value = serializers.CharField()
    work_type = serializers.CharField()
    weight = serializers.CharField()
    comment = serializers.CharField(allow_blank=True)


class LessonOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    subject = serializers.CharField()
    topic = serializers.CharField(allow_blank=True)
    homework = serializers.CharField(allow_blank=True)
    homework_files = serializers.ListField(child=serializers.CharField())
    substitution = serializers.BooleanField()
    cancelled = serializers.BooleanField()
    absence = serializers.CharField(allow_null=True)
    marks = MarkOut(many=True)


class DayOut(serializers.Serializer):
    date = serializers.DateField()
    lessons = LessonOut(many=True)


class WeekOut(serializers.Serializer):
    monday = serializers.DateField()
    days = DayOut(many=True)


class DatedMarkOut(MarkOut):
    date = serializers.DateField()


class SubjectMarksOut(serializers.Serializer):
    subject = serializers.CharField()
    marks = DatedMarkOut(many=True)
    average = serializers.CharField(allow_null=True)
    forecast = serializers.CharField(allow_null=True)
    final = serializers.CharField(allow_null=True)


class MarksOut(serializers.Serializer):
    term = serializers.CharField(allow_null=True)
    subjects = SubjectMarksOut(many=True)


class NotificationOut(serializers.Serializer):
    school = serializers.CharField()
    pupil = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    email_sent = serializers.BooleanField()


class ThreadOut(serializers.Serializer):
    id = serializers.IntegerField()
    school = serializers.CharField()
    subject = serializers.CharField()
    pupil = serializers.IntegerField(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.IntegerField()


class MessageOut(serializers.Serializer):
    author = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachment = serializers.CharField(allow_null=True)


class ThreadWithMessagesOut(ThreadOut):
    messages = MessageOut(many=True)


class NotificationList(serializers.Serializer):
    results = NotificationOut(many=True)


class ThreadList(serializers.Serializer):
    results = ThreadOut(many=True)


class WeekQuery(serializers.Serializer):
    week = serializers.DateField(required=False, help_text="any day of the week")


class TermQuery(serializers.Serializer):
    term = Id(required=False, help_text="the running term by default")


def _marks(pupil, request):
    terms, term = selectors.current_term(pupil, current_year())
    wanted = query(TermQuery, request).get("term")
    term = next((t for t in terms if t.pk == wanted), term)
    rows = selectors.marks_by_subject(pupil, term) if term else []
    return {
        "term": str(term) if term else None,
        "subjects": [
            {
                "subject": row["subject"].name,
                "marks": [
                    {
                        "date": m.lesson.date,
                        "value": m.value,
                        "work_type": m.work_type.name,
                        "weight": str(m.work_type.weight),
                        "comment": m.comment,
                    }
                    for m in row["marks"]
                ],
                "average": str(row["average"]) if row["average"] is not None else None,
                "forecast": row["forecast"],
                "final": row["final"].value if row["final"] else None,
            }
            for row in rows
        ],
    }


def _answer(request, pupil, page):
    if page == "week":
        data = _week(pupil, query(WeekQuery, request).get("week") or date.today())
    else:
        data = _marks(pupil, request)
    log_view(request, [pupil], f"diary.{page}")  # the same names as the pages: a view is a view
    return Response(data)


@extend_schema(parameters=[WeekQuery], responses=WeekOut)
@api_view(["GET"])
@permission_classes([Parent])
def child_week(request, slug, pupil_id):
    """A child's week: lessons, topics, homework, marks, absences."""
    with child(request, slug, pupil_id) as (_, pupil):
        return _answer(request, pupil, "week")


@extend_schema(parameters=[TermQuery], responses=MarksOut)
@api_view(["GET"])
@permission_classes([Parent])
def child_marks(request, slug, pupil_id):
    """A child's marks by subject for a term, with the weighted average and the forecast."""
    with child(request, slug, pupil_id) as (_, pupil):
        return _answer(request, pupil, "marks")


@extend_schema(parameters=[WeekQuery], responses=WeekOut)
@api_view(["GET"])
@permission_classes([Pupil])
def own_week(request):
    return _answer(request, own_pupil(request), "week")


@extend_schema(parameters=[TermQuery], responses=MarksOut)
@api_view(["GET"])
@permission_classes([Pupil])
def own_marks(request):
    return _answer(request, own_pupil(request), "marks")


@extend_schema(responses=NotificationList)
@api_view(["GET"])
@permission_classes([Parent])
def notifications(request):
    """The newest notifications from every child's school (they become read)."""
    return Response(
        {
            "results": [
                {
                    "school": n.school.slug,
                    "pupil": n.pupil_id,
                    "kind": n.kind,
                    "text": n.text,
                    "created_at": n.created_at,
                    "email_sent": n.email_sent_at is not None,
                }
                for n in mark_shown(notifications_of(request.user))
            ]
        }
    )


def _thread_data(thread, slug):
    return {
        "id": thread.pk,
        "school": slug,
        "subject": thread.subject,
        "pupil": thread.pupil_id,
        "last_message_at": thread.last_message_at,
        "unread": thread.unread,
    }


@extend_schema(responses=ThreadList)
@api_view(["GET"])
@permission_classes([Parent])
def threads(request):
    """Conversations with the schools, with unread counts."""
    return Response({"results": [_thread_data(t, t.school.slug) for t in selectors.parent_threads(request.user)]})


class MessageInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


@extend_schema(request=MessageInput, responses=ThreadWithMessagesOut)
@api_view(["GET", "POST"])
@permission_classes([Parent])
def thread(request, slug, thread_id):
    """GET the messages of a conversation; POST `text` to answer."""
    school = parent_school(request, slug)
    with schema_context(school.schema_name):
        found = selectors.family_threads(request.user).filter(pk=thread_id).first()
        if found is None:
            raise Http404
        if request.method == "POST":
            text = body(MessageInput, request)["text"]
            post_message(found, school=school, by=request.user, text=text, ip=client_ip(request))
        messages, _ = selectors.thread_page(found, request.user)
        return Response(
            {
                **_thread_data(found, slug),
                "messages": [
                    {
                        "author": m.author.full_name,
                        "text": m.text,
                        "created_at": m.created_at,
                        "attachment": m.attachment_name or None,
                    }
                    for m in messages
                ],
            }
        )


class ChildSerializer(serializers.Serializer):
    pupil_id = serializers.IntegerField()
    full_name = serializers.CharField()
    class_name = serializers.CharField()
    school = serializers.CharField(source="school.short_name")
    school_slug = serializers.CharField(source="school.slug")


class Children(generics.ListAPIView):
    """A parent's children in every school (consent recorded)."""

    permission_classes = [Parent]
    serializer_class = ChildSerializer

    @extend_schema(operation_id="children_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.children_of(self.request.user)
