"""A serving or sending process (gunicorn, a Celery worker or beat) with DEBUG off refuses to
start on settings that would lose or leak data: a public or missing secret key, e-mail that goes
to a log instead of to parents, uploads on one pod's own disk, hosts left at their defaults, a
connection pooler in transaction mode."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NOT_SENDING = ("console", "locmem", "dummy", "filebased")


def problems(conf=settings):
    """What is unsafe in the settings `conf` (the running process's unless given) and its environment.
    DEMO=true (make demo: one machine, mail into files, the demo's addresses) asks only for what
    keeps strangers out: a real secret key."""
    found = []
    if len(conf.SECRET_KEY) < 32 or conf.SECRET_KEY.startswith(("dev", "build", "test")):
        found.append("SECRET_KEY не задан или слишком короткий (нужно не меньше 32 случайных символов)")
    if getattr(conf, "PUSH_LOOPBACK_FOR_TESTS", False):
        found.append("PUSH_LOOPBACK_FOR_TESTS: уведомления на адреса этой машины — только для тестов")
    if getattr(conf, "DEMO", False):
        return found
    if conf.SMS_API_ID and not conf.SMS_GATEWAY_URL.startswith("https://"):
        found.append("SMS_GATEWAY_URL: ключ шлюза SMS уходит только по https")
    for key, provider in conf.IDENTITY_PROVIDERS.items():
        if not provider["issuer"].startswith("https://") or not provider["client_id"]:
            found.append(
                f"IDP_{key.upper()}_ISSUER и _CLIENT_ID: поставщик входа {key} — только по https и с client_id"
            )
    if any(f".{name}." in conf.EMAIL_BACKEND for name in NOT_SENDING):
        found.append(f"EMAIL_BACKEND {conf.EMAIL_BACKEND} не отправляет письма")
    elif "smtp" in conf.EMAIL_BACKEND and "EMAIL_HOST" not in os.environ:
        found.append("EMAIL_HOST не задан: письма родителям некуда отправлять")
    if not conf.S3_BUCKET and "MEDIA_ROOT" not in os.environ:
        found.append("нет хранилища файлов: задайте S3_BUCKET (S3, MinIO) или MEDIA_ROOT на общем томе")
    if "ALLOWED_HOSTS" not in os.environ and "BASE_DOMAIN" not in os.environ:
        found.append("BASE_DOMAIN (или ALLOWED_HOSTS) не задан")
    if os.environ.get("DATABASE_POOL_MODE", "none") not in ("none", "session"):
        # The school is chosen per connection (SET search_path): a transaction pooler would hand
        # one school's connection to another school's request.
        found.append("DATABASE_POOL_MODE: пул соединений в режиме транзакций смешивает школы, нужен session")
    return found


def refuse_unsafe_start():
    if settings.DEBUG:
        return
    found = problems()
    if found:
        raise ImproperlyConfigured("Рабочий режим (DEBUG выключен) не запускается: " + "; ".join(found) + ".")
