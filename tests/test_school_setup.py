"""The deputy and the school admin set up the year; imports check every row before anything is saved."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from openpyxl import Workbook

from accounts.models import Invitation, Role
from journal.models import ImportBatch, Lesson, PlannedTopic, Pupil, Subject, TimetableSlot

TODAY = date.today()


def csv_file(name, text, encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(name, rows):
    import io

    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def test_the_deputy_adds_a_subject_and_a_timetable_slot_from_the_setup_page(world, enter):
    a, cal = world.a, world.calendar_a
    deputy = enter(a.deputy, a.host)
    assert "Расписание уроков" in deputy.get("/setup/").content.decode()
    response = deputy.post(
        "/setup/subject/", {"name": "Информатика", "short_name": "Инф", "is_marked": "on"}, follow=True
    )
    assert "Сохранено" in response.content.decode()
    with schema_context(a.school.schema_name):
        subject = Subject.objects.get(name="Информатика")
    clash = deputy.post(
        "/setup/slot/",
        {
            "weekday": 1,
            "number": 1,
            "school_class": a.school_class.pk,
            "subject": subject.pk,
            "teacher": a.teacher.pk,
            "room": "",
            "valid_from": cal.year.starts_on.isoformat(),
        },
        follow=True,
    )
    assert "У класса уже есть урок" in clash.content.decode()
    ok = deputy.post(
        "/setup/slot/",
        {
            "weekday": 6,
            "number": 3,
            "school_class": a.school_class.pk,
            "subject": subject.pk,
            "teacher": a.teacher.pk,
            "room": "21",
            "valid_from": TODAY.isoformat(),
        },
        follow=True,
    )
    assert "Сохранено" in ok.content.decode()
    with schema_context(a.school.schema_name):
        assert Lesson.objects.filter(subject=subject, date__gte=TODAY).exists()


def test_setup_refuses_bad_input_and_other_roles(world, enter):
    a = world.a
    deputy = enter(a.deputy, a.host)
    response = deputy.post(
        "/setup/term/",
        {"scheme": "quarter", "number": 4, "starts_on": "2099-01-10", "ends_on": "2099-01-01"},
        follow=True,
    )
    assert "внутри учебного года" in response.content.decode()
    assert deputy.post("/setup/nonsense/", {}).status_code == 404
    for user in (a.teacher, a.class_teacher, a.director):
        assert enter(user, a.host).post("/setup/subject/", {"name": "Астрономия"}).status_code == 403
    with schema_context(a.school.schema_name):
        assert not Subject.objects.filter(name="Астрономия").exists()


def test_ending_a_slot_keeps_lessons_with_records(world, enter):
    a, _cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        slot = TimetableSlot.objects.filter(school_class=a.other_class).first()
        future = Lesson.objects.filter(slot=slot, date__gt=TODAY).order_by("date")
        kept = future.first()
        kept.topic = "Записано заранее"
        kept.save()
        total = future.count()
    response = enter(a.deputy, a.host).post(
        f"/setup/slots/{slot.pk}/end/", {"last_day": TODAY.isoformat()}, follow=True
    )
    assert "заполненные сохранены" in response.content.decode()
    with schema_context(a.school.schema_name):
        assert list(Lesson.objects.filter(slot=slot, date__gt=TODAY)) == [kept] and total > 1


def test_pupils_are_imported_from_csv_after_a_preview(world, enter):
    a = world.a
    admin = enter(a.admin, a.host)
    text = (
        "Фамилия;Имя;Отчество;Дата рождения;Класс;Приказ;Дата приказа\n"
        "Петрова;Анна;Сергеевна;12.04.2015;5А;45-у;01.09.2026\n"
        "Сидоров;Олег;;03.02.2015;6Б;45-у;01.09.2026\n"
    )
    response = admin.post("/imports/", {"kind": "pupils", "file": csv_file("ученики.csv", text, "cp1251")})
    assert response.status_code == 302
    preview = admin.get(response.url).content.decode()
    assert "Петрова" in preview and "Загрузить все строки" in preview
    with schema_context(a.school.schema_name):
        assert not Pupil.objects.filter(last_name="Петрова").exists()  # nothing before confirmation
    admin.post(response.url)
    with schema_context(a.school.schema_name):
        anna = Pupil.objects.get(last_name="Петрова")
        assert str(anna.school_class) == "5А" and anna.movements.get().order_number == "45-у"


def test_an_import_with_a_bad_row_shows_each_error_and_imports_nothing(world, enter):
    a = world.a
    admin = enter(a.admin, a.host)
    rows = [
        ["Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Приказ", "Дата приказа"],
        ["Верная", "Вера", "", "01.01.2015", "5А", "50-у", "01.09.2026"],
        ["Неверный", "Класс", "", "01.01.2015", "9Я", "50-у", "01.09.2026"],
        ["Без", "Даты", "", "завтра", "5А", "50-у", "01.09.2026"],
    ]
    response = admin.post("/imports/", {"kind": "pupils", "file": xlsx_file("ученики.xlsx", rows)})
    preview = admin.get(response.url).content.decode()
    assert "класса «9Я» нет" in preview and "не в формате ДД.ММ.ГГГГ" in preview
    assert "Загрузить все строки" not in preview
    applied = admin.post(response.url, follow=True)
    assert "есть ошибки" in applied.content.decode()
    with schema_context(a.school.schema_name):
        assert not Pupil.objects.filter(last_name="Верная").exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("list.txt", b"x", "CSV или XLSX"),
        ("list.xlsx", b"not a workbook", "не читается"),
        ("list.csv", "Имя;Класс\nАнна;5А\n".encode(), "Нет столбцов"),
        ("list.csv", b"", "пуст"),
    ],
)
def test_a_malformed_file_is_refused_with_a_clear_message(world, enter, name, content, message):
    admin = enter(world.a.admin, world.a.host)
    response = admin.post("/imports/", {"kind": "pupils", "file": SimpleUploadedFile(name, content)}, follow=True)
    assert message in response.content.decode()
    with schema_context(world.a.school.schema_name):
        assert not ImportBatch.objects.filter(filename=name).exists()


def test_staff_import_makes_printable_invitations(world, enter):
    a = world.a
    admin = enter(a.admin, a.host)
    text = "Фамилия,Имя,Отчество,Роль\nКовалёва,Ирина,Петровна,учитель\nЗуев,Пётр,Ильич,завуч\n"
    response = admin.post("/imports/", {"kind": "staff", "file": csv_file("сотрудники.csv", text)})
    slips = admin.post(response.url).content.decode()
    assert slips.count('class="code"') == 2 and "Ковалёва Ирина Петровна" in slips
    assert set(
        Invitation.objects.filter(
            school=a.school, full_name__in=["Ковалёва Ирина Петровна", "Зуев Пётр Ильич"]
        ).values_list("role", flat=True)
    ) == {Role.TEACHER, Role.DEPUTY}
    # Only the school admin imports staff.
    assert "Импорт вам недоступен" not in enter(a.deputy, a.host).get("/imports/").content.decode()
    refused = enter(a.deputy, a.host).post("/imports/", {"kind": "staff", "file": csv_file("s.csv", text)}, follow=True)
    assert "недоступен" in refused.content.decode()


def test_a_timetable_import_checks_clashes_row_by_row(world, enter):
    a, _cal = world.a, world.calendar_a
    deputy = enter(a.deputy, a.host)
    start = TODAY.strftime("%d.%m.%Y")
    text = (
        "День;Урок;Класс;Подгруппа;Предмет;Учитель;Кабинет;С даты\n"
        f"сб;2;6Б;;Русский язык;{a.teacher.email};14;{start}\n"
        f"пн;1;5А;;Русский язык;{a.teacher.email};;{start}\n"
    )
    response = deputy.post("/imports/", {"kind": "timetable", "file": csv_file("расписание.csv", text)})
    preview = deputy.get(response.url).content.decode()
    assert "У класса уже есть урок" in preview and preview.count("✓") == 1
    with schema_context(a.school.schema_name):
        assert not TimetableSlot.objects.filter(weekday=6, number=2).exists()


def test_a_thematic_plan_is_typed_or_imported_and_shows_coverage(world, enter):
    a, cal = world.a, world.calendar_a
    teacher = enter(a.class_teacher, a.host)
    url = f"/plans/{a.school_class.pk}/{cal.math.pk}/"
    teacher.post(url, {"topics": "Натуральные числа; 2\nДроби; 3\nПроценты; 1"})
    with schema_context(a.school.schema_name):
        topics = list(PlannedTopic.objects.filter(plan__school_class=a.school_class, plan__subject=cal.math))
        assert [(t.title, t.hours) for t in topics] == [("Натуральные числа", 2), ("Дроби", 3), ("Проценты", 1)]
        lesson = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lte=TODAY).last()
    teacher.post(f"/lessons/{lesson.pk}/", {"action": "topic", "planned_topic": topics[0].pk, "topic": ""})
    page = teacher.get(url).content.decode()
    assert "Пройдено тем: 1 из 3" in page
    bad = teacher.post(url, {"file": csv_file("ктп.csv", "Тема;Часов\nДроби;много\n")}, follow=True)
    assert "часов — целое число" in bad.content.decode()
    teacher.post(url, {"file": xlsx_file("ктп.xlsx", [["Тема", "Часов"], ["Натуральные числа", 2], ["Уравнения", 4]])})
    with schema_context(a.school.schema_name):
        titles = list(
            PlannedTopic.objects.filter(plan__school_class=a.school_class, plan__subject=cal.math)
            .order_by("position")
            .values_list("title", flat=True)
        )
    assert titles == ["Натуральные числа", "Уравнения"]
    assert enter(a.teacher, a.host).post(url, {"topics": "Чужая тема; 1"}).status_code == 404


def test_the_deputy_reopens_a_term_from_the_control_page(world, enter):
    a, cal = world.a, world.calendar_a
    page = enter(a.deputy, a.host)
    form = {
        "term": cal.closed_term.pk,
        "school_class": a.school_class.pk,
        "subject": cal.math.pk,
        "reason": "Исправление ошибки в отметке",
        "until": (TODAY + timedelta(days=1)).isoformat(),
    }
    assert enter(a.director, a.host).post("/control/", form).status_code == 403
    response = page.post("/control/", form, follow=True)
    assert "Период открыт для исправлений" in response.content.decode()
    assert "Исправление ошибки в отметке" in response.content.decode()


def test_the_class_teacher_records_absence_reasons_on_the_class_page(world, enter):
    from journal import services
    from journal.models import Attendance

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = Lesson.objects.filter(school_class=a.school_class, subject=cal.russian, date__lte=TODAY).last()
        services.take_attendance(lesson, absent=[a.pupils[1]], by=a.teacher)
        entry = Attendance.objects.get(lesson=lesson, pupil=a.pupils[1], deleted_at__isnull=True)
    browser = enter(a.class_teacher, a.host)
    assert a.pupils[1].full_name in browser.get(f"/classes/{a.school_class.pk}/absences/").content.decode()
    browser.post(f"/classes/{a.school_class.pk}/absences/", {"attendance": entry.pk, "reason": "excused"})
    with schema_context(a.school.schema_name):
        entry.refresh_from_db()
        assert entry.reason == "excused"
    assert enter(a.teacher, a.host).get(f"/classes/{a.school_class.pk}/absences/").status_code == 403


def test_pupils_are_enrolled_and_moved_from_the_class_page(world, enter):
    a = world.a
    admin = enter(a.admin, a.host)
    page = admin.get(f"/classes/{a.school_class.pk}/").content.decode()
    assert "<title>5А класс — Школа Альфа</title>" in page and "Зачислить обучающегося" in page
    admin.post(
        f"/classes/{a.school_class.pk}/enroll/",
        {
            "last_name": "Новикова",
            "first_name": "Ева",
            "middle_name": "",
            "birth_date": "2015-06-01",
            "on": TODAY.isoformat(),
            "order_number": "77-у",
            "order_date": TODAY.isoformat(),
        },
    )
    with schema_context(a.school.schema_name):
        eva = Pupil.objects.get(last_name="Новикова")
    no_order = admin.post(
        f"/classes/{a.school_class.pk}/pupils/{eva.pk}/move/",
        {"kind": "withdraw", "on": TODAY.isoformat(), "order_number": "", "order_date": TODAY.isoformat()},
        follow=True,
    )
    assert "номер и дату приказа" in no_order.content.decode()
    admin.post(
        f"/classes/{a.school_class.pk}/pupils/{eva.pk}/move/",
        {
            "kind": "transfer",
            "to_class": a.other_class.pk,
            "on": TODAY.isoformat(),
            "order_number": "78-у",
            "order_date": TODAY.isoformat(),
        },
    )
    with schema_context(a.school.schema_name):
        eva.refresh_from_db()
        assert eva.school_class_id == a.other_class.pk
    assert enter(a.teacher, a.host).post(f"/classes/{a.school_class.pk}/enroll/", {}).status_code == 403
