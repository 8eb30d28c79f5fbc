"""The test run's settings: the product's own (config.settings) and what only a test run needs.
Production processes that tests start (gunicorn, the start refusals) use config.settings itself."""

import hashlib
import os

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, CACHES, PASSWORD_HASHERS

# Hashing strength is not under test here: a cheap hasher makes passwords first (Argon2 takes
# ~350 ms a verify). Argon2 stays in the list, so its hashes still verify; tests/test_production.py
# checks that production makes every hash with Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# A namespace in Redis of this checkout and this pytest-xdist worker (and of the processes it
# starts, which inherit PYTEST_XDIST_WORKER): cache keys, sign-in counters and the Celery queue,
# so two workers, two checkouts or a demo on one Redis never see each other's keys or tasks, and
# no test needs to flush a database.
REDIS_NAMESPACE = "tests-{}-{}".format(
    hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8], os.environ.get("PYTEST_XDIST_WORKER", "gw0")
)
CACHES["default"]["KEY_PREFIX"] = REDIS_NAMESPACE
CACHES["shared"]["KEY_PREFIX"] = f"{REDIS_NAMESPACE}-shared"
CELERY_TASK_DEFAULT_QUEUE = REDIS_NAMESPACE

# tests/test_push.py's push service runs on this machine over plain http.
PUSH_LOOPBACK_FOR_TESTS = True

# The test client and the dev server of the browser tests speak plain http.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
