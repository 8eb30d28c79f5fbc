"""Refused attempts are written after the view, outside its transaction: the 404 that answers
them rolls back whatever the view wrote, never the record that someone tried."""

from django_tenants.utils import schema_context

from groundwork.addresses import client_ip

from .models import AuditEntry


def record_refusal(request, **entry):
    request.refusals = [*getattr(request, "refusals", []), entry]


REFUSED = (403, 404, 429)


class RefusalsMiddleware:
    """Every refusal is written down: a signed-in person refused an object or a page (the same
    404 for "not yours" and "not there", a 403), and anyone held back by a rate or a limit (429).
    A view that knows more (whose child) records its own entry instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user  # kept: a person signed out on the way (no role at this address) is still named
        response = self.get_response(request)
        entries = getattr(request, "refusals", None)
        signed_in = user.is_authenticated
        if not entries and response.status_code in REFUSED and (signed_in or response.status_code == 429):
            entries = [
                dict(
                    actor=user if signed_in else None,
                    ip=client_ip(request),
                    action="request.refused",
                    target_type="",
                    new={"method": request.method, "path": request.path[:300], "status": response.status_code},
                )
            ]
        for entry in entries or ():
            with schema_context("public"):
                AuditEntry.objects.create(**entry)
        return response
