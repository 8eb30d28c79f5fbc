"""API errors are structured: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # A refusal from a service (plain Django) answers like a serializer's: a structured 400.
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = detail if isinstance(detail, dict) and "detail" not in detail else {}
    message = detail.get("detail") if isinstance(detail, dict) else detail
    code = getattr(exc, "default_code", None) or {404: "not_found", 403: "permission_denied"}.get(
        response.status_code, "error"
    )
    response.data = {
        "error": {
            "code": code,
            "message": str(message or "Некорректные данные"),
            "fields": fields,
        }
    }
    return response
