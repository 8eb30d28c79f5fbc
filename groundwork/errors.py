"""Refusals from services, said to a person: on a page as one line, or beside the form's fields;
and the site's 404 and 500, which the API answers in its own error shape."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from .api import error_body


def explain(error):
    """A ValidationError's (or PermissionDenied's) messages as one line."""
    return " ".join(getattr(error, "messages", [str(error)]))


def add_form_errors(form, error):
    """Puts a service's ValidationError beside the fields it names (the rest on the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def explain_form(form):
    """An invalid form's errors as lines "Field: message", for a refusal on a page."""
    return [
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
        for f, e in form.errors.items()
    ]


def not_found(request, exception=None):
    """404: the API answers in its error shape, pages with the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Не найдено.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", _("Ошибка сервера. Мы уже знаем о ней.")), status=500)
    return defaults.server_error(request)


def refuse(request, status, code, message, template="bad_request.html"):
    """A request refused before its view: the API's error shape, or a page saying why."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, template, {"message": message}, status=status)
