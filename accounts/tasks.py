"""Accounts' tasks, in public."""

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.utils import timezone

from .models import User

logger = logging.getLogger(__name__)


@shared_task
def clear_expired_sessions():
    """Nightly: expired sign-ins leave the public sessions table, which otherwise grows with every
    sign-in of the region (docs/scaling.md). Returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


NOTICES = {
    "guessing": (
        "Электронный дневник: попытки подобрать ваш пароль",
        "За последний час было много неудачных попыток войти в вашу учётную запись с разных адресов. "
        "Вход с незнакомых устройств на время ограничен; с устройств, с которых вы входили раньше, "
        "вход работает как обычно.\n\nЕсли это были не вы, смените пароль в личном кабинете. "
        "Если вы забыли пароль, обратитесь к классному руководителю или администратору школы.",
    ),
    "two_factor_on": (
        "Электронный дневник: включён вход с кодом из приложения",
        "Для вашей учётной записи включён вход с кодом из приложения. Все другие входы завершены.\n\n"
        "Если это сделали не вы, сразу обратитесь к администратору школы или в управление образования.",
    ),
}


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def tell_person(user_id, what):
    """A notice about the person's own account, by e-mail (NOTICES)."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email=None).first()
    if user is None:
        return False
    subject, text = NOTICES[what]
    send_mail(subject, text, None, [user.email])
    return True


def tell(user_id, what):
    try:
        tell_person.apply_async(args=[user_id, what], retry=False)
    except Exception:  # the broker is down: what was done stands, the notice is not sent
        logger.warning("the notice %s was not queued", what)
