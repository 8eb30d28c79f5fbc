"""The district's quality dashboard and a school's control page show the same numbers."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from monitoring.indicators import compute
from monitoring.models import SchoolMonth, Threshold, colour, thresholds
from monitoring.reports import FILLS
from monitoring.tasks import update_school_month


def test_traffic_lights_follow_the_districts_thresholds(db):
    limits = thresholds()
    assert colour("Q1", Decimal("98.5"), limits) == "green" and colour("Q1", Decimal("91"), limits) == "amber"
    assert colour("Q1", Decimal("50"), limits) == "red" and colour("Q7", Decimal("1"), limits) == "green"
    assert colour("Q7", Decimal("7"), limits) == "red" and colour("Q17", Decimal("10"), limits) == ""
    Threshold.objects.create(code="Q1", green=Decimal("90"), amber=Decimal("80"))
    assert colour("Q1", Decimal("91"), thresholds()) == "green"


def test_the_district_row_and_the_school_page_give_the_same_numbers(world, enter):
    b = world.b
    month = timezone.localdate().replace(day=1)
    with schema_context(b.school.schema_name):
        update_school_month(month.isoformat())
        figures = compute(month)
    stored = {f.code: (f.numerator, f.denominator) for f in SchoolMonth.objects.filter(school=b.school, month=month)}
    assert {code: stored[code] for code in figures} == figures
    district = enter(world.official).get(f"/district/quality/?month={month:%Y-%m}").content.decode()
    school_page = enter(b.director, b.host).get(f"/quality/?month={month:%Y-%m}").content.decode()
    numerator, denominator = figures["Q4"]
    assert f'title="{numerator} / {denominator}"' in district and f'title="{numerator} / {denominator}"' in school_page
    assert "Ученик" not in district and "Бета" in district  # school names, no pupils
    trend = enter(world.official).get(f"/district/quality/{b.school.slug}/").content.decode()
    assert month.strftime("%m.%Y") in trend


def test_a_month_in_the_future_or_before_the_school_existed_gets_a_clear_message(world, enter):
    b = world.b
    future = (timezone.localdate().replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    assert "будущий месяц" in enter(world.official).get(f"/district/quality/?month={future}").content.decode()
    assert "будущий месяц" in enter(b.director, b.host).get(f"/quality/?month={future}").content.decode()
    assert "подключена" in enter(b.director, b.host).get("/quality/?month=2001-01").content.decode()
    assert "ГГГГ-ММ" in enter(world.official).get("/district/quality/?month=11.2026").content.decode()


def test_only_the_heads_open_the_control_page_and_only_the_district_the_dashboard(world, enter):
    a, b = world.a, world.b
    assert enter(a.deputy, a.host).get("/quality/").status_code == 200
    assert enter(a.teacher, a.host).get("/quality/").status_code == 403
    assert enter(b.director, a.host).get("/quality/").status_code == 302
    assert enter(world.parent).get("/district/quality/").status_code == 403
    assert enter(a.director).get("/district/quality/").status_code == 302  # no role at the portal: signed out


def test_a_district_official_changes_a_threshold_with_its_history(world, enter):
    from audit.models import AuditEntry

    official = enter(world.official)
    official.post("/district/quality/thresholds/", {"code": "Q1", "green": "95", "amber": "85"})
    assert Threshold.objects.get(code="Q1").green == Decimal("95")
    assert AuditEntry.objects.get(action="threshold.set").old == {"green": "98", "amber": "90"}
    bad = official.post("/district/quality/thresholds/", {"code": "Q1", "green": "80", "amber": "90"}, follow=True)
    assert "строже" in bad.content.decode()
    assert (
        enter(world.operator)
        .post("/district/quality/thresholds/", {"code": "Q1", "green": "1", "amber": "0"})
        .status_code
        == 403
    )
    assert Threshold.objects.get(code="Q1").green == Decimal("95")


def test_a_teacher_is_reminded_the_next_morning_of_yesterdays_gaps(world, db, settings):
    from django.core import mail

    from journal import services
    from journal.models import Lesson
    from monitoring.tasks import remind_teachers, reminders

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    b, cal = world.b, world.calendar_b
    with schema_context(b.school.schema_name):
        lesson = (
            Lesson.objects.filter(school_class=b.school_class, subject=cal.math, date__lt=timezone.localdate())
            .order_by("date")
            .last()
        )
        line = f"{lesson.number} урок, {b.school_class} Математика: нет — тема, домашнее задание, посещаемость"
        assert line in reminders(lesson.date)[b.class_teacher.pk]
        # The morning task e-mails every teacher who had gaps that day, one letter each.
        teachers = set(reminders(lesson.date))
        assert remind_teachers(lesson.date.isoformat()) == len(teachers) == len(mail.outbox) >= 1
        assert line in next(m.body for m in mail.outbox if m.to == [b.class_teacher.email])
        services.set_topic(lesson, topic="Дроби", by=b.class_teacher)
        services.set_homework(lesson, none=True, by=b.class_teacher)
        services.take_attendance(lesson, by=b.class_teacher)
        assert not any(
            f"{lesson.number} урок, {b.school_class} Математика" in text
            for text in reminders(lesson.date).get(b.class_teacher.pk, [])
        )


def test_the_monthly_report_is_frozen_versioned_and_offered_as_pdf_and_xlsx(world, enter):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from monitoring.models import Report
    from monitoring.reports import previous_month

    a, b = world.a, world.b
    month = previous_month()
    SchoolMonth.objects.create(school=a.school, month=month, code="Q1", numerator=49, denominator=50)
    SchoolMonth.objects.create(school=b.school, month=month, code="Q1", numerator=30, denominator=50)
    official = enter(world.official)
    official.post("/district/quality/reports/", {"kind": "quality", "period": month.strftime("%Y-%m")})
    first = Report.objects.get(kind="quality", school__isnull=True, starts_on=month)
    assert first.version == 1 and first.data["totals"]["Q1"]["percent"] == 79.0
    again = official.post(
        "/district/quality/reports/", {"kind": "quality", "period": month.strftime("%Y-%m")}, follow=True
    )
    assert "только с причиной" in again.content.decode()
    SchoolMonth.objects.filter(school=b.school, code="Q1").update(numerator=45)
    official.post(
        "/district/quality/reports/",
        {"kind": "quality", "period": month.strftime("%Y-%m"), "reason": "Данные досданы после срока"},
    )
    versions = list(Report.objects.filter(kind="quality", school__isnull=True, starts_on=month).order_by("version"))
    assert [r.version for r in versions] == [1, 2]
    assert versions[0].data["totals"]["Q1"]["percent"] == 79.0 and versions[1].data["totals"]["Q1"]["percent"] == 94.0
    book = load_workbook(io.BytesIO(official.get(f"/district/quality/reports/{versions[1].pk}.xlsx").content))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert ["Школа Альфа", 98.0] == rows[2][:2] and ["Район", 94.0] in [row[:2] for row in rows]
    assert book.active.cell(row=3, column=2).fill.fgColor.rgb.endswith(FILLS["green"])  # each colour on its row
    text = (
        PdfReader(io.BytesIO(official.get(f"/district/quality/reports/{versions[1].pk}.pdf").content))
        .pages[0]
        .extract_text()
    )
    assert "Мониторинг" in text and "Школа Бета" in text
    assert "94.0" in official.get(f"/district/quality/reports/{versions[1].pk}/").content.decode()
    future = official.post(
        "/district/quality/reports/", {"kind": "quality", "period": timezone.localdate().strftime("%Y-%m")}, follow=True
    )
    assert "завершившийся период" in future.content.decode()
    # A school sees its own report only.
    own = Report.objects.get(school=a.school, starts_on=month, version=2)
    director = enter(a.director, a.host)
    assert director.get(f"/quality/reports/{own.pk}.xlsx").status_code == 200
    assert director.get(f"/quality/reports/{versions[1].pk}.pdf").status_code == 404
    assert director.get(f"/quality/reports/{Report.objects.get(school=b.school, version=2).pk}.pdf").status_code == 404
    assert "Бета" not in director.get("/quality/reports/").content.decode()
    assert director.get(f"/quality/reports/{own.pk}/").status_code == 200
    assert (
        enter(world.operator)
        .post("/district/quality/reports/", {"kind": "quality", "period": month.strftime("%Y-%m"), "reason": "x"})
        .status_code
        == 403
    )


def test_the_control_page_breaks_the_month_down_by_teacher_class_and_subject(world, enter):
    from journal import services
    from journal.models import Lesson

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):  # the month of the class teacher's last maths lesson so far
        lesson = (
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=timezone.localdate())
            .order_by("date")
            .last()
        )
    month = lesson.date.replace(day=1)
    page = enter(a.deputy, a.host).get(f"/quality/?month={month:%Y-%m}")
    body = page.content.decode()
    assert "По учителям" in body and "По классам" in body and "По предметам" in body
    names = [row["name"] for title, codes, rows in page.context["breakdowns"] for row in rows]
    assert a.class_teacher.full_name in names and "5А" in names and "Математика" in names
    # The lesson's topic shows up in the class teacher's row.
    with schema_context(a.school.schema_name):
        services.set_topic(lesson, topic="Дроби", by=a.class_teacher)
    rows = enter(a.deputy, a.host).get(f"/quality/?month={month:%Y-%m}").context["breakdowns"][0][2]
    mine = next(row for row in rows if row["name"] == a.class_teacher.full_name)
    assert mine["cells"][0]["numerator"] == 1


def test_the_school_recomputes_on_demand_and_the_district_sees_it_at_once(world, enter):
    b = world.b
    month = timezone.localdate().replace(day=1)
    assert not SchoolMonth.objects.filter(school=b.school, month=month).exists()
    enter(b.deputy, b.host).post(f"/quality/?month={month:%Y-%m}")
    assert (
        SchoolMonth.objects.filter(school=b.school, month=month).count() == 19
    )  # Q1-Q17, Q6 within 3 days, Q12 waiting
    assert enter(b.teacher, b.host).post(f"/quality/?month={month:%Y-%m}").status_code == 403


def test_the_dashboard_sorts_filters_and_charts_the_schools_and_the_districts_trend(world, enter):
    from monitoring.reports import previous_month

    a, b = world.a, world.b
    month = previous_month()
    before = previous_month(month)
    for school, month_, code, numerator in (
        (a.school, month, "Q1", 49),
        (b.school, month, "Q1", 30),
        (a.school, month, "Q4", 50),
        (b.school, month, "Q4", 50),
        (a.school, before, "Q1", 10),
        (b.school, before, "Q1", 10),
    ):
        SchoolMonth.objects.create(school=school, month=month_, code=code, numerator=numerator, denominator=50)
    official = enter(world.official)

    def names(query):
        return [
            row["school"].short_name
            for row in official.get(f"/district/quality/?month={month:%Y-%m}&{query}").context["rows"]
        ]

    # Sorted by Q1: the weakest first; a school with no figures (the suspended one) last either way.
    assert names("sort=Q1") == ["Школа Бета", "Школа Альфа", "Школа Гамма"]
    assert names("sort=Q1&order=desc") == ["Школа Альфа", "Школа Бета", "Школа Гамма"]
    assert names("show=red") == ["Школа Бета"] and names("q=альфа") == ["Школа Альфа"]
    assert names("sort=nonsense&show=everything") == ["Школа Альфа", "Школа Бета", "Школа Гамма"]
    page = official.get(f"/district/quality/?month={month:%Y-%m}&chart=Q1")
    assert [(bar["label"], bar["percent"], bar["colour"]) for bar in page.context["school_bars"]] == [
        ("Школа Альфа", 98.0, "green"),
        ("Школа Бета", 60.0, "red"),
    ]
    # Twelve months, each in its place: the two with figures last, the ten before them empty.
    trend = page.context["trend"]["points"]
    assert len(trend) == 12 and [p["percent"] for p in trend[:10]] == [None] * 10
    assert [(p["label"], p["percent"]) for p in trend[10:]] == [(f"{before:%m.%Y}", 20.0), (f"{month:%m.%Y}", 79.0)]
    assert page.context["trend"]["segments"] == [f"{trend[10]['x']},40.0 100.0,10.5"]
    assert "<svg" in page.content.decode() and "Школа Бета: 60,0%" in page.content.decode()


def test_the_districts_school_lists_come_a_page_at_a_time_keeping_the_filters(world, enter, monkeypatch):
    """A region's hundreds of schools: the console and the quality table show one page at a time
    (here a page of one), each school on exactly one page, the links keeping what was chosen."""
    from tenants.models import School

    monkeypatch.setattr("groundwork.pages.PER_PAGE", 1)
    official = enter(world.official)
    every = list(School.objects.exclude(schema_name="public"))
    active = [s for s in every if s.status == "active"]
    assert len(active) >= 2
    month = f"{timezone.localdate():%Y-%m}"
    for url, expected in (("/district/?status=active", active), (f"/district/quality/?month={month}&sort=name", every)):
        pages = [official.get(f"{url}&page={n}").content.decode() for n in range(1, len(expected) + 1)]
        shown = [[s.short_name for s in every if f">{s.short_name}<" in page] for page in pages]
        assert all(len(names) == 1 for names in shown), (url, shown)
        assert sorted(name for names in shown for name in names) == sorted(s.short_name for s in expected)
        assert f"страница 1 из {len(expected)}" in pages[0]
        query = url.split("?", 1)[1].replace("&", "&amp;")
        assert f"?{query}&amp;page=2" in pages[0]  # the next page keeps the filters
        assert "страница 1 из" in official.get(f"{url}&page=x").content.decode()  # not a number: the first


def test_a_page_of_the_quality_table_costs_one_page_however_many_schools_the_region_has(world, enter):
    """A region's thousands of schools: the database filters and sorts them, colours compared
    exactly as the cells colour them, and a page reads the figures of its own fifty schools only —
    the rows the page's statements return stay the same when sixty more schools report."""
    from django.db import connection

    from monitoring.reports import previous_month
    from tenants.models import School

    month = previous_month()
    official = enter(world.official)
    url = f"/district/quality/?month={month:%Y-%m}&sort=Q1"

    def join(start, count):
        # Rows in public only: the table reads what schools reported, never their schemas.
        schools = School.objects.bulk_create(
            School(schema_name=f"school_region{n}", slug=f"region{n}", name=f"Школа {n}", short_name=f"Школа №{n:04}")
            for n in range(start, start + count)
        )
        SchoolMonth.objects.bulk_create(
            SchoolMonth(school=school, month=month, code=code, numerator=5000 - n, denominator=5000)
            for n, school in enumerate(schools, start)
            for code in ("Q1", "Q4")
        )

    def rows_read():
        returned = []

        def count(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            returned.append(max(context["cursor"].rowcount, 0))
            return result

        with connection.execute_wrapper(count):
            page = official.get(url)
        assert page.status_code == 200 and len(page.context["rows"]) == 50
        return sum(returned)

    join(0, 60)
    before = rows_read()
    join(60, 60)
    assert rows_read() == before

    # The weakest Q1 first; 4,498 of 5,000 is 89.96 %: shown as 90,0 but short of the amber 90 %.
    SchoolMonth.objects.filter(school__slug="region7", code="Q1").update(numerator=4498)
    SchoolMonth.objects.filter(school__slug="region8", code="Q1").update(numerator=4500)
    rows = official.get(url).context["rows"]
    assert [row["school"].slug for row in rows[:3]] == ["region7", "region8", "region119"]
    red = official.get(f"{url}&show=red&q=№000").context["rows"]
    assert [(row["school"].slug, row["cells"][0]["percent"], row["cells"][0]["colour"]) for row in red] == [
        ("region7", 90.0, "red")
    ]
    # Lower is better for Q7: 6 % of pupils without a mark is past its amber 5 %.
    SchoolMonth.objects.create(
        school=School.objects.get(slug="region9"), month=month, code="Q7", numerator=3, denominator=50
    )
    red = official.get(f"{url}&show=red&q=№000").context["rows"]
    assert [row["school"].slug for row in red] == ["region7", "region9"]


def test_an_official_goes_from_a_red_figure_to_the_teacher_and_class_behind_it(world, enter):
    """The dashboard's cell links to the school's month by class, subject and teacher, the worst
    first for that indicator: staff names and class labels, no pupil."""
    from journal.models import Lesson

    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        lesson = (
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=timezone.localdate())
            .order_by("date")
            .last()
        )
        month = lesson.date.replace(day=1)
        update_school_month(month.isoformat())
    official = enter(world.official)
    dashboard = official.get(f"/district/quality/?month={month:%Y-%m}").content.decode()
    link = f"/district/quality/{a.school.slug}/{month:%Y-%m}/?code=Q1"
    assert f'href="{link}"' in dashboard and "Темы уроков заполнены" in dashboard  # words, the code a hint
    page = official.get(link)
    body = page.content.decode()
    assert a.class_teacher.full_name in body and a.teacher.full_name in body and "5А" in body
    assert not any(p.full_name in body for p in a.pupils + world.b.pupils)
    titles = [title for title, codes, rows in page.context["breakdowns"]]
    assert titles == ["По учителям", "По классам", "По предметам"]
    # Worst first by the chosen indicator: nobody entered a topic in the test world, so all are 0 %
    # and every teacher of the month is listed.
    teachers = [row["name"] for row in page.context["breakdowns"][0][2]]
    assert {a.class_teacher.full_name, a.teacher.full_name} <= set(teachers)
    # Parents, the school's own staff and strangers do not get the district's page.
    assert enter(world.parent).get(link).status_code in (302, 403, 404)
    assert enter(a.deputy, a.host).get(link).status_code == 404
    assert official.get(f"/district/quality/{a.school.slug}/2026-13/").status_code == 404


def test_the_worst_comes_first_for_the_chosen_indicator():
    from monitoring.models import thresholds
    from monitoring.selectors import part_tables

    found = {"teacher": {"Петрова А.А.": {"Q1": (9, 10)}, "Иванов Б.Б.": {"Q1": (1, 10)}, "Сидоров": {"Q1": (0, 0)}}}
    for code in ("Q2", "Q3", "Q4", "Q5", "Q6", "Q6_3days", "Q10", "Q16", "Q17"):
        for figures in found["teacher"].values():
            figures[code] = (0, 0)
    rows = part_tables(found, thresholds(), "Q1")[0][2]
    assert [row["name"] for row in rows] == ["Иванов Б.Б.", "Петрова А.А.", "Сидоров"]
    found["teacher"]["Иванов Б.Б."]["Q16"], found["teacher"]["Петрова А.А."]["Q16"] = (1, 10), (5, 10)
    rows = part_tables(found, thresholds(), "Q16")[0][2]  # lower is better: the most late corrections first
    assert [row["name"] for row in rows][:2] == ["Петрова А.А.", "Иванов Б.Б."]


def test_every_indicator_is_on_the_thresholds_page_and_a_trend_can_get_limits(world, enter):
    official = enter(world.official)
    page = official.get("/district/quality/thresholds/").content.decode()
    for name in ("Замены записаны", "Отметки в течение 3 дней", "Темы уроков заполнены"):
        assert name in page
    assert page.count("без порогов: только динамика") == 2  # Q6 within 3 days and Q17, until set
    official.post("/district/quality/thresholds/", {"code": "Q17", "green": "95", "amber": "80"})
    assert thresholds()["Q17"] == (Decimal("95"), Decimal("80"))
    assert colour("Q17", Decimal("70"), thresholds()) == "red"
    refused = official.post("/district/quality/thresholds/", {"code": "Q99", "green": "1", "amber": "1"}, follow=True)
    assert "Неизвестный показатель" in refused.content.decode()
