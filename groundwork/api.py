"""API errors are structured: {"error": {"code": ..., "message": ..., "fields": {name: [messages]}}},
and the published schema says so for every operation."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

ERROR_STATUSES = ("400", "403", "404", "405", "409", "413", "415", "429")
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        }
    },
}


MAX_ID = 2**63 - 1


def posted_id(value):
    """An id chosen in a form or a query: a malformed or out-of-range one is no id (0 finds
    nothing), never a ValueError or a bigint overflow in PostgreSQL."""
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) <= MAX_ID else 0


def object_id(value):
    """A malformed or out-of-range id finds nothing, like a missing one."""
    found = posted_id(value)
    if not found:
        raise Http404
    return found


def Id(**kwargs):
    """An object's id as the API takes it: a positive 64-bit integer (anything else is a 400)."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def query(serializer_class, request):
    """The query parameters, checked by their serializer: wrong ones are a 400 in the error shape."""
    found = serializer_class(data=request.query_params)
    found.is_valid(raise_exception=True)
    return found.validated_data


def body(serializer_class, request):
    """The request's body, checked by its serializer."""
    found = serializer_class(data=request.data)
    found.is_valid(raise_exception=True)
    return found.validated_data


def messages_of(detail):
    """Every message in a DRF error detail (a string, a list, a dict of nested lists) as plain strings."""
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in messages_of(value)]
    if isinstance(detail, (list, tuple)):
        return [m for value in detail for m in messages_of(value)]
    return [str(detail)]


def error_body(code, message, fields=None):
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # A refusal from a service (plain Django) answers like a serializer's: a structured 400.
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    if isinstance(exc, ParseError):
        exc = ParseError(_("Тело запроса не читается как JSON в UTF-8."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(detail, dict) and "detail" not in detail:
        fields = {str(name): messages_of(value) for name, value in detail.items()}
        message = " ".join(m for messages in fields.values() for m in messages)
    else:
        fields, message = {}, " ".join(messages_of(detail.get("detail") if isinstance(detail, dict) else detail))
    code = getattr(exc, "default_code", None) or {404: "not_found", 403: "permission_denied"}.get(
        response.status_code, "error"
    )
    response.data = error_body(code, message or _("Некорректные данные."), fields)
    return response


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing: every operation may answer with the error shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {
        "description": _("Ошибка"),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status in ERROR_STATUSES:
                operation["responses"].setdefault(status, error)
    return result


class Pages(PageNumberPagination):
    """DRF's numbered pages of PAGE_SIZE. A first page that holds the whole list (most lists: a
    school's bells, a lesson's marks) is counted from its rows: one statement, not two."""

    def paginate_queryset(self, queryset, request, view=None):
        size = self.get_page_size(request)
        if not size or request.query_params.get(self.page_query_param, "1") != "1":
            return super().paginate_queryset(queryset, request, view)
        rows = list(queryset[: size + 1])
        if len(rows) > size:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        paginator = self.django_paginator_class(rows, size)
        self.page = paginator.page(1)
        return rows
