from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from .access import SIGNED_IN, api_audience


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text="Roles at this address")
    school = serializers.CharField(allow_null=True, help_text="The school of this address; null at the portal")


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([api_audience("any", {SIGNED_IN})])
def me(request):
    """The signed-in person and the roles they hold at this address."""
    school = request.school.slug if request.school else None
    data = {
        "id": request.user.pk,
        "full_name": request.user.full_name,
        "roles": sorted(request.roles),
        "school": school,
    }
    return Response(MeSerializer(data).data)
