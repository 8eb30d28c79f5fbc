"""Requests that cannot be good are refused before a view reads them: too big to be any form of
ours (checked on the Content-Length, before the body is read), or carrying a NUL character, which
no text of ours holds and PostgreSQL cannot store."""

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import refuse


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return refuse(
                request,
                413,
                "too_large",
                _("Запрос больше %(value)s МБ: загрузите файл поменьше.")
                % {"value": settings.MAX_REQUEST_BYTES // (1024 * 1024)},
            )
        if has_nul(request):
            return refuse(request, 400, "nul_character", _("В данных есть недопустимый символ (NUL)."))
        return self.get_response(request)


def has_nul(request):
    if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in [key, *values]):
        return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        fields = [value for key, values in request.POST.lists() for value in [key, *values]]
        names = [upload.name for uploads in request.FILES.lists() for upload in uploads[1]]
        return any("\x00" in text for text in fields + names)
    return False
