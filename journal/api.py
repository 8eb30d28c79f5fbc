from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from accounts.models import Role

from . import selectors
from .access import WHOLE_SCHOOL, access_class


class SchoolStaff(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.school is not None and bool(request.roles & WHOLE_SCHOOL)


class Parent(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.school is None and Role.PARENT in request.roles


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


class ChildSerializer(serializers.Serializer):
    pupil_id = serializers.IntegerField()
    full_name = serializers.CharField()
    class_name = serializers.CharField()
    school = serializers.CharField(source="school.short_name")
    school_slug = serializers.CharField(source="school.slug")


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
        return selectors.class_roster(access_class(self.request, self.kwargs["class_id"]))


class Children(generics.ListAPIView):
    """A parent's children in every school (consent recorded)."""

    permission_classes = [Parent]
    serializer_class = ChildSerializer

    @extend_schema(operation_id="children_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.children_of(self.request.user)
