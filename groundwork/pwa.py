"""The web app's service worker, at the root of every address (a worker's scope is its own folder);
open to anyone (its audience is declared where the URL map names it)."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse


def service_worker(request):
    path = finders.find("sw.js") or settings.STATIC_ROOT / "sw.js"
    with open(path, encoding="utf-8") as f:
        response = HttpResponse(f.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # a new release's worker is picked up at once
    return response
