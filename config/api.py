"""API errors are structured: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = detail if isinstance(detail, dict) and "detail" not in detail else {}
    message = detail.get("detail") if isinstance(detail, dict) else detail
    response.data = {
        "error": {
            "code": getattr(exc, "default_code", "error"),
            "message": str(message or "Некорректные данные"),
            "fields": fields,
        }
    }
    return response
