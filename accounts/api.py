from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from groundwork.addresses import client_ip
from groundwork.api import body

from . import services
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


class PushKeys(serializers.Serializer):
    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=50)


class PushSubscriptionInput(serializers.Serializer):
    """What the browser's PushManager.subscribe() gives (PushSubscription.toJSON())."""

    endpoint = serializers.CharField(max_length=1000)
    keys = PushKeys(required=False)


@extend_schema(request=PushSubscriptionInput, responses={204: None})
@api_view(["POST", "DELETE"])
@permission_classes([api_audience("any", {SIGNED_IN}, write={SIGNED_IN})])
def push_subscriptions(request):
    """POST: this device takes push notifications for the signed-in person; DELETE: no longer."""
    d = body(PushSubscriptionInput, request)
    if request.method == "DELETE":
        services.unsubscribe_push(request.user, endpoint=d["endpoint"], ip=client_ip(request))
    else:
        keys = d.get("keys") or {}
        services.subscribe_push(
            request.user,
            endpoint=d["endpoint"],
            p256dh=keys.get("p256dh"),
            auth=keys.get("auth"),
            session_key=request.session.session_key,
            ip=client_ip(request),
        )
    return Response(status=204)
