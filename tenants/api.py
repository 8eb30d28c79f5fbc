from rest_framework import generics, serializers

from accounts.access import api_audience
from accounts.models import DISTRICT_ROLES

from .models import School
from .selectors import schools_for_console


DistrictStaff = api_audience("portal", DISTRICT_ROLES)


class SchoolSerializer(serializers.ModelSerializer):
    host = serializers.CharField()
    classes = serializers.IntegerField(source="figures.classes", default=None)
    pupils = serializers.IntegerField(source="figures.pupils", default=None)
    staff = serializers.IntegerField(source="figures.staff", default=None)
    pupils_with_parent = serializers.IntegerField(source="figures.pupils_with_parent", default=None)

    class Meta:
        model = School
        fields = ["slug", "name", "short_name", "status", "host", "created_at",
                  "classes", "pupils", "staff", "pupils_with_parent"]


class SchoolList(generics.ListAPIView):
    """Schools of the district with their aggregate figures (no personal data)."""

    permission_classes = [DistrictStaff]
    serializer_class = SchoolSerializer

    def get_queryset(self):
        status = self.request.query_params.get("status")
        return schools_for_console(status if status in School.Status.values else None)
