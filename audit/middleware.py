"""Refused attempts are written after the view, outside its transaction: the 404 that answers
them rolls back whatever the view wrote, never the record that someone tried."""

from django_tenants.utils import schema_context

from .models import AuditEntry


def record_refusal(request, **entry):
    request.refusals = [*getattr(request, "refusals", []), entry]


class RefusalsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for entry in getattr(request, "refusals", ()):
            with schema_context("public"):
                AuditEntry.objects.create(**entry)
        return response
