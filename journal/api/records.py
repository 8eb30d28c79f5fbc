"""The teacher's record through the API: marks, their history, lessons, attendance, substitutions, the journal grid."""

import uuid

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import User
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.api import Id, body, query

from .. import rulebook, selectors, services
from ..access import (
    access_class_to_manage_families,
    access_journal_to_read,
    access_lesson_to_read,
    access_lesson_to_take_over,
    access_lesson_to_write,
    access_mark_to_read,
    access_mark_to_write,
)
from ..models import Attendance, Lesson, Mark, PlannedTopic, Pupil, Term, WorkType
from .common import DeputyWrites, IdFilter, Teaching, get_or_404


class MarkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    lesson = Id(source="lesson_id")
    pupil = Id(source="pupil_id")
    value = serializers.CharField(max_length=2)
    work_type = Id(source="work_type_id")
    work_type_name = serializers.CharField(source="work_type.name", read_only=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)
    entered_at = serializers.DateTimeField(read_only=True)
    changed_at = serializers.DateTimeField(read_only=True)
    deleted = serializers.SerializerMethodField()

    def get_deleted(self, mark) -> bool:
        return mark.deleted_at is not None


def _with_average(mark):
    data = MarkSerializer(mark).data
    lesson = mark.lesson
    marks = (
        Mark.objects.live()
        .filter(
            pupil=mark.pupil_id,
            lesson__school_class=lesson.school_class_id,
            lesson__subject=lesson.subject_id,
            lesson__term=lesson.term_id,
        )
        .select_related("work_type")
    )
    average = selectors.weighted_average(marks)
    data["average"] = str(average) if average is not None else None
    data["suggested"] = selectors.suggested_final(average, selectors.Rules.get())
    return data


class MarksQuery(serializers.Serializer):
    lesson = Id(required=False)
    school_class = Id(required=False)
    subject = Id(required=False)
    term = Id(required=False)
    pupil = Id(required=False)

    def validate(self, data):
        if "lesson" not in data and not {"school_class", "subject", "term"} <= set(data):
            raise serializers.ValidationError(
                {"lesson": _("Укажите урок (lesson) или журнал (school_class, subject, term).")}
            )
        return data


class MarkPatch(serializers.Serializer):
    value = serializers.CharField(max_length=2, required=False)
    work_type = Id(required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500)


class MarkPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MarkSerializer(many=True)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    description="a UUID per mark typed: the request sent again with it returns the mark it made, not a second one",
)


@extend_schema(methods=["GET"], parameters=[MarksQuery], responses=MarkPage)
@extend_schema(methods=["POST"], request=MarkSerializer, parameters=[IDEMPOTENCY_KEY], responses={201: MarkSerializer})
@api_view(["GET", "POST"])
@permission_classes([Teaching])
def marks(request):
    """GET: the marks of one lesson (`lesson`) or of a journal (`school_class`, `subject`, `term`).
    POST: a new mark; the response carries the pupil's new weighted average and forecast."""
    if request.method == "POST":
        d = body(MarkSerializer, request)
        key = request.headers.get("Idempotency-Key")
        try:
            key = uuid.UUID(key) if key is not None else None
        except ValueError:
            raise ValidationError({"Idempotency-Key": _("Ключ запроса — UUID, например 3f1c…")}) from None
        lesson = access_lesson_to_write(request, d["lesson_id"])
        pupil = get_or_404(Pupil, d["pupil_id"])
        work_type = get_or_404(WorkType, d["work_type_id"])
        mark = services.add_mark(
            lesson,
            pupil=pupil,
            value=d["value"],
            work_type=work_type,
            comment=d.get("comment", ""),
            by=request.user,
            ip=client_ip(request),
            request_key=key,
        )
        return Response(_with_average(mark), status=status.HTTP_201_CREATED)
    params = query(MarksQuery, request)
    found = Mark.objects.select_related("work_type").order_by("lesson__date", "entered_at", "id")
    if "lesson" in params:
        found = found.filter(lesson=access_lesson_to_read(request, params["lesson"]))
    else:
        school_class, subject = access_journal_to_read(request, params["school_class"], params["subject"])
        found = found.filter(
            lesson__school_class=school_class, lesson__subject=subject, lesson__term=get_or_404(Term, params["term"])
        )
    if "pupil" in params:
        found = found.filter(pupil=params["pupil"])
    paginator = generics.GenericAPIView.pagination_class()
    page = paginator.paginate_queryset(found, request)
    log_view(request, {mark.pupil_id for mark in page})
    return paginator.get_paginated_response(MarkSerializer(page, many=True).data)


@extend_schema(request=MarkPatch, responses=MarkSerializer)
@api_view(["GET", "PATCH", "DELETE"])
@permission_classes([Teaching])
def mark_detail(request, mark_id):
    """PATCH changes a mark's value, work type or comment; DELETE marks it deleted (restorable)."""
    if request.method in permissions.SAFE_METHODS:
        return Response(_with_average(access_mark_to_read(request, mark_id)))
    mark = access_mark_to_write(request, mark_id)
    by, ip = request.user, client_ip(request)
    if request.method == "PATCH":
        change = body(MarkPatch, request)
        work_type = get_or_404(WorkType, change["work_type"]) if "work_type" in change else None
        mark = services.change_mark(
            mark, value=change.get("value"), work_type=work_type, comment=change.get("comment"), by=by, ip=ip
        )
    elif request.method == "DELETE":
        mark = services.delete_mark(mark, by=by, ip=ip)
    return Response(_with_average(mark))


@extend_schema(request=None, responses=MarkSerializer)
@api_view(["POST"])
@permission_classes([Teaching])
def mark_restore(request, mark_id):
    mark = access_mark_to_write(request, mark_id)
    return Response(_with_average(services.restore_mark(mark, by=request.user, ip=client_ip(request))))


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField(format="%d.%m.%Y %H:%M:%S")
    actor = serializers.CharField(source="actor.short_name", default="—")
    ip = serializers.CharField(allow_null=True)
    action = serializers.CharField(source="action_label")
    old = serializers.CharField(source="old_text")
    new = serializers.CharField(source="new_text")
    mark = serializers.SerializerMethodField()
    restorable = serializers.SerializerMethodField()

    def get_mark(self, entry) -> int | None:
        return entry.target_id if entry.target_type == "journal.mark" else None

    def get_restorable(self, entry) -> bool:
        return entry.action == "mark.deleted" and entry.target_id in self.context["deleted"]


class CellQuery(serializers.Serializer):
    lesson = Id()
    pupil = Id()


class HistoryPage(serializers.Serializer):
    results = HistorySerializer(many=True)


@extend_schema(parameters=[CellQuery], responses=HistoryPage)
@api_view(["GET"])
@permission_classes([Teaching])
def history(request):
    """Every change to one pupil's marks and attendance in one lesson: who, when, from where, old and new."""
    params = query(CellQuery, request)
    lesson = access_lesson_to_read(request, params["lesson"])
    pupil = get_or_404(Pupil, params["pupil"])
    entries = selectors.cell_history(lesson, pupil)
    log_view(request, [pupil])
    deleted = set(
        Mark.objects.filter(lesson=lesson, pupil=pupil, deleted_at__isnull=False).values_list("pk", flat=True)
    )
    results = HistorySerializer(entries, many=True, context={"deleted": deleted}).data
    if not rulebook.can_read_cell_history_addresses(request.user, request.roles, lesson):
        for entry in results:
            entry["ip"] = None
    return Response({"results": results})


class LessonSerializer(serializers.ModelSerializer):
    school_class = serializers.CharField(source="school_class.__str__", read_only=True)
    subject = serializers.CharField(source="subject.name", read_only=True)
    substitution_reason = serializers.ChoiceField(
        choices=Lesson.SubstitutionReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Lesson
        fields = [
            "id",
            "date",
            "number",
            "school_class",
            "school_class_id",
            "subject",
            "subject_id",
            "subgroup_id",
            "term_id",
            "teacher_id",
            "taught_by_id",
            "substitution_recorded_at",
            "substitution_reason",
            "cancelled_at",
            "topic",
            "planned_topic",
            "kind",
            "homework",
            "homework_none",
            "topic_entered_at",
            "homework_entered_at",
            "attendance_taken_at",
        ]
        read_only_fields = [f for f in fields if f not in ("topic", "planned_topic", "homework", "homework_none")]


class LessonFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    school_class = IdFilter()
    subject = IdFilter()
    mine = django_filters.BooleanFilter(method="taught_by_me", help_text="only the lessons I teach")

    def taught_by_me(self, lessons, name, value):
        user = self.request.user
        return (
            lessons.filter(Q(teacher=user, taught_by__isnull=True) | Q(taught_by=user) | Q(kept_by=user))
            if value
            else lessons
        )


class LessonList(generics.ListAPIView):
    """Lessons the person may read."""

    permission_classes = [Teaching]
    serializer_class = LessonSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LessonFilter

    def get_queryset(self):
        return (
            Lesson.objects.select_related("school_class", "subject")
            .order_by("date", "number")
            .filter(rulebook.lessons_readable_by(self.request.user, self.request.roles))
        )


class LessonPatch(serializers.Serializer):
    topic = serializers.CharField(required=False, allow_blank=True, max_length=500)
    planned_topic = Id(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Lesson.Kind.choices, required=False)
    homework = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    homework_none = serializers.BooleanField(required=False)


@extend_schema(request=LessonPatch, responses=LessonSerializer)
@api_view(["GET", "PATCH"])
@permission_classes([Teaching])
def lesson_detail(request, lesson_id):
    """PATCH `topic` (or `planned_topic`), `kind` and `homework` (or `homework_none`): all of it or, on a
    refusal, none of it (the request is one transaction)."""
    if request.method in permissions.SAFE_METHODS:
        return Response(LessonSerializer(access_lesson_to_read(request, lesson_id)).data)
    lesson = access_lesson_to_write(request, lesson_id)
    change = body(LessonPatch, request)
    by, ip = request.user, client_ip(request)
    if "topic" in change or "planned_topic" in change:
        planned = (
            get_or_404(PlannedTopic.objects.select_related("plan"), change["planned_topic"])
            if change.get("planned_topic")
            else None
        )
        services.set_topic(lesson, topic=change.get("topic", ""), planned_topic=planned, by=by, ip=ip)
    if "kind" in change:
        services.set_lesson_kind(lesson, kind=change["kind"], by=by, ip=ip)
    if "homework" in change or "homework_none" in change:
        services.set_homework(
            lesson, text=change.get("homework", ""), none=change.get("homework_none", False), by=by, ip=ip
        )
    lesson.refresh_from_db()
    return Response(LessonSerializer(lesson).data)


class AttendanceInput(serializers.Serializer):
    absent = serializers.ListField(child=Id(), default=list, max_length=100)
    late = serializers.ListField(child=Id(), default=list, max_length=100)


class OnePupilAttendanceInput(serializers.Serializer):
    pupil = Id()
    status = serializers.ChoiceField(choices=["absent", "late", "present"])


@extend_schema(methods=["PUT"], request=AttendanceInput, responses=LessonSerializer)
@extend_schema(methods=["PATCH"], request=OnePupilAttendanceInput, responses=LessonSerializer)
@api_view(["PUT", "PATCH"])
@permission_classes([Teaching])
def lesson_attendance(request, lesson_id):
    """PUT: the whole lesson's attendance (empty lists record "all present"); PATCH: one pupil's,
    the others' kept (the grid's «н»)."""
    lesson = access_lesson_to_write(request, lesson_id)
    if request.method == "PATCH":
        d = body(OnePupilAttendanceInput, request)
        pupil = Pupil.objects.filter(pk=d["pupil"]).first()
        if pupil is None:
            raise ValidationError({"pupil": _("Такого обучающегося нет.")})
        services.set_attendance_of(lesson, pupil, d["status"], by=request.user, ip=client_ip(request))
        lesson.refresh_from_db()
        return Response(LessonSerializer(lesson).data)
    d = body(AttendanceInput, request)
    wanted = set(d["absent"]) | set(d["late"])
    pupils = {p.pk: p for p in Pupil.objects.filter(pk__in=wanted)}
    if set(pupils) != wanted:
        raise ValidationError({"absent": _("Такого обучающегося нет.")})
    services.take_attendance(
        lesson,
        absent=[pupils[pk] for pk in d["absent"]],
        late=[pupils[pk] for pk in d["late"]],
        by=request.user,
        ip=client_ip(request),
    )
    lesson.refresh_from_db()
    return Response(LessonSerializer(lesson).data)


@extend_schema(request=None, responses=LessonSerializer)
@api_view(["POST"])
@permission_classes([Teaching])
def lesson_substitute(request, lesson_id):
    """The caller takes over a colleague's lesson of today that nobody has written to yet;
    the deputy and the timetabled teacher are told. Other substitutions the deputy assigns."""
    lesson = access_lesson_to_take_over(request, lesson_id)
    lesson = services.take_as_substitute(lesson, school=request.school, by=request.user, ip=client_ip(request))
    return Response(LessonSerializer(lesson).data)


class SubstitutionInput(serializers.Serializer):
    lesson = Id()
    teacher = Id()
    reason = serializers.ChoiceField(
        choices=[c for c in Lesson.SubstitutionReason.values if c != Lesson.SubstitutionReason.ON_THE_DAY]
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DayQuery(serializers.Serializer):
    date = serializers.DateField(required=False)


@extend_schema(methods=["GET"], parameters=[DayQuery], responses=LessonSerializer(many=True))
@extend_schema(methods=["POST"], request=SubstitutionInput, responses={201: LessonSerializer})
@api_view(["GET", "POST"])
@permission_classes([DeputyWrites])
def substitutions(request):
    """GET: the substitutions of a day (`date`, default today). POST: the deputy assigns who
    teaches a lesson instead of its timetabled teacher, with a reason; both teachers are told."""
    if request.method == "POST":
        d = body(SubstitutionInput, request)
        lesson = get_or_404(Lesson, d["lesson"])
        teacher = get_or_404(User, d["teacher"])
        lesson = services.assign_substitution(
            lesson,
            school=request.school,
            teacher=teacher,
            reason=d["reason"],
            note=d["note"],
            by=request.user,
            ip=client_ip(request),
        )
        return Response(LessonSerializer(lesson).data, status=status.HTTP_201_CREATED)
    day = query(DayQuery, request).get("date") or timezone.localdate()
    return Response(LessonSerializer(selectors.day_lessons(day).filter(taught_by__isnull=False), many=True).data)


class ReasonInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[c for c in Attendance.Reason.values if c])


@extend_schema(request=ReasonInput, responses=None)
@api_view(["POST"])
@permission_classes([Teaching])
def attendance_reason(request, attendance_id):
    """The class teacher records the reason of an absence."""
    entry = get_or_404(Attendance.objects.select_related("pupil"), attendance_id)
    access_class_to_manage_families(request, entry.pupil.school_class_id)
    d = body(ReasonInput, request)
    services.set_absence_reason(entry, reason=d["reason"], by=request.user, ip=client_ip(request))
    return Response({"id": entry.pk, "reason": d["reason"]})


class JournalQuery(serializers.Serializer):
    school_class = Id()
    subject = Id()
    term = Id()


class GridLessonOut(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    number = serializers.IntegerField()
    topic = serializers.CharField(allow_blank=True)


class GridCellOut(serializers.Serializer):
    lesson = serializers.IntegerField()
    marks = serializers.ListField(child=serializers.CharField())
    attendance = serializers.CharField(allow_null=True)


class GridRowOut(serializers.Serializer):
    pupil = serializers.IntegerField()
    full_name = serializers.CharField()
    average = serializers.CharField(allow_null=True)
    suggested = serializers.CharField(allow_null=True)
    final = serializers.CharField(allow_null=True)
    cells = GridCellOut(many=True)


class GridOut(serializers.Serializer):
    """The shape of the journal grid's answer (built as plain data by the view)."""

    lessons = GridLessonOut(many=True)
    rows = GridRowOut(many=True)


@extend_schema(parameters=[JournalQuery], responses=GridOut)
@api_view(["GET"])
@permission_classes([Teaching])
def journal(request):
    """The journal grid of `school_class` × `subject` × `term`, as the page shows it."""
    params = query(JournalQuery, request)
    school_class, subject = access_journal_to_read(request, params["school_class"], params["subject"])
    grid = selectors.journal_grid(school_class, subject, get_or_404(Term, params["term"]))
    log_view(request, [row["pupil"] for row in grid["rows"]])
    return Response(
        {
            "lessons": [
                {"id": lesson.pk, "date": lesson.date, "number": lesson.number, "topic": lesson.topic}
                for lesson in grid["lessons"]
            ],
            "rows": [
                {
                    "pupil": row["pupil"].pk,
                    "full_name": row["pupil"].full_name,
                    "average": str(row["average"]) if row["average"] is not None else None,
                    "suggested": row["suggested"],
                    "final": row["final"].value if row["final"] else None,
                    "cells": [
                        {
                            "lesson": cell["lesson"].pk,
                            "marks": [m.value for m in cell["marks"]],
                            "attendance": cell["attendance"].status if cell["attendance"] else None,
                        }
                        for cell in row["cells"]
                    ],
                }
                for row in grid["rows"]
            ],
        }
    )
