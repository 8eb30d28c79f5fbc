"""Django's Redis cache, failing open: with Redis unreachable a read is a miss and a write is
skipped, with a warning in the log (at most one a minute per process), so that a Redis outage
slows pages down instead of answering 500. Nothing kept here must survive: sessions, sign-in
limits and the outbox are in PostgreSQL. `incr` still raises (a counter has no safe guess):
its one caller, groundwork.throttles, lets the request through."""

import hashlib
import logging
import time
from functools import cache, wraps

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.template.loader import get_template
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

WARN_EVERY = 60  # seconds


def unreachable(error):
    """Logs that Redis is unreachable, once a minute per process however many requests meet it."""
    now = time.monotonic()
    if now - unreachable.warned_at >= WARN_EVERY:
        unreachable.warned_at = now
        logger.warning("Redis unreachable, going on without it: %s", error)


unreachable.warned_at = -WARN_EVERY


def _failing_open(method, fallback):
    @wraps(method)
    def wrapped(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (ConnectionError, TimeoutError) as error:
            unreachable(error)
            return fallback(*args, **kwargs)

    return wrapped


class KeptClients(RedisCacheClient):
    """Django makes a new redis.Redis for every operation (about 0.3 ms of Python each, three on a
    throttled write); one per connection pool does the same (the client is thread-safe)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClients

    def count(self, key, seconds):
        """Adds one to a counter that lives `seconds` from its first count, and returns it: one
        round trip (INCR, EXPIRE NX in one pipeline). Raises when Redis is unreachable."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(write=True).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, seconds, nx=True)
        return pipeline.execute()[0]

    get = _failing_open(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _failing_open(RedisCache.get_many, lambda *args, **kwargs: {})
    has_key = _failing_open(RedisCache.has_key, lambda *args, **kwargs: False)
    add = _failing_open(RedisCache.add, lambda *args, **kwargs: False)
    set = _failing_open(RedisCache.set, lambda *args, **kwargs: None)
    touch = _failing_open(RedisCache.touch, lambda *args, **kwargs: False)
    delete = _failing_open(RedisCache.delete, lambda *args, **kwargs: False)
    set_many = _failing_open(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    delete_many = _failing_open(RedisCache.delete_many, lambda *args, **kwargs: None)


@cache
def templates_fingerprint(*names):
    """A short hash of these templates' text, for the key of HTML kept in the cache: after a
    release that changes them, what the old ones rendered is not served (once per process)."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:12]
