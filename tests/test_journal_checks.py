"""The deputy's check of a journal with its «возвратный талон»: remarks with a deadline reach the
journal's teacher, who marks each fixed; the deputy confirms or returns it; the справка prints;
open remarks stand on both start pages. Only the heads and the remark's teacher see a check."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from journal.models import CheckRemark, JournalCheck
from notifications.models import Notification


def new_check(world, enter, follow=False, **extra):
    a, cal = world.a, world.calendar_a
    soon = timezone.localdate() + timedelta(days=5)
    form = {"term": cal.term.pk, "summary": "Темы заполнены, отметки выставляются нерегулярно.",
            "text_0": "Выставить отметки за контрольную 12.11", "due_0": soon.isoformat(),
            "text_1": "Заполнить домашние задания за неделю", "due_1": soon.isoformat(), **extra}  # fmt: skip
    return enter(a.deputy, a.host).post(f"/journal/{a.school_class.pk}/{cal.math.pk}/checks/", form, follow=follow)


def test_a_remark_goes_to_the_teacher_is_returned_once_and_then_confirmed(world, enter):
    a = world.a
    answer = new_check(world, enter)
    with schema_context(a.school.schema_name):
        check = JournalCheck.objects.get()
        first, second = check.remarks.order_by("pk")
        assert {first.teacher_id, second.teacher_id} == {a.class_teacher.pk}  # 5А maths is the class teacher's
        assert Notification.objects.filter(recipient=a.class_teacher, text__contains="Проверка журнала").exists()
    assert answer.url == f"/checks/{check.pk}/"
    teacher = enter(a.class_teacher, a.host)
    assert "Выставить отметки за контрольную 12.11" in teacher.get("/").content.decode()
    page = f"/checks/{check.pk}/"
    teacher.post(page, {"action": "fixed", "remark": first.pk, "answer": "Отметки выставлены"})
    deputy = enter(a.deputy, a.host)
    assert "Учителя отметили исправленными" in deputy.get("/").content.decode()
    refused = deputy.post(page, {"action": "return", "remark": first.pk, "reason": ""}, follow=True).content.decode()
    assert "Укажите, что ещё не исправлено" in refused
    deputy.post(page, {"action": "return", "remark": first.pk, "reason": "Нет отметки у Третьего"})
    with schema_context(a.school.schema_name):
        first.refresh_from_db()
    assert first.state == CheckRemark.State.OPEN and first.returned_reason == "Нет отметки у Третьего"
    assert "возвращено" in teacher.get("/").content.decode()
    teacher.post(page, {"action": "fixed", "remark": first.pk, "answer": "Добавлена"})
    # Only the teacher marks it fixed, only the deputy who checked confirms it.
    assert (
        "подтверждает заместитель"
        in teacher.post(page, {"action": "confirm", "remark": first.pk}, follow=True).content.decode()
    )
    deputy.post(page, {"action": "confirm", "remark": first.pk})
    with schema_context(a.school.schema_name):
        first.refresh_from_db()
    assert first.state == CheckRemark.State.CONFIRMED and first.confirmed_at
    with schema_context(a.school.schema_name):
        actions = list(
            AuditEntry.objects.filter(target_id=first.pk, target_type="journal.checkremark")
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["check_remark.fixed", "check_remark.returned", "check_remark.fixed", "check_remark.confirmed"]
    pdf = deputy.get(f"{page}?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_bad_check_changes_nothing_and_only_the_heads_and_the_teacher_see_one(world, enter):
    a, b, cal = world.a, world.b, world.calendar_a
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert "не раньше сегодняшнего" in new_check(world, enter, follow=True, due_0=yesterday).content.decode()
    with schema_context(a.school.schema_name):
        assert not JournalCheck.objects.exists()
    empty = {"summary": "", "text_0": "", "text_1": ""}
    assert (
        "Запишите итог проверки"
        in enter(a.deputy, a.host)
        .post(f"/journal/{a.school_class.pk}/{cal.math.pk}/checks/", {"term": cal.term.pk, **empty}, follow=True)
        .content.decode()
    )
    director_post = enter(a.director, a.host).post(
        f"/journal/{a.school_class.pk}/{cal.math.pk}/checks/", {"term": cal.term.pk, "summary": "x"}
    )
    assert director_post.status_code == 403
    new_check(world, enter)
    with schema_context(a.school.schema_name):
        check = JournalCheck.objects.get()
    page = f"/checks/{check.pk}/"
    assert enter(a.director, a.host).get(page).status_code == 200
    assert enter(a.teacher, a.host).get(page).status_code == 404  # not their journal
    assert enter(b.deputy, b.host).get(page).status_code == 404  # school B has no such check
