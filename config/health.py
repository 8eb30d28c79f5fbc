"""Probes for the load balancer. They carry no school host name, so they are answered
before the school is looked up and never touch a school schema."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_ok():
    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
    except Exception:
        return False


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "alive"})
        if request.path == "/readyz":
            connection.set_schema_to_public()
            # Ready is the database: with Redis down people sign in, marks are saved and their
            # notices wait in the outbox (the sweep sends them later), so the pod stays in service
            # and says it is degraded.
            checks = {"database": _database_ok(), "redis": _redis_ok()}
            ready = checks["database"]
            status = ("ready" if checks["redis"] else "degraded") if ready else "not ready"
            return JsonResponse({"status": status, **checks}, status=200 if ready else 503)
        return self.get_response(request)
