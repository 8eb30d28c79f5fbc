import logging
import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Membership, Role
from audit.models import record
from groundwork.language import in_russian
from groundwork.text import one_line
from groundwork.uploads import check_upload, store
from journal import rulebook
from journal.models import Guardian, Lesson, Pupil, TeachingLoad
from journal.selectors import teachers_of
from notifications.services import notify

from . import selectors
from .models import Message, News, ParentMeeting, Thread, ThreadMember

logger = logging.getLogger(__name__)


# --- Messages between the school and families ----------------------------------------------

MESSAGE_MAX_CHARS = 5000
ATTACHMENT_MAX_MB = 5
RATE_LIMIT = (20, timedelta(minutes=10))  # messages by one person, in that long


def parents_of(pupils):
    return set(
        Guardian.objects.filter(pupil__in=pupils, ended_at__isnull=True, consent_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )


def staff_about(pupil, school):
    """Who at the school may write about a pupil: the class's teachers and class teacher, the deputy, the director."""
    teachers = set(TeachingLoad.objects.filter(school_class=pupil.school_class_id).values_list("teacher_id", flat=True))
    teachers |= set(
        Lesson.objects.filter(school_class=pupil.school_class_id)
        .order_by()
        .values_list("teacher_id", flat=True)
        .distinct()
    )
    if pupil.school_class.class_teacher_id:
        teachers.add(pupil.school_class.class_teacher_id)
    heads = set(
        Membership.objects.at(school).filter(role__in=sorted(rulebook.READ_ALL)).values_list("user_id", flat=True)
    )
    working = set(teachers_of(school).values_list("pk", flat=True))
    return (teachers & working) | heads


def _attachment(upload, school):
    if upload is None:
        return "", ""
    extension = check_upload(upload, field="attachment", max_mb=ATTACHMENT_MAX_MB)
    return store(f"{school.schema_name}/messages/{uuid.uuid4().hex}.{extension}", upload), upload.name[:200]


def _check_writable(school):
    if not school.is_writable:
        raise ValidationError(_("Школа работает только на чтение: сообщения сейчас не отправляются."))


def _may_still_write(thread, user, school):
    """Staff of the school write in its threads; a parent only while linked to the thread's child
    (or to a child of the thread's class)."""
    if Membership.objects.at(school).filter(user=user, role__in=sorted(STAFF_ROLES)).exists():
        return True
    if Pupil.objects.enrolled().filter(user=user).exists():  # a pupil, in their own conversations
        return True
    return Thread.objects.filter(pk=thread.pk).open_to_family(user).exists()


@transaction.atomic
def post_message(thread, *, school, by, text, attachment=None, ip=None):
    _check_writable(school)
    member = ThreadMember.objects.filter(thread=thread, user=by).first()
    if member is None or not _may_still_write(thread, by, school):
        raise PermissionDenied(_("Вы не участник этой переписки."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Напишите сообщение.")})
    if len(text) > MESSAGE_MAX_CHARS:
        raise ValidationError(
            {"text": _("Сообщение длиннее %(MESSAGE_MAX_CHARS)s символов.") % {"MESSAGE_MAX_CHARS": MESSAGE_MAX_CHARS}}
        )
    count, period = RATE_LIMIT
    if Message.objects.filter(author=by, created_at__gte=timezone.now() - period).count() >= count:
        raise ValidationError({"text": _("Слишком много сообщений подряд: подождите несколько минут.")})
    stored, name = _attachment(attachment, school)
    message = Message.objects.create(thread=thread, author=by, text=text, attachment=stored, attachment_name=name)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    member.last_read_at = message.created_at
    member.save(update_fields=["last_read_at"])
    record("message.sent", message, by=by, ip=ip, new={"thread": thread.pk, "attachment": name})
    members = ThreadMember.objects.filter(thread=thread).exclude(user=by).values("user_id")
    staff = set(
        Membership.objects.at(school)
        .filter(user__in=members, role__in=sorted(STAFF_ROLES))
        .values_list("user_id", flat=True)
    )
    if not Membership.objects.at(school).filter(user=by, role__in=sorted(STAFF_ROLES)).exists():
        # A parent (or a pupil) wrote: the school's side hears of it at once, not at its next visit.
        with in_russian():
            notify(
                sorted(staff),
                "message",
                _("%(short_name)s: новое сообщение — «%(subject)s»")
                % {"short_name": by.short_name, "subject": thread.subject},
            )
    return message


@transaction.atomic
def start_thread(*, school, by, subject, text, pupil=None, school_class=None, to=None, attachment=None, ip=None):
    """A teacher (or the head) writes to a pupil's parents; the class teacher to all parents
    of the class; a parent to one of their child's teachers. Nobody outside the school."""
    _check_writable(school)
    subject = one_line(subject, 200)
    if not subject:
        raise ValidationError({"subject": _("Укажите тему.")})
    is_staff = Membership.objects.at(school).filter(user=by, role__in=sorted(rulebook.WRITES_TO_FAMILIES)).exists()
    if school_class is not None:
        if school_class.class_teacher_id != by.pk:
            raise PermissionDenied(_("Всем родителям класса пишет классный руководитель."))
        members = {by.pk} | parents_of(school_class.pupils.enrolled())
    elif pupil is not None and is_staff and to is None:
        if by.pk not in staff_about(pupil, school):
            raise PermissionDenied(_("Писать родителям может учитель класса, классный руководитель или администрация."))
        members = {by.pk} | parents_of([pupil])
    elif pupil is None and to is not None:
        colleagues = Membership.objects.at(school).filter(role__in=sorted(STAFF_ROLES))
        if not colleagues.filter(user=by).exists() or not colleagues.filter(user=to).exists():
            raise PermissionDenied(_("Сотрудники пишут друг другу внутри своей школы."))
        members = {by.pk, to.pk}
    elif pupil is not None and to is not None and pupil.user_id == by.pk:
        if to.pk not in staff_about(pupil, school):
            raise ValidationError({"to": _("Написать можно своим учителям, классному руководителю и администрации.")})
        members = {by.pk, to.pk}
    elif pupil is not None and to is not None:
        if by.pk not in parents_of([pupil]):
            raise PermissionDenied(_("Это не ваш ребёнок."))
        if to.pk not in staff_about(pupil, school):
            raise ValidationError({"to": _("Сообщение можно отправить только учителям и администрации школы ребёнка.")})
        members = {by.pk, to.pk} | parents_of([pupil])
    else:
        raise ValidationError(_("Выберите, о ком или кому пишете."))
    if len(members) < 2:
        raise ValidationError(_("Некому отправить: у обучающегося нет подключённых родителей."))
    thread = Thread.objects.create(subject=subject, pupil=pupil, school_class=school_class, created_by=by)
    ThreadMember.objects.bulk_create([ThreadMember(thread=thread, user_id=user_id) for user_id in members])
    post_message(thread, school=school, by=by, text=text, attachment=attachment, ip=ip)
    return thread


@transaction.atomic
def ask_for_help(*, school, by, text, about="", pupil=None, ip=None):
    """Регламент оказания помощи: a question about working in the journal goes to the school's
    ЭЖ administrators as a conversation in their «Сообщения», and they are told at once. Anyone
    of the school may ask; a parent asks about one of their children there (so the answer is in
    the family's conversations)."""
    _check_writable(school)
    people = Membership.objects.at(school)
    if pupil is not None and by.pk not in parents_of([pupil]):
        raise PermissionDenied(_("Это не ваш ребёнок."))
    if pupil is None and not people.filter(user=by).exclude(role=Role.PARENT).exists():
        raise PermissionDenied(_("Вопрос задают сотрудники и обучающиеся школы; родитель — о своём ребёнке."))
    admins = set(people.filter(role=Role.SCHOOL_ADMIN).values_list("user_id", flat=True)) - {by.pk}
    if not admins:
        raise ValidationError(_("В школе не назначен администратор ЭЖ: обратитесь к директору."))
    if not (text or "").strip():
        raise ValidationError({"text": _("Опишите вопрос: что вы делали и что получилось.")})
    with in_russian():  # the subject is the administrators' to read
        subject = one_line(_("Вопрос по работе в ЭЖ%(about)s") % {"about": f": {about}" if about else ""}, 200)
    thread = Thread.objects.create(subject=subject, pupil=pupil, created_by=by)
    ThreadMember.objects.bulk_create(ThreadMember(thread=thread, user_id=user_id) for user_id in admins | {by.pk})
    post_message(thread, school=school, by=by, text=text, ip=ip)
    # post_message tells the staff of a family's or a pupil's words only: a colleague's, here.
    if people.filter(user=by, role__in=sorted(STAFF_ROLES)).exists():
        with in_russian():
            notify(
                sorted(admins), "message", _("%(short_name)s: вопрос по работе в ЭЖ") % {"short_name": by.short_name}
            )
    return thread


def reply_to_author(thread, *, school, by, text, attachment=None, ip=None):
    """A parent's answer to a class announcement goes to its author only (about their child in
    that class), not to every parent of the class."""
    child = (
        Guardian.objects.live()
        .filter(user=by, pupil__school_class=thread.school_class_id)
        .select_related("pupil")
        .first()
    )
    if child is None:
        raise PermissionDenied(_("Это не переписка вашего класса."))
    return start_thread(
        school=school,
        by=by,
        subject=f"Re: {thread.subject}",
        text=text,
        pupil=child.pupil,
        to=thread.created_by,
        attachment=attachment,
        ip=ip,
    )


# --- Remarks, news, parent meetings, the weekly digest ----------------------------------------


@transaction.atomic
def publish_news(*, school, by, title, text, school_class=None, ip=None):
    heads = Membership.objects.at(school).filter(user=by, role__in=sorted(rulebook.NEWS_OF_THE_SCHOOL)).exists()
    if school_class is None and not heads:
        raise PermissionDenied(_("Новости школы публикует администрация."))
    if school_class is not None and school_class.class_teacher_id != by.pk and not heads:
        raise PermissionDenied(_("Новости класса публикует классный руководитель."))
    title, text = one_line(title, 200), (text or "").strip()
    if not title or not text:
        raise ValidationError(_("Укажите заголовок и текст."))
    news = News.objects.create(school_class=school_class, title=title, text=text[:10000], author=by)
    record("news.published", news, by=by, ip=ip, new={"title": title, "class": getattr(school_class, "pk", None)})
    return news


@transaction.atomic
def record_meeting(*, school_class, held_at, topic, attended, by, ip=None):
    """The class teacher records a parent meeting and who came; parents who did not are told."""
    if school_class.class_teacher_id != by.pk:
        raise PermissionDenied(_("Собрание отмечает классный руководитель."))
    topic = one_line(topic, 300)
    if not topic:
        raise ValidationError({"topic": _("Укажите тему собрания.")})
    if held_at > timezone.now():
        raise ValidationError({"held_at": _("Отметить присутствие можно после собрания.")})
    pupils = list(school_class.pupils.enrolled())
    links = list(
        Guardian.objects.filter(pupil__in=pupils, ended_at__isnull=True, consent_at__isnull=False).select_related(
            "pupil"
        )
    )
    parents = {link.user_id for link in links}
    strangers = set(attended) - parents
    if strangers:
        raise ValidationError({"attended": _("Отмечены не родители этого класса.")})
    meeting = ParentMeeting.objects.create(school_class=school_class, held_at=held_at, topic=topic, recorded_by=by)
    meeting.attended.set(attended)
    record("meeting.recorded", meeting, by=by, ip=ip, new={"topic": topic, "attended": sorted(attended)})
    when = timezone.localtime(held_at)
    for link in links:
        if link.user_id not in attended:
            with in_russian():
                notify(
                    [link.user_id],
                    "meeting",
                    _(
                        "Вы не были на родительском собрании %(school_class)s класса %(when)s. Тема: %(topic)s. Классный руководитель ждёт вашего звонка или сообщения."
                    )
                    % {"school_class": school_class, "when": format(when, _("%d.%m.%Y в %H:%M")), "topic": topic},
                    pupil=link.pupil,
                )
    return meeting


def weekly_digest(today=None):
    """Every parent hears at least once a week (Регламент 4.1): marks and absences of the week."""
    today = today or timezone.localdate()
    start = today - timedelta(days=7)
    made = 0
    for link in Guardian.objects.live().select_related("pupil"):
        summary = selectors.week_summary(link.pupil, start, today)
        lines = "; ".join(
            f"{subject}: {', '.join(mark.value for mark in marks)}" for subject, marks in summary["marks"].items()
        )
        with in_russian():
            notify(
                [link.user_id],
                "digest",
                _("%(first_name)s, неделя %(start)s–%(today)s: %(marks)s. Пропущено уроков: %(missed)s.")
                % {
                    "first_name": link.pupil.first_name,
                    "start": format(start, "%d.%m"),
                    "today": format(today, "%d.%m"),
                    "marks": lines or _("отметок нет"),
                    "missed": summary["absent"],
                },
                pupil=link.pupil,
            )
        made += 1
    return made
