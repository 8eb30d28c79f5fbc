"""A misspelt surname put right (Положение 4.2 of 001; 152-ФЗ, the right to correction): the class
teacher or the school admin corrects it with a reason, the old value stays in the history, and
the diary shows the new one."""

import pytest
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Role, User
from audit.models import AuditEntry
from journal.models import Pupil


def test_a_class_teacher_corrects_a_surname_and_the_diary_shows_it_with_the_old_one_kept(world, enter):
    a = world.a
    pupil = a.pupils[0]
    page = f"/classes/{a.school_class.pk}/pupils/{pupil.pk}/correct/"
    teacher = enter(a.class_teacher, a.host)
    assert "✎" in teacher.get(f"/classes/{a.school_class.pk}/").content.decode()
    form = {"last_name": "Иваненко", "first_name": pupil.first_name, "middle_name": pupil.middle_name,
            "birth_date": pupil.birth_date.isoformat(), "reason": "Свидетельство о рождении I-МЮ № 512345"}  # fmt: skip
    done = teacher.post(page, form, follow=True)
    assert "исправлены" in done.content.decode() and pupil.last_name in done.content.decode()  # the history
    with schema_context(a.school.schema_name):
        assert Pupil.objects.get(pk=pupil.pk).last_name == "Иваненко"
        entry = AuditEntry.objects.get(action="pupil.corrected", target_id=pupil.pk)
    assert entry.old == {"last_name": pupil.last_name} and entry.new == {"last_name": "Иваненко"}
    assert entry.actor_id == a.class_teacher.pk and entry.reason.startswith("Свидетельство")
    diary = enter(world.parent).get(f"/children/{a.school.slug}/{pupil.pk}/").content.decode()
    assert "Иваненко" in diary


def test_a_correction_without_a_reason_or_with_a_bad_date_changes_nothing(world, enter):
    a = world.a
    pupil = a.pupils[1]
    page = f"/classes/{a.school_class.pk}/pupils/{pupil.pk}/correct/"
    admin = enter(a.admin, a.host)
    base = {"last_name": "Петрова", "first_name": pupil.first_name, "birth_date": pupil.birth_date.isoformat()}
    for form, message in (
        ({**base, "reason": ""}, "Основание исправления"),
        ({**base, "reason": "паспорт", "birth_date": "2026-02-30"}, "Дата рождения"),
        ({**base, "last_name": "", "reason": "паспорт матери"}, "Фамилия"),
    ):
        answer = admin.post(page, form, follow=True).content.decode()
        assert message in answer, message
    with schema_context(a.school.schema_name):
        assert Pupil.objects.get(pk=pupil.pk).last_name == pupil.last_name
        assert not AuditEntry.objects.filter(action="pupil.corrected", target_id=pupil.pk).exists()


def test_nobody_else_corrects_a_pupil(world, enter):
    a, b = world.a, world.b
    page = f"/classes/{a.school_class.pk}/pupils/{a.pupils[0].pk}/correct/"
    form = {"last_name": "Чужой", "first_name": "Х", "birth_date": "2015-01-01", "reason": "просто так"}
    for person in (a.teacher, a.deputy, a.director):
        assert enter(person, a.host).post(page, form).status_code in (403, 404)
    # Another school's class teacher holds no role at this address: signed out, sent to sign in.
    assert enter(b.class_teacher, a.host).post(page, form).url.startswith("/login/")
    with schema_context(a.school.schema_name):
        assert Pupil.objects.get(pk=a.pupils[0].pk).last_name == a.pupils[0].last_name


def test_a_parent_asks_for_a_correction_and_the_class_teacher_answers(world, enter):
    from journal.models import CorrectionRequest
    from notifications.models import Notification

    a = world.a
    pupil = a.pupils[0]
    child = f"/children/{a.school.slug}/{pupil.pk}/"
    parent = enter(world.parent)
    assert "Сообщить об ошибке в данных ребёнка" in parent.get(f"{child}views/").content.decode()
    short = parent.post(f"{child}correction/", {"text": "Ошибка"}, follow=True).content.decode()
    assert "не короче 10 символов" in short
    sent = parent.post(f"{child}correction/", {"text": "Фамилия пишется через «е»: Иваненко"}, follow=True)
    assert "отправлена классному руководителю" in sent.content.decode()
    # Not another family's to ask about, nor to read.
    other = f"/children/{a.school.slug}/{pupil.pk}/correction/"
    assert enter(world.other_parent).post(other, {"text": "Чужой ребёнок, чужие данные"}).status_code == 404
    with schema_context(a.school.schema_name):
        asked = CorrectionRequest.objects.get(pupil=pupil)
        assert Notification.objects.filter(recipient=a.class_teacher, text__contains="Иваненко").exists()
    page = f"/classes/{a.school_class.pk}/pupils/{pupil.pk}/correct/"
    teacher = enter(a.class_teacher, a.host)
    assert "через «е»" in teacher.get(page).content.decode()
    refused = teacher.post(
        page, {"action": "answer", "request": asked.pk, "outcome": "refused", "answer": ""}, follow=True
    )
    assert "Объясните родителю" in refused.content.decode()
    teacher.post(page, {"action": "answer", "request": asked.pk, "outcome": "refused", "answer": "В свидетельстве о рождении — через «о»"})  # fmt: skip
    with schema_context(a.school.schema_name):
        asked.refresh_from_db()
        assert asked.outcome == "refused" and asked.answered_by_id == a.class_teacher.pk
        assert Notification.objects.filter(recipient=world.parent, text__contains="отказано").exists()
    again = teacher.post(page, {"action": "answer", "request": asked.pk, "outcome": "done", "answer": ""}, follow=True)
    assert "уже ответили" in again.content.decode()
    assert "через «о»" in parent.get(f"{child}correction/").content.decode()


# --- The clerk (секретарь учебной части) and the анкетные данные ---------------------------------


@pytest.fixture
def clerk(world, db):
    person = accounts.create_person(
        accounts.NewAccount(last_name="Секретарёва", first_name="Светлана", email="clerk@a.test")
    )
    accounts.add_membership(person, world.a.school, Role.CLERK)
    return person


def test_the_clerk_keeps_a_pupils_anketa_which_the_family_reads_and_nobody_else(world, enter, clerk):
    a = world.a
    pupil = a.pupils[0]
    page = f"/classes/{a.school_class.pk}/pupils/{pupil.pk}/correct/"
    desk = enter(clerk, a.host)
    assert "✎" in desk.get(f"/classes/{a.school_class.pk}/").content.decode()
    form = {"last_name": pupil.last_name, "first_name": pupil.first_name, "middle_name": pupil.middle_name,
            "birth_date": pupil.birth_date.isoformat(), "snils": "112-233-445 96", "address": "ул. Школьная, 5",
            "family_phones": "мама +7 900 111-22-33", "reason": "Заявление матери от 07.12.2026"}  # fmt: skip
    bad = desk.post(page, form, follow=True).content.decode()
    assert "контрольное число" in bad
    with schema_context(a.school.schema_name):
        assert Pupil.objects.get(pk=pupil.pk).address == ""  # nothing half-changed
    desk.post(page, {**form, "snils": "112-233-445 95"})
    with schema_context(a.school.schema_name):
        kept = Pupil.objects.get(pk=pupil.pk)
    assert (kept.snils, kept.address) == ("11223344595", "ул. Школьная, 5")
    own = enter(world.parent).get(f"/children/{a.school.slug}/{pupil.pk}/correction/").content.decode()
    assert "ул. Школьная, 5" in own and "11223344595" in own
    # Another family, a subject teacher, the district, and the clerk's own reach into the journal: no.
    assert enter(world.other_parent).get(f"/children/{a.school.slug}/{pupil.pk}/correction/").status_code == 404
    assert enter(a.teacher, a.host).get(page).status_code in (403, 404)
    assert enter(world.official).get(f"/children/{a.school.slug}/{pupil.pk}/correction/").status_code in (403, 404)
    assert desk.get("/journals/").status_code in (403, 404)


def test_the_clerk_corrects_a_teachers_name_with_the_order_and_the_old_one_stays(world, enter, clerk):
    a = world.a
    membership = a.teacher.memberships.get(role=Role.TEACHER, school=a.school)
    desk = enter(clerk, a.host)
    assert "Согласие на обработку ПДн" in desk.get("/staff/").content.decode()
    page = f"/staff/{membership.pk}/correct/"
    refused = desk.post(page, {"last_name": "", "first_name": "Сотрудник", "reason": "Приказ № 12-к"}, follow=True)
    assert "Фамилия" in refused.content.decode() and User.objects.get(pk=a.teacher.pk).last_name == a.teacher.last_name
    done = desk.post(
        page, {"last_name": "Учителева", "first_name": "Сотрудник", "reason": "Приказ № 12-к"}, follow=True
    )
    assert "ФИО исправлены" in done.content.decode() and a.teacher.last_name in done.content.decode()
    assert User.objects.get(pk=a.teacher.pk).last_name == "Учителева"
    entry = AuditEntry.objects.get(action="user.corrected", target_id=a.teacher.pk)
    assert entry.old == {"last_name": a.teacher.last_name} and entry.reason == "Приказ № 12-к"
    # School B's staff are not at this school's desk: the same 404 as a row that is not there.
    other = world.b.teacher.memberships.get(role=Role.TEACHER, school=world.b.school)
    assert desk.get(f"/staff/{other.pk}/correct/").status_code == 404


def test_staff_consent_is_recorded_on_their_own_page(world, enter):
    a = world.a
    membership = a.teacher.memberships.get(role=Role.TEACHER, school=a.school)
    browser = enter(a.teacher, a.host)
    assert "Согласие на обработку персональных данных" in browser.get("/account/").content.decode()
    assert "Отметьте согласие" in browser.post("/account/", {"action": "consent"}, follow=True).content.decode()
    browser.post("/account/", {"action": "consent", "consent": "on"})
    membership.refresh_from_db()
    assert membership.consent_at and AuditEntry.objects.filter(action="membership.consent", target_id=membership.pk)
    assert "Записать согласие" not in browser.get("/account/").content.decode()
