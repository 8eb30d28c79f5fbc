"""Remarks, news and parent meetings reach the diary; every parent gets a weekly digest."""

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from diary.services import weekly_digest
from journal import services
from journal.models import Lesson, Remark
from notifications.models import Notification

TODAY = date.today()


def past_lesson(world):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        return (
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, term=cal.term, date__lte=TODAY)
            .order_by("date")
            .last()
        )


def test_a_teachers_remark_is_shown_in_the_diary_and_told_to_the_parents(world, enter):
    a = world.a
    lesson = past_lesson(world)
    teacher = enter(a.class_teacher, a.host)
    teacher.post(f"/lessons/{lesson.pk}/", {"action": "remark", "pupil": a.pupils[0].pk, "text": "Забыл тетрадь"})
    with schema_context(a.school.schema_name):
        assert Remark.objects.get(pupil=a.pupils[0]).text == "Забыл тетрадь"
        assert Notification.objects.filter(pupil=a.pupils[0], kind="remark", recipient=world.parent).exists()
    refused = enter(a.teacher, a.host).post(
        f"/lessons/{lesson.pk}/", {"action": "remark", "pupil": a.pupils[1].pk, "text": "Чужой урок"}
    )
    assert refused.status_code == 404  # another teacher's lesson of another subject: not theirs to open
    with schema_context(a.school.schema_name):
        assert not Remark.objects.filter(text="Чужой урок").exists()
    week = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/").content.decode()
    assert "Забыл тетрадь" in week  # remarks are listed by the week they were written in


def test_news_of_the_school_and_the_class_reach_the_diary(world, enter):
    a, b = world.a, world.b
    enter(a.director, a.host).post("/news/", {"title": "День открытых дверей", "text": "Суббота, 10:00"})
    enter(a.class_teacher, a.host).post(
        "/news/", {"title": "Экскурсия 5А", "text": "Музей", "school_class": a.school_class.pk}
    )
    refused = enter(a.teacher, a.host).post("/news/", {"title": "Без права", "text": "x"}, follow=True)
    assert "публикует администрация" in refused.content.decode()
    diary = enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/").content.decode()
    assert "День открытых дверей" in diary and "Экскурсия 5А" in diary and "Без права" not in diary
    other_school = enter(world.parent).get(f"/children/{b.school.slug}/{b.pupils[1].pk}/").content.decode()
    assert "День открытых дверей" not in other_school


def test_parents_who_missed_a_meeting_are_told(world, enter):
    a = world.a
    held = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT18:00")
    enter(a.class_teacher, a.host).post(
        f"/classes/{a.school_class.pk}/meeting/",
        {"held_at": held, "topic": "Итоги четверти", "attended": [world.parent.pk]},
    )
    with schema_context(a.school.schema_name):
        missed = Notification.objects.filter(kind="meeting")
        assert [n.recipient_id for n in missed] == [world.other_parent.pk]
        assert "Итоги четверти" in missed[0].text
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT18:00")
    refused = enter(a.class_teacher, a.host).post(
        f"/classes/{a.school_class.pk}/meeting/", {"held_at": future, "topic": "Будущее"}, follow=True
    )
    assert "после собрания" in refused.content.decode()
    assert enter(a.teacher, a.host).get(f"/classes/{a.school_class.pk}/meeting/").status_code == 403


def test_every_parent_gets_a_weekly_digest(world, db):
    a, cal = world.a, world.calendar_a
    lesson = past_lesson(world)
    with schema_context(a.school.schema_name):
        services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        Notification.objects.all().delete()
        assert weekly_digest(today=lesson.date + timedelta(days=1)) == 2  # two consented links in school A
        digest = Notification.objects.get(recipient=world.parent, kind="digest")
        assert "Математика: 5" in digest.text and "Пропущено уроков: 0" in digest.text
        assert Notification.objects.filter(recipient=world.other_parent, kind="digest").exists()
