"""Accounts' tasks, in public."""

import logging

from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundwork.addresses import host_url

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
        gettext_lazy("Электронный дневник: попытки подобрать ваш пароль"),
        gettext_lazy(
            "За последний час было много неудачных попыток войти в вашу учётную запись с разных адресов. "
            "Вход с незнакомых устройств на время ограничен; с устройств, с которых вы входили раньше, "
            "вход работает как обычно.\n\nЕсли это были не вы, смените пароль в личном кабинете. "
            "Если вы забыли пароль, обратитесь к классному руководителю или администратору школы."
        ),
    ),
    "two_factor_on": (
        gettext_lazy("Электронный дневник: включён вход с кодом из приложения"),
        gettext_lazy(
            "Для вашей учётной записи включён вход с кодом из приложения. Все другие входы завершены.\n\n"
            "Если это сделали не вы, сразу обратитесь к администратору школы или в управление образования."
        ),
    ),
    "two_factor_reset": (
        gettext_lazy("Электронный дневник: вход с кодом из приложения сброшен"),
        gettext_lazy(
            "Администратор школы сбросил вход с кодом из приложения для вашей учётной записи, все входы "
            "завершены. При следующем входе подключите приложение заново.\n\n"
            "Если вы об этом не просили, сразу обратитесь к директору школы."
        ),
    ),
    # To the new address: the code that proves the person reads it.
    "email_code": (
        gettext_lazy("Электронный дневник: код подтверждения e-mail"),
        gettext_lazy(
            "Здравствуйте, {name}!\n\nКод для подтверждения нового e-mail: {code}\n"
            "Он действует 15 минут. Если вы не меняли e-mail, ничего не делайте."
        ),
    ),
    # To the old address: so that a takeover does not go unseen.
    "email_changed": (
        gettext_lazy("Электронный дневник: e-mail учётной записи изменён"),
        gettext_lazy(
            "Здравствуйте, {name}!\n\nВ вашей учётной записи e-mail изменён на другой. Если это "
            "сделали не вы, сразу обратитесь к классному руководителю или администратору школы."
        ),
    ),
}


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def tell_person(user_id, what, to=None, **context):
    """A notice about the person's own account (NOTICES), by e-mail: to their address, or `to`."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not (to or user.email):
        return False
    subject, text = NOTICES[what]
    send_mail(subject, text.format(name=user.first_name, **context), None, [to or user.email])
    return True


def send_or_log(task, *args, **kwargs):
    try:
        task.apply_async(args=list(args), kwargs=kwargs, retry=False)
    except Exception:  # the broker is down: what was done stands, the message is not sent
        logger.warning("%s was not queued", task.name)


def tell(user_id, what, **context):
    send_or_log(tell_person, user_id, what, **context)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_password_link(user_id, host):
    """A one-use link to set a new password, to the person's e-mail, valid for an hour
    (PASSWORD_RESET_TIMEOUT). Made here, at sending: the link's secret is in no table and no queue."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email=None).first()
    if user is None:
        return False
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    send_mail(
        _("Электронный дневник: новый пароль"),
        _(
            "Здравствуйте, %(first_name)s!\n\nЧтобы задать новый пароль, откройте ссылку (она действует час и только один раз):\n%(host_url)s\n\nЕсли вы не просили сменить пароль, ничего не делайте: старый пароль продолжает действовать."
        )
        % {"first_name": user.first_name, "host_url": host_url(host.split(":")[0], f"/login/reset/{uid}/{token}/")},
        None,
        [user.email],
    )
    return True
