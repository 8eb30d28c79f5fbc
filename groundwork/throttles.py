"""Request rates, by DRF's throttles (the same classes serve the API and the sign-in and
invitation pages). Counters live in the installation-wide cache, not a school's, so spreading
guesses over many schools' addresses does not multiply them; the client is the one address
accounts.access.client_ip names (never a header the client can set)."""

import time
from functools import wraps

from django.core.cache import caches
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from groundwork.addresses import client_ip
from groundwork.caches import unreachable


class Throttle(SimpleRateThrottle):
    """A fixed window counted with Redis' atomic INCR: every request at once is counted.
    (DRF's own reads a key's list of times, appends and writes it back, so requests sent
    together overwrite each other's and all pass.) With Redis down requests are let through: the
    sign-in limits, counted in PostgreSQL (accounts.lockout), still hold."""

    cache = caches["shared"]

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        key = self.get_cache_key(request, view) if self.rate else None
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.seconds_left = (window + 1) * self.duration - now
        key = f"{key}:{window}"
        try:
            return self.cache.count(key, self.duration + 1) <= self.num_requests
        except Exception as error:  # Redis unreachable
            unreachable(error)
            return True

    def wait(self):
        return self.seconds_left


class ByAddress(Throttle):
    """Per client address: sign-in attempts, invitation codes tried."""

    def __init__(self, scope):
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class Writes(Throttle):
    """API writes per signed-in person (reads are not limited)."""

    scope = "writes"

    def get_cache_key(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS") or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def throttled(scope, methods=("POST",)):
    """A page's requests of these methods, limited per address; over the rate, a clear 429."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                throttle = ByAddress(scope)
                if not throttle.allow_request(request, None):
                    seconds = int(throttle.wait() or 60) + 1
                    response = render(request, "throttled.html", {"seconds": seconds}, status=429)
                    response["Retry-After"] = str(seconds)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
