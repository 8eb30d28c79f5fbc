"""School set-up through the API (deputy and school admin), through the same services as the pages."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from groundwork.addresses import client_ip

from .. import models, services
from ..models import Subject, WorkType
from .common import DeputyWrites, IdFilter, SetupRoles


class SetupList(generics.ListCreateAPIView):
    """Lists are readable by the school's staff; POST creates through `create_with`."""

    permission_classes = [SetupRoles]
    create_with = None  # a journal.services function taking the validated fields

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = type(self).create_with(**self.arguments(data.validated_data), by=request.user, ip=client_ip(request))
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)

    def arguments(self, validated):
        return validated


class YearSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.AcademicYear
        fields = ["id", "name", "starts_on", "ends_on"]


class TermSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.Term
        fields = ["id", "year", "scheme", "number", "starts_on", "ends_on"]


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = models.Holiday
        fields = ["id", "year", "name", "starts_on", "ends_on"]


class GradeSchemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.GradeScheme
        fields = ["id", "year", "grade", "scheme"]


class SubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["id", "name", "short_name", "is_marked"]


class WorkTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkType
        fields = ["id", "name", "weight"]


class CurriculumSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.CurriculumItem
        fields = ["id", "grade", "subject", "hours_per_week", "is_marked"]


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:30"})
class ClockTime(serializers.TimeField):
    """A bell's time of day as a school writes it, "08:30" (OpenAPI's "time" wants a time zone)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class BellSerializer(serializers.ModelSerializer):
    starts_at = ClockTime()
    ends_at = ClockTime()

    class Meta:
        model = models.Bell
        fields = ["id", "number", "starts_at", "ends_at"]


class LoadSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.TeachingLoad
        fields = ["id", "teacher", "subject", "school_class", "subgroup", "hours_per_week"]


class SlotSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.TimetableSlot
        fields = [
            "id",
            "weekday",
            "number",
            "school_class",
            "subgroup",
            "subject",
            "teacher",
            "room",
            "valid_from",
            "valid_to",
        ]
        read_only_fields = ["valid_to"]


class ReopeningSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.Reopening
        fields = ["id", "term", "school_class", "subject", "reason", "until", "reopened_by", "reopened_at"]
        read_only_fields = ["reopened_by"]


class YearList(SetupList):
    queryset = models.AcademicYear.objects.all()
    serializer_class = YearSerializer
    create_with = staticmethod(services.create_year)


class TermList(SetupList):
    queryset = models.Term.objects.all()
    serializer_class = TermSerializer
    create_with = staticmethod(services.add_term)


class HolidayList(SetupList):
    queryset = models.Holiday.objects.all()
    serializer_class = HolidaySerializer
    create_with = staticmethod(services.add_holiday)


class GradeSchemeList(SetupList):
    queryset = models.GradeScheme.objects.order_by("year", "grade")
    serializer_class = GradeSchemeSerializer
    create_with = staticmethod(services.set_grade_scheme)


class SubjectList(SetupList):
    queryset = Subject.objects.all()
    serializer_class = SubjectSerializer
    create_with = staticmethod(services.create_subject)


class WorkTypeList(SetupList):
    queryset = WorkType.objects.all()
    serializer_class = WorkTypeSerializer
    create_with = staticmethod(services.create_work_type)


class CurriculumList(SetupList):
    queryset = models.CurriculumItem.objects.all()
    serializer_class = CurriculumSerializer
    create_with = staticmethod(services.set_curriculum)


class BellList(SetupList):
    queryset = models.Bell.objects.all()
    serializer_class = BellSerializer
    create_with = staticmethod(services.set_bell)


class LoadList(SetupList):
    queryset = models.TeachingLoad.objects.order_by("school_class", "subject")
    serializer_class = LoadSerializer
    create_with = staticmethod(services.assign_load)

    def arguments(self, validated):
        return {**validated, "school": self.request.school}


class TimetableFilter(django_filters.FilterSet):
    school_class = IdFilter()
    teacher = IdFilter()


class TimetableList(SetupList):
    """The active timetable; filter by `school_class` or `teacher`."""

    queryset = models.TimetableSlot.objects.filter(valid_to__isnull=True).order_by("school_class", "weekday", "number")
    serializer_class = SlotSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TimetableFilter
    create_with = staticmethod(services.add_slot)

    def arguments(self, validated):
        validated.pop("valid_to", None)
        return {**validated, "school": self.request.school}


class ReopeningList(SetupList):
    queryset = models.Reopening.objects.order_by("-reopened_at")
    serializer_class = ReopeningSerializer
    create_with = staticmethod(services.reopen)
    permission_classes = [DeputyWrites]
