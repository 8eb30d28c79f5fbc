"""Classes and their pupils; a parent's children; transfers and withdrawals by order."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.api import Id, body

from .. import models, selectors, services
from ..access import (
    access_class_to_read,
)
from ..models import Pupil
from .common import SchoolStaff, SetupRoles, get_or_404


class SchoolClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    grade = serializers.IntegerField()
    letter = serializers.CharField()
    class_teacher = serializers.CharField(source="class_teacher.full_name", allow_null=True, default=None)
    pupil_count = serializers.IntegerField()


class PupilSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    birth_date = serializers.DateField()
    has_account = serializers.SerializerMethodField()
    parent_count = serializers.IntegerField()

    def get_has_account(self, pupil) -> bool:
        return pupil.user_id is not None


class ClassList(generics.ListAPIView):
    """Classes of this school."""

    permission_classes = [SchoolStaff]
    serializer_class = SchoolClassSerializer

    def get_queryset(self):
        return selectors.classes_with_counts()


class ClassPupils(generics.ListAPIView):
    """Enrolled pupils of one class of this school."""

    permission_classes = [SchoolStaff]
    serializer_class = PupilSerializer

    def get_queryset(self):
        roster = selectors.class_roster(access_class_to_read(self.request, self.kwargs["class_id"]))
        log_view(self.request, roster)
        return roster


class MoveInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["transfer", "withdraw"])
    to_class = Id(required=False)
    on = serializers.DateField()
    order_number = serializers.CharField(max_length=50)
    order_date = serializers.DateField()


class MoveResult(serializers.Serializer):
    id = serializers.IntegerField()
    school_class = serializers.IntegerField(source="school_class_id")
    withdrawn_on = serializers.DateField(allow_null=True)


@extend_schema(request=MoveInput, responses=MoveResult)
@api_view(["POST"])
@permission_classes([SetupRoles])
def pupil_move(request, pupil_id):
    """Transfers a pupil to another class or records a withdrawal, by order."""
    pupil = get_or_404(Pupil.objects.enrolled(), pupil_id)
    d = body(MoveInput, request)
    if d["kind"] == "transfer":
        if "to_class" not in d:
            raise ValidationError({"to_class": _("Укажите класс, в который переводится обучающийся.")})
        services.transfer_pupil(
            pupil,
            to_class=get_or_404(models.SchoolClass, d["to_class"]),
            on=d["on"],
            order_number=d["order_number"],
            order_date=d["order_date"],
            by=request.user,
            ip=client_ip(request),
        )
    else:
        services.withdraw_pupil(
            pupil,
            on=d["on"],
            order_number=d["order_number"],
            order_date=d["order_date"],
            by=request.user,
            ip=client_ip(request),
        )
    return Response(MoveResult(pupil).data)
