"""What a family reads besides the week: the subject's рабочая программа the school uploaded,
every school year the child studied in any of the district's schools, and the portfolio the
family fills and the class teacher confirms. Another family never reaches any of it."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from journal.models import AcademicYear, FinalMark, Guardian, PortfolioEntry, Pupil, SchoolClass, WorkProgramme
from notifications.models import Notification


def child_url(world, page):
    a = world.a
    return f"/children/{a.school.slug}/{a.pupils[0].pk}/{page}"


# --- Рабочая программа ------------------------------------------------------------------


def test_the_teacher_uploads_the_work_programme_and_the_family_downloads_it(world, enter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a, cal = world.a, world.calendar_a
    page = f"/journal/{a.school_class.pk}/{cal.math.pk}/programme/"
    teacher = enter(a.class_teacher, a.host)
    refused = teacher.post(page, {"file": SimpleUploadedFile("programme.png", b"\x89PNG")}, follow=True)
    assert "рабочая программа — документ" in refused.content.decode()
    teacher.post(page, {"file": SimpleUploadedFile("Математика 5 класс.pdf", b"%PDF-1.4 old")})
    teacher.post(page, {"file": SimpleUploadedFile("Математика 5 класс (2).pdf", b"%PDF-1.4 new")})
    with schema_context(a.school.schema_name):
        current = WorkProgramme.objects.get(replaced_at__isnull=True)
        assert WorkProgramme.objects.filter(replaced_at__isnull=False).count() == 1  # the old one is kept
    plan = enter(world.parent).get(child_url(world, "plan/")).content.decode()
    assert "Математика 5 класс (2).pdf" in plan
    download = enter(world.parent).get(child_url(world, f"programmes/{current.pk}/"))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 new"
    # Another family, and the Russian teacher at the journal's own address: the same 404.
    other = f"/children/{a.school.slug}/{a.pupils[2].pk}/programmes/{current.pk}/"
    assert enter(world.parent).get(other).status_code == 404
    assert enter(world.other_parent).get(child_url(world, f"programmes/{current.pk}/")).status_code == 404
    file_page = f"/journal/{a.school_class.pk}/{cal.math.pk}/programme/{current.pk}/"
    assert enter(a.teacher, a.host).get(file_page).status_code == 404
    assert enter(a.deputy, a.host).get(file_page).status_code == 200
    # 6Б is another grade: its pupil's diary does not offer 5th grade's programme.
    assert enter(a.teacher, a.host).post(
        f"/journal/{a.other_class.pk}/{cal.math.pk}/programme/", {"file": SimpleUploadedFile("x.pdf", b"%PDF")}
    ).status_code in (302, 404)
    with schema_context(a.school.schema_name):
        assert not WorkProgramme.objects.filter(grade=6, replaced_at__isnull=True).exclude(name="x.pdf").exists()


# --- Every year the child studied ------------------------------------------------------


def an_earlier_year_at_school_b(world, linked=True, years_back=2, **pupil):
    """The first child of school A studied 2nd grade at school B two years ago, then moved."""
    b, cal = world.b, world.calendar_b
    child = world.a.pupils[0]
    with schema_context(b.school.schema_name):
        start = cal.year.starts_on.replace(year=cal.year.starts_on.year - years_back)
        year = AcademicYear.objects.create(
            name=f"{start.year}/{start.year + 1}",
            starts_on=start,
            ends_on=start.replace(year=start.year + 1) - timedelta(days=1),
            closed_at=timezone.now(),
        )
        old_class = SchoolClass.objects.create(year=year, grade=2, letter="В")
        record = Pupil.objects.create(
            **{"last_name": child.last_name, "first_name": child.first_name, "birth_date": child.birth_date, **pupil},
            school_class=old_class,
            enrolled_on=start,
            enrollment_order="5-у",
            withdrawn_on=year.ends_on,
        )
        FinalMark.objects.create(
            pupil=record, subject=cal.math, school_class=old_class, year=year, value="5", entered_by=b.teacher
        )
        if linked:
            Guardian.objects.create(pupil=record, user=world.parent, consent_at=timezone.now(), consent_version="1")
    return year


def test_the_diary_shows_the_year_the_child_studied_at_another_school(world, enter):
    year = an_earlier_year_at_school_b(world)
    page = enter(world.parent).get(child_url(world, "years/")).content.decode()
    earlier = page.split(f"<strong>{year.name}</strong>")[1].split("</details>")[0]
    assert "2В класс, Школа Бета" in earlier and "Математика" in earlier and "<strong>5</strong>" in earlier
    assert f"<strong>{world.calendar_a.year.name}</strong>" in page  # and this year, here


def test_a_record_not_linked_to_the_parent_or_of_another_child_is_not_shown(world, enter):
    year = an_earlier_year_at_school_b(world, linked=False)
    assert year.name not in enter(world.parent).get(child_url(world, "years/")).content.decode()
    # Linked to the parent, the same name, another birth date: another child.
    year = an_earlier_year_at_school_b(world, years_back=3, birth_date=date(2015, 4, 1))
    assert year.name not in enter(world.parent).get(child_url(world, "years/")).content.decode()
    # The other family's child shows nothing of school B.
    other = enter(world.other_parent).get(f"/children/{world.a.school.slug}/{world.a.pupils[2].pk}/years/")
    assert "Школа Бета" not in other.content.decode()
    assert enter(world.other_parent).get(child_url(world, "years/")).status_code == 404


def test_the_pupil_reads_their_own_years(world, enter):
    a = world.a
    page = enter(a.pupil_user, a.host).get("/diary/years/").content.decode()
    assert world.calendar_a.year.name in page and "5А класс" in page


# --- Portfolio --------------------------------------------------------------------------


def test_a_parent_adds_to_the_portfolio_and_the_class_teacher_confirms(world, enter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = world.a
    parent = enter(world.parent)
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    entry = {"kind": "certificate", "title": "Диплом II степени олимпиады по математике", "happened_on": day}
    refused = parent.post(child_url(world, "portfolio/"), {**entry, "title": " "}, follow=True)
    assert "Напишите, что это" in refused.content.decode()
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert (
        "не позже сегодняшнего"
        in parent.post(child_url(world, "portfolio/"), {**entry, "happened_on": future}, follow=True).content.decode()
    )
    parent.post(child_url(world, "portfolio/"), {**entry, "file": SimpleUploadedFile("diplom.pdf", b"%PDF-1.4 d")})
    with schema_context(a.school.schema_name):
        added = PortfolioEntry.objects.get()
        assert added.state == "waiting" and added.added_by_id == world.parent.pk
        assert Notification.objects.filter(recipient=a.class_teacher, text__contains="портфолио").exists()
    assert "запись портфолио ждёт подтверждения" in enter(a.class_teacher, a.host).get("/").content.decode()
    page = f"/classes/{a.school_class.pk}/portfolio/"
    teacher = enter(a.class_teacher, a.host)
    assert "Диплом II степени" in teacher.get(page).content.decode()
    assert b"".join(teacher.get(f"{page}{added.pk}/").streaming_content) == b"%PDF-1.4 d"
    refused = teacher.post(page, {"entry": added.pk, "action": "decline", "reason": ""}, follow=True)
    assert "почему запись не подтверждена" in refused.content.decode()
    assert (
        "Запись подтверждена"
        in teacher.post(page, {"entry": added.pk, "action": "confirm"}, follow=True).content.decode()
    )
    with schema_context(a.school.schema_name):
        added.refresh_from_db()
        assert added.state == "confirmed" and added.confirmed_by_id == a.class_teacher.pk
        assert Notification.objects.filter(recipient=world.parent, text__contains="подтверждена").exists()
        assert list(
            AuditEntry.objects.filter(target_type="journal.portfolioentry")
            .order_by("pk")
            .values_list("action", flat=True)
        ) == ["portfolio.added", "portfolio.settled"]
    assert "подтверждено" in parent.get(child_url(world, "portfolio/")).content.decode()


def test_the_portfolio_stays_in_the_family(world, enter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = world.a
    day = timezone.localdate().isoformat()
    own = enter(a.pupil_user, a.host)
    own.post("/diary/portfolio/", {"kind": "work", "title": "Проект «Птицы края»", "happened_on": day,
                                   "file": SimpleUploadedFile("ptitsy.pptx", b"PK")})  # fmt: skip
    with schema_context(a.school.schema_name):
        entry = PortfolioEntry.objects.get()
    assert entry.added_by_id == a.pupil_user.pk
    assert "Проект «Птицы края»" in enter(world.parent).get(child_url(world, "portfolio/")).content.decode()
    other = enter(world.other_parent)
    assert other.get(child_url(world, "portfolio/")).status_code == 404
    assert other.get(child_url(world, f"portfolio/{entry.pk}/")).status_code == 404
    their_child = f"/children/{a.school.slug}/{a.pupils[2].pk}/portfolio/{entry.pk}/"
    assert other.get(their_child).status_code == 404
    assert other.post(child_url(world, "portfolio/"), {"withdraw": entry.pk}).status_code == 404
    # Only 5А's own class teacher confirms 5А's portfolio.
    assert enter(a.teacher, a.host).get(f"/classes/{a.school_class.pk}/portfolio/").status_code in (403, 404)
    assert enter(a.deputy, a.host).get(f"/classes/{a.school_class.pk}/portfolio/").status_code in (403, 404)
    # The family withdraws it; it is kept, not deleted.
    enter(world.parent).post(child_url(world, "portfolio/"), {"withdraw": entry.pk})
    with schema_context(a.school.schema_name):
        entry.refresh_from_db()
        assert entry.withdrawn_at is not None


def test_the_years_archive_keeps_exam_results_and_the_portfolio(world, enter, settings, tmp_path):
    from journal import services as journal
    from journal.archive import year_documents
    from journal.models import Lesson

    settings.MEDIA_ROOT = tmp_path
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        day = (
            Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=timezone.localdate())
            .order_by("-date")
            .values_list("date", flat=True)[0]
        )
        exam = journal.schedule_exam(
            school=a.school, school_class=a.school_class, subject=cal.math, kind="exam", form="oral",
            held_on=day, by=a.deputy,
        )  # fmt: skip
        journal.set_exam_results(exam, [(a.pupils[0], "4")], by=a.class_teacher)
        journal.add_portfolio_entry(
            a.pupils[0], school=a.school, kind="achievement", title="Шахматный турнир", happened_on=day, by=world.parent
        )
        files = year_documents(a.school, cal.year)
    exams = files["classes/5А/exams.csv"].decode("utf-8-sig")
    assert f"Математика;экзамен;устный экзамен по билетам;{day};{a.pupils[0].full_name};1;{day};4" in exams
    portfolio = files["classes/5А/portfolio.csv"].decode("utf-8-sig")
    assert f"{a.pupils[0].full_name};достижение (олимпиада, конкурс, соревнование);Шахматный турнир" in portfolio
