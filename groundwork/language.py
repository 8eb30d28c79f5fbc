"""Russian unless the person chose English with the switch at the foot of every page.
The browser's Accept-Language is not consulted: the journal is a Russian school document."""

from django.conf import settings
from django.utils import translation


def in_russian():
    """For what is written for someone other than the reader (a notice to a family or a colleague,
    a printed document): the product's language, Russian, whatever language the reader's page is in."""
    return translation.override(settings.LANGUAGE_CODE)


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.known = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.known else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Only for this request: the thread's next work (a task run eagerly, the next request)
        # starts in the default language again.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
