"""Bad input and integrity, as an attacker and as a careless user try them: each refusal is a
clear 4xx in the user's language (structured in the API), and changes nothing; a repeated
request does not repeat a write; past lessons, locked terms and the audit trail stay as they are."""

import io
import os
import uuid
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django_tenants.utils import schema_context
from pypdf import PdfReader

from audit.models import AuditEntry
from bench.hostile_imports import workbook
from journal import imports, services
from journal.imports import MAX_ROWS
from journal.models import Attendance, ImportBatch, Lesson, Mark, Pupil, Rules, Term
from monitoring.models import Threshold
from tests.conftest import production_settings

TODAY = date.today()


def math_lesson(w, cal, **filters):
    return (
        Lesson.objects.filter(school_class=w.school_class, subject=cal.math, term=cal.term, date__lte=TODAY, **filters)
        .order_by("date")
        .last()
    )


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert "ErrorDetail" not in response.content.decode() and "['" not in body["error"]["message"]
    assert all(isinstance(m, str) for messages in body["error"]["fields"].values() for m in messages)
    return body["error"]


# --- Malformed requests: a 4xx in the error shape, never a 5xx --------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/history/",
        "/api/v1/journal/",
        "/api/v1/marks/",
        "/api/v1/history/?lesson=abc&pupil=1",
        "/api/v1/journal/?school_class=1&subject=x&term=1",
        "/api/v1/marks/?lesson=99999999999999999999",
        "/api/v1/lessons/?date_from=yesterday",
        "/api/v1/lessons/?school_class=5А",
        "/api/v1/substitutions/?date=31.02.2026",
        "/api/v1/timetable/?teacher=-1",
    ],
)
def test_a_query_without_or_with_wrong_parameters_is_a_400_that_names_them(world, enter, path):
    teacher = enter(world.a.deputy if "substitutions" in path else world.a.class_teacher, world.a.host)
    response = teacher.get(path)
    assert response.status_code == 400, response.content
    assert error_of(response)["fields"]


def test_a_service_refusal_reads_as_a_sentence_not_a_python_list(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        future = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__gt=TODAY).first()
    response = enter(a.class_teacher, a.host).post(
        "/api/v1/marks/",
        {"lesson": future.pk, "pupil": a.pupils[0].pk, "value": "5", "work_type": cal.answer.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert error_of(response)["message"].startswith("Урок ещё не прошёл")


@pytest.mark.parametrize(
    "payload",
    [
        {"lesson": "1; DROP TABLE", "pupil": 1, "value": "5", "work_type": 1},
        {"lesson": 2**70, "pupil": 1, "value": "5", "work_type": 1},
        {"lesson": 1, "pupil": [1], "value": {"x": 5}, "work_type": None},
        ["not", "an", "object"],
    ],
)
def test_non_numbers_ids_past_bigint_and_non_string_fields_are_refused(world, enter, payload):
    a = world.a
    response = enter(a.class_teacher, a.host).post("/api/v1/marks/", payload, content_type="application/json")
    assert response.status_code == 400
    error_of(response)
    with schema_context(a.school.schema_name):
        assert not Mark.objects.exists()


def test_an_api_path_that_does_not_exist_answers_in_the_error_shape(world, enter):
    response = enter(world.a.class_teacher, world.a.host).get("/api/v1/lessons/-5/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_a_nul_character_in_a_form_is_refused_and_changes_nothing(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
        before = lesson.topic
    response = enter(a.class_teacher, a.host).post(f"/lessons/{lesson.pk}/", {"action": "topic", "topic": "Дроби\x00"})
    assert response.status_code == 400 and "недопустимый символ" in response.content.decode()
    with schema_context(a.school.schema_name):
        lesson.refresh_from_db()
        assert lesson.topic == before


def test_a_form_id_that_is_not_a_number_finds_nothing_instead_of_failing(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    response = enter(a.class_teacher, a.host).post(
        f"/lessons/{lesson.pk}/", {"action": "mark", "pupil": "abc", "work_type": "9" * 30, "value": "5"}, follow=True
    )
    assert response.status_code == 200 and "Выберите обучающегося этого урока и вид работы" in response.content.decode()
    response = enter(a.class_teacher, a.host).post(
        f"/lessons/{lesson.pk}/", {"action": "attendance", "status_x1": "absent"}, follow=True
    )
    assert response.status_code == 200 and "не из этого урока" in response.content.decode()


@pytest.mark.parametrize("green", ["NaN", "Infinity", "-inf", "sNaN"])
def test_a_threshold_that_is_not_a_number_is_refused(world, enter, green):
    response = enter(world.official, "localhost").post(
        "/district/quality/thresholds/", {"code": "Q1", "green": green, "amber": "80"}, follow=True
    )
    assert response.status_code == 200 and "Пороги — числа" in response.content.decode()
    assert not Threshold.objects.filter(code="Q1").exists()


def test_a_request_bigger_than_any_form_is_refused_before_its_body_is_read(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    # The Content-Length says 50 MB; the body is never read, so it need not be sent.
    response = enter(a.class_teacher, a.host).generic(
        "POST",
        f"/lessons/{lesson.pk}/",
        b"action=homework",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413 and "больше 12 МБ" in response.content.decode()


# --- Uploads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("задание.html", b"<script>alert(1)</script>"),
        ("рисунок.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
)
def test_a_homework_file_that_a_browser_would_run_is_refused(world, enter, name, content):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    response = enter(a.class_teacher, a.host).post(
        f"/lessons/{lesson.pk}/",
        {"action": "homework", "homework": "§ 5", "files": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert "допустимы документы" in response.content.decode()
    with schema_context(a.school.schema_name):
        lesson.refresh_from_db()
        assert lesson.homework != "§ 5" and not lesson.files.exists()  # the text is not saved without its file


def test_a_path_in_an_upload_name_is_only_a_name(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    enter(a.class_teacher, a.host).post(
        f"/lessons/{lesson.pk}/",
        {"action": "homework", "homework": "§ 6", "files": SimpleUploadedFile("../../../etc/passwd.pdf", b"%PDF-1.4")},
    )
    with schema_context(a.school.schema_name):
        attached = lesson.files.get()
        assert attached.name == "passwd.pdf" and ".." not in attached.file.name
        assert attached.file.name.startswith(f"{a.school.schema_name}/homework/{lesson.pk}/")


# --- Imports ------------------------------------------------------------------------------------


def upload(name, content):
    return SimpleUploadedFile(name, content)


def import_refused(world, enter, name, content, message, kind="pupils"):
    response = enter(world.a.admin, world.a.host).post(
        "/imports/", {"kind": kind, "file": upload(name, content)}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200 and message in page, page[page.find("<main>") :][:600]
    with schema_context(world.a.school.schema_name):
        assert not ImportBatch.objects.exists() and not Pupil.objects.filter(last_name="Взломов").exists()


HEADER = ["Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Приказ", "Дата приказа"]


def test_an_xlsx_of_100000_rows_is_stopped_at_the_row_limit_while_it_is_read(world, enter):
    content = workbook([HEADER] + [["Взломов"]] * 100_000)
    assert len(content) < 1_000_000  # a small file (under the 2 MB limit), many rows
    read = []
    rows_of = imports._xlsx_rows

    def counted(upload):
        for row in rows_of(upload):
            read.append(row)
            yield row

    with mock.patch.object(imports, "_xlsx_rows", counted):
        import_refused(world, enter, "много.xlsx", content, "Больше 2000 строк")
    # The reader stops at the limit: the header, the limit's rows and the one too many, of 100,001.
    assert len(read) == 1 + MAX_ROWS + 1


def test_a_csv_of_100000_rows_is_refused_with_the_limit(world, enter):
    text = ";".join(HEADER) + "\n" + "Взломов\n" * 100_000
    import_refused(world, enter, "много.csv", text.encode(), "Больше 2000 строк")


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "нули.csv",
            (";".join(HEADER) + "\nВзломов\x00;Иван;;01.01.2015;5А;1-у;01.09.2026\n").encode(),
            "двоичные данные",
        ),
        ("мусор.csv", bytes(range(1, 256)) * 16, "Кодировка файла не распознана"),
        ("мусор.xlsx", bytes(range(256)) * 16, "не читается как таблица XLSX"),
        ("кодировка.csv", ";".join(HEADER).encode("utf-16"), "двоичные данные"),
        (
            "длинная.csv",
            (";".join(HEADER) + "\n" + "Взломов;" + "И" * 5000 + ";;01.01.2015;5А;1-у;01.09.2026\n").encode(),
            "ячейка длиннее 1000 знаков",
        ),
    ],
)
def test_a_hostile_import_file_gets_a_clear_message_and_changes_nothing(world, enter, name, content, message):
    import_refused(world, enter, name, content, message)


@pytest.mark.parametrize(
    "kind, make, message",
    [
        # Kept as text, a CSV formula would run when the list is opened in a spreadsheet again.
        (
            "csv",
            lambda: (
                ";".join(HEADER)
                + "\n"
                + '=HYPERLINK("http://evil.example";"Иван");Взломов;;01.01.2015;5А;1-у;01.09.2026\n'
            ).encode("cp1251"),
            "похожа на формулу",
        ),
        # An XLSX cell is read as its value, never as its formula; with no value kept, it is empty.
        (
            "xlsx",
            lambda: workbook(
                [
                    HEADER,
                    [
                        "Взломов",
                        '=HYPERLINK("http://evil.example","Иван")',
                        "",
                        "01.01.2015",
                        "5А",
                        "1-у",
                        "01.09.2026",
                    ],
                ]
            ),
            "пусто: «Имя»",
        ),
    ],
)
def test_a_formula_in_an_import_is_a_row_error_not_a_value(world, enter, kind, make, message):
    admin = enter(world.a.admin, world.a.host)
    response = admin.post("/imports/", {"kind": "pupils", "file": upload(f"формула.{kind}", make())}, follow=True)
    page = response.content.decode()
    assert message in page and "Загрузить все строки" not in page
    applied = admin.post(response.redirect_chain[-1][0], follow=True)
    assert "есть ошибки" in applied.content.decode()
    with schema_context(world.a.school.schema_name):
        assert not Pupil.objects.filter(last_name="Взломов").exists()


# --- Printed reports ----------------------------------------------------------------------------


def test_a_name_with_markup_prints_as_text_in_the_weekly_report(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        pupil = a.pupils[1]
        Pupil.objects.filter(pk=pupil.pk).update(
            last_name='<a href="http://evil.example">Ссылкин</a> & <b>', first_name="<font"
        )
    response = enter(a.class_teacher, a.host).get(f"/classes/{a.school_class.pk}/weekly-report/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert '<a href="http://evil.example">Ссылкин</a> & <b>' in text
    assert not any("/Annots" in page for page in reader.pages)  # no link planted in the paper


def test_a_frozen_reports_reason_with_markup_prints_as_text(world, enter):
    from monitoring.models import Report
    from monitoring.reports import previous_month

    b = world.b
    month = previous_month()
    deputy = enter(b.deputy, b.host)
    deputy.post("/quality/reports/", {"kind": "filling", "period": f"{month:%Y-%m}"})
    reason = '<a href="http://evil.example">Учтены замены</a> & <b'
    deputy.post("/quality/reports/", {"kind": "filling", "period": f"{month:%Y-%m}", "reason": reason})
    report = Report.objects.filter(kind="filling", school=b.school, starts_on=month).latest("version")
    response = deputy.get(f"/quality/reports/{report.pk}.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert reason in " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert not any("/Annots" in page for page in reader.pages)


# --- One request, one write ---------------------------------------------------------------------


def test_a_mark_sent_twice_with_its_key_is_saved_once(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    teacher = enter(a.class_teacher, a.host)
    key = str(uuid.uuid4())
    mark = {"lesson": lesson.pk, "pupil": a.pupils[0].pk, "value": "4", "work_type": cal.answer.pk}
    first = teacher.post("/api/v1/marks/", mark, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    again = teacher.post("/api/v1/marks/", mark, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    other = teacher.post(
        "/api/v1/marks/", {**mark, "value": "5"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert other.status_code == 400 and "ключ запроса уже использован" in error_of(other)["message"]
    bad = teacher.post("/api/v1/marks/", mark, content_type="application/json", HTTP_IDEMPOTENCY_KEY="twice")
    assert bad.status_code == 400
    with schema_context(a.school.schema_name):
        assert Mark.objects.filter(lesson=lesson, pupil=a.pupils[0]).count() == 1
        assert AuditEntry.objects.filter(action="mark.created", target_id=first.json()["id"]).count() == 1


def test_the_lesson_page_mark_form_sent_twice_saves_one_mark(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    teacher = enter(a.class_teacher, a.host)
    page = teacher.get(f"/lessons/{lesson.pk}/").content.decode()
    key = page.split('name="request_key" value="', 1)[1].split('"', 1)[0]
    form = {"action": "mark", "pupil": a.pupils[0].pk, "work_type": cal.answer.pk, "value": "5", "request_key": key}
    teacher.post(f"/lessons/{lesson.pk}/", form)
    teacher.post(f"/lessons/{lesson.pk}/", form)
    with schema_context(a.school.schema_name):
        assert Mark.objects.filter(lesson=lesson, pupil=a.pupils[0]).count() == 1


def test_a_lesson_patch_that_is_refused_in_part_saves_nothing(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
        before = (lesson.topic, lesson.homework)
    response = enter(a.class_teacher, a.host).patch(
        f"/api/v1/lessons/{lesson.pk}/",
        {"topic": "Новая тема", "homework": "§ 3", "homework_none": True},
        content_type="application/json",
    )
    assert response.status_code == 400 and "Либо задание" in error_of(response)["message"]
    with schema_context(a.school.schema_name):
        lesson.refresh_from_db()
        assert (lesson.topic, lesson.homework) == before
        assert not AuditEntry.objects.filter(
            action="lesson.topic", target_id=lesson.pk, new__topic="Новая тема"
        ).exists()


def test_homework_refused_for_its_file_is_not_saved_either(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
    enter(a.class_teacher, a.host).post(
        f"/lessons/{lesson.pk}/",
        {
            "action": "homework",
            "homework": "§ 7",
            "files": [SimpleUploadedFile("a.pdf", b"%PDF"), SimpleUploadedFile("b.exe", b"MZ")],
        },
    )
    with schema_context(a.school.schema_name):
        lesson.refresh_from_db()
        assert lesson.homework != "§ 7" and not lesson.files.exists()


# --- Evidence is kept ---------------------------------------------------------------------------


def test_ending_a_slot_on_a_past_day_keeps_the_past_lessons(world):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        slot = math_lesson(a, cal).slot
        past = set(Lesson.objects.filter(slot=slot, date__lte=TODAY).values_list("pk", flat=True))
        services.end_slot(slot, last_day=cal.term.starts_on, by=a.deputy)
        assert set(Lesson.objects.filter(slot=slot, date__lte=TODAY).values_list("pk", flat=True)) == past
        assert not Lesson.objects.filter(slot=slot, date__gt=TODAY, topic="").exists()


def test_a_lesson_of_a_locked_term_cannot_be_cancelled(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        old = Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term).first()
    response = enter(a.deputy, a.host).post(
        f"/lessons/{old.pk}/", {"action": "cancel", "reason": "Ошибка"}, follow=True
    )
    assert "закрыт: урок не отменяется" in response.content.decode()
    with schema_context(a.school.schema_name):
        old.refresh_from_db()
        assert old.cancelled_at is None


def test_a_cancelled_lessons_marks_stay_in_the_journal(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
        services.add_mark(lesson, pupil=a.pupils[0], value="2", work_type=cal.test_work, by=a.class_teacher)
        services.cancel_lesson(lesson, reason="Карантин", by=a.deputy)
    page = (
        enter(a.deputy, a.host).get(f"/journal/{a.school_class.pk}/{cal.math.pk}/?term={cal.term.pk}").content.decode()
    )
    assert f'data-lesson="{lesson.pk}"' in page and "отменён" in page


def test_no_mark_or_attendance_on_a_holiday(world):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = math_lesson(a, cal)
        services.add_holiday(year=cal.year, name="Карантин", starts_on=lesson.date, ends_on=lesson.date)
        lesson.refresh_from_db()  # a past lesson stays when a holiday is declared over it
        with pytest.raises(ValidationError, match="каникулы или выходной"):
            services.add_mark(lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        with pytest.raises(ValidationError, match="каникулы или выходной"):
            services.take_attendance(lesson, absent=[a.pupils[0]], by=a.class_teacher)
        assert not Mark.objects.filter(lesson=lesson).exists() and not Attendance.objects.filter(lesson=lesson).exists()


def test_the_year_mark_waits_for_the_end_of_the_year_and_locks_with_it(world):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        with pytest.raises(ValidationError, match="в конце учебного года"):
            services.set_final_mark(pupil=a.pupils[0], subject=cal.math, year=cal.year, value="5", by=a.class_teacher)
        # The last term ended long enough ago to be locked.
        Term.objects.filter(year=cal.year).update(starts_on=cal.year.starts_on, ends_on=TODAY - timedelta(days=30))
        Term.objects.filter(pk__in=[cal.closed_term.pk, cal.next_term.pk]).update(ends_on=TODAY - timedelta(days=60))
        with pytest.raises(ValidationError, match="закрыт"):
            services.set_final_mark(pupil=a.pupils[0], subject=cal.math, year=cal.year, value="5", by=a.class_teacher)
        Term.objects.filter(pk=cal.term.pk).update(ends_on=TODAY - timedelta(days=Rules.get().final_marks_days))
        final = services.set_final_mark(
            pupil=a.pupils[0], subject=cal.math, year=cal.year, value="5", by=a.class_teacher
        )
        assert final.term is None and final.value == "5"


# --- The audit trail, guarded by the database ---------------------------------------------------


@pytest.mark.parametrize("where", ["school", "public"])
def test_the_database_refuses_to_change_or_delete_audit_entries(world, where):
    schema = world.a.school.schema_name if where == "school" else "public"
    with schema_context(schema):
        entry = AuditEntry.objects.order_by("id").first()
        assert entry is not None
        for write in (
            lambda q: q.update(reason="переписано"),
            lambda q: q.delete(),
            lambda q: connection.cursor().execute("UPDATE audit_auditentry SET ip = NULL"),
        ):
            with pytest.raises((InternalError, ProgrammingError, IntegrityError), match="append-only"):
                with transaction.atomic():
                    write(AuditEntry.objects.filter(pk=entry.pk))
        entry.refresh_from_db()
        assert entry.reason != "переписано"


def test_a_new_school_gets_the_guard_too(world):
    from tenants.services import create_school

    school = create_school(name="МБОУ «Школа Дельта»", short_name="Школа Дельта", slug="school-d")
    with schema_context(school.schema_name):
        AuditEntry.objects.create(action="test", target_type="test", target_id=1)
        with pytest.raises((InternalError, ProgrammingError), match="append-only"):
            with transaction.atomic():
                AuditEntry.objects.all().delete()


# --- Security headers ---------------------------------------------------------------------------


def test_every_page_carries_the_security_headers(world, enter):
    response = enter(world.parent, "localhost").get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_holds_inline_script():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for template in root.glob("*/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        handlers = any(f" on{event}=" in text for event in ("click", "change", "submit", "load", "input"))
        if "<script>" in text or handlers or "javascript:" in text:
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


def test_production_settings_send_hsts_and_secure_cookies():
    """The settings as the Helm chart starts them (SECURE_COOKIES=true, DEBUG off)."""
    production = production_settings({**os.environ, "SECURE_COOKIES": "true", "DEBUG": "false"})
    assert {
        k: getattr(production, k)
        for k in [
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "DEBUG",
            "SECURE_CONTENT_TYPE_NOSNIFF",
            "SECURE_REFERRER_POLICY",
        ]
    } == {
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "DEBUG": False,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
    }
