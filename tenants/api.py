from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from accounts.access import api_audience
from accounts.models import DISTRICT_ROLES
from groundwork.api import query

from .models import School
from .selectors import schools_for_console

DistrictStaff = api_audience("portal", DISTRICT_ROLES)


class SchoolSerializer(serializers.ModelSerializer):
    host = serializers.CharField()
    classes = serializers.IntegerField(source="figures.classes", default=None, allow_null=True)
    pupils = serializers.IntegerField(source="figures.pupils", default=None, allow_null=True)
    staff = serializers.IntegerField(source="figures.staff", default=None, allow_null=True)
    pupils_with_parent = serializers.IntegerField(source="figures.pupils_with_parent", default=None, allow_null=True)

    class Meta:
        model = School
        fields = [
            "slug",
            "name",
            "short_name",
            "status",
            "host",
            "created_at",
            "classes",
            "pupils",
            "staff",
            "pupils_with_parent",
        ]


class SchoolQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=School.Status.choices, required=False)


class SchoolList(generics.ListAPIView):
    """Schools of the district with their aggregate figures (no personal data)."""

    permission_classes = [DistrictStaff]
    serializer_class = SchoolSerializer

    @extend_schema(parameters=[SchoolQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return schools_for_console(query(SchoolQuery, self.request).get("status"))
