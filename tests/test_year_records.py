"""The school year's records, as the deputy and the class teacher use them at a term's and the
year's end: the progress and attendance report on a hand-built class, the paper copy of the
journal and its register."""

import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import psycopg
import pypdf
import pytest
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry, DataView
from journal import selectors, services
from journal.archive import export_archive, school_key
from journal.models import ArchiveExport, Attendance, FinalMark, Lesson, Mark, PrintedCopy, Pupil, SchoolClass
from monitoring.models import Report
from monitoring.reports import make_district_report, make_school_report
from tenants.models import School
from tests.conftest import database_url_of_tests, link_parent
from tests.test_tasks import worker  # noqa: F401 (the real Celery worker, started once for the module)


def hand_built_term(a, cal):
    """5А's closed term: the first pupil has only "5" (excellent), the second a "3" in Russian
    (one "3"), the third a "2" in maths (failing). Absences: the first pupil 2 lessons of maths
    by illness, the third one of Russian without a reason and one of maths unexcused; a lateness
    is not a missed lesson."""
    finals = {
        (0, cal.math): "5",
        (0, cal.russian): "5",
        (1, cal.math): "4",
        (1, cal.russian): "3",
        (2, cal.math): "2",
        (2, cal.russian): "4",
    }
    for (n, subject), value in finals.items():
        FinalMark.objects.create(
            pupil=a.pupils[n],
            subject=subject,
            school_class=a.school_class,
            year=cal.year,
            term=cal.closed_term,
            value=value,
            entered_by=a.class_teacher,
        )
    lessons = Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term).order_by("date")
    maths, russian = list(lessons.filter(subject=cal.math)), list(lessons.filter(subject=cal.russian))
    for lesson, n, status, reason in [
        (maths[0], 0, "absent", "illness"),
        (maths[1], 0, "absent", "illness"),
        (russian[0], 2, "absent", ""),
        (maths[2], 2, "absent", "unexcused"),
        (maths[3], 1, "late", ""),
    ]:
        Attendance.objects.create(
            lesson=lesson, pupil=a.pupils[n], status=status, reason=reason, entered_by=a.class_teacher
        )


def test_the_term_report_counts_a_hand_built_class(world):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
        report = selectors.progress_report([a.school_class], cal.year, cal.closed_term)
    row = report["classes"][0]
    assert (row["pupils"], row["attested"]) == (3, 3)
    assert [e["pupil"] for e in row["excellent"]] == [a.pupils[0]]
    assert row["good"] == []
    assert [(e["pupil"], e["subject"]) for e in row["one_three"]] == [(a.pupils[1], cal.russian)]
    assert [(e["pupil"], e["subjects"]) for e in row["failing"]] == [(a.pupils[2], ["Математика (2)"])]
    assert row["progress"] == 66.7  # 2 of 3 without a "2"
    assert row["quality"] == 33.3  # 1 of 3 with only "4" and "5"
    assert row["absences"]["totals"] == {"illness": 2, "excused": 0, "unexcused": 1, "none": 1, "all": 4}
    by_pupil = {pupil: counts for pupil, counts in row["absences"]["pupils"]}
    assert by_pupil[a.pupils[0]]["illness"] == 2 and by_pupil[a.pupils[2]]["all"] == 2
    assert a.pupils[1] not in by_pupil  # late, not absent
    by_subject = {subject: counts["all"] for subject, counts in row["absences"]["subjects"]}
    assert by_subject == {cal.math: 3, cal.russian: 1}


def test_a_pupil_missing_one_subjects_term_mark_is_not_attested_and_the_deputy_sees_the_journal(world, enter):
    """Before: a pupil with a term mark in maths and none in Russian counted as attested, and no
    page listed the journals still missing term marks."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
        FinalMark.objects.filter(pupil=a.pupils[1], subject=cal.russian, term=cal.closed_term).delete()
        row = selectors.progress_report([a.school_class], cal.year, cal.closed_term)["classes"][0]
    assert (row["pupils"], row["attested"]) == (3, 2)
    assert [(e["pupil"], e["missing"]) for e in row["not_attested"]] == [(a.pupils[1], ["Русский язык"])]
    page = enter(a.deputy, a.host).get("/control/").content.decode()
    section = page.split("Журналы без итоговых отметок")[1].split("</table>")[0]
    assert "<td>5А</td>" in section and f">{cal.russian.name}</a></td><td>1</td>" in section
    assert "<td>6Б</td><td><a" in section  # 6Б maths has no term marks at all
    assert f">{cal.math.name}</a></td><td>1</td>" in section.split("<td>6Б</td>")[1]
    assert "<td>5А</td><td><a href" in section and section.count("<td>5А</td>") == 1  # 5А maths is complete


def test_the_class_teacher_prints_the_term_report_and_the_deputy_the_schools(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
    query = f"year={cal.year.pk}&period={cal.closed_term.pk}"
    teacher = enter(a.class_teacher, a.host)
    page = teacher.get(f"/reports/progress/?class={a.school_class.pk}&{query}").content.decode()
    assert "66,7" in page and "33,3" in page and a.pupils[2].full_name in page  # Russian decimals
    pdf = teacher.get(f"/reports/progress/?class={a.school_class.pk}&{query}&format=pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Отчёт об успеваемости" in text and a.pupils[0].last_name in text and "Русский язык" in text
    book = openpyxl.load_workbook(
        io.BytesIO(teacher.get(f"/reports/progress/?class={a.school_class.pk}&{query}&format=xlsx").content)
    )
    figures = list(book["Итоги"].iter_rows(values_only=True))
    assert figures[1][0] == "Класс" and figures[2][:3] == ("5А", 3, 3) and figures[2][9:11] == (66.7, 33.3)
    names = {(r[1], r[2]) for r in book["Обучающиеся"].iter_rows(values_only=True)}
    assert ("неуспевающий", a.pupils[2].full_name) in names
    # The school: both classes and the total; the 6Б pupil has no final marks — not attested.
    school = enter(a.deputy, a.host).get(f"/reports/progress/?{query}").content.decode()
    assert "6Б" in school and "Итого" in school and a.pupils[3].full_name in school
    with schema_context(a.school.schema_name):  # every pupil the page names is in the access log
        logged = DataView.objects.filter(viewer=a.deputy, page="/reports/progress/").get()
        assert set(logged.pupil_ids) == {p.pk for p in a.pupils}
    # The class teacher reads only their own class; another school's deputy is not at home here.
    assert teacher.get(f"/reports/progress/?class={a.other_class.pk}&{query}").status_code == 404
    assert teacher.get(f"/reports/progress/?{query}").status_code == 404
    assert enter(a.teacher, a.host).get(f"/reports/progress/?class={a.school_class.pk}").status_code == 404
    assert enter(world.b.deputy, a.host).get("/reports/progress/").status_code == 302


def test_the_paper_copy_of_a_term_is_numbered_registered_and_certified(world, enter, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
        Lesson.objects.filter(school_class=a.school_class, term=cal.closed_term, subject=cal.math).update(
            topic="Дроби", homework="№ 12"
        )
    deputy = enter(a.deputy, a.host)
    answer = deputy.post(
        "/journal-copies/", {"school_class": a.school_class.pk, "term": cal.closed_term.pk}, follow=True
    )
    assert "внесена в реестр" in answer.content.decode()
    with schema_context(a.school.schema_name):
        copy = PrintedCopy.objects.get(school_class=a.school_class, term=cal.closed_term)
    pdf = deputy.get(f"/journal-copies/{copy.pk}.pdf")
    data = b"".join(pdf.streaming_content)
    with schema_context(a.school.schema_name):  # the copy names the class: its download is in the access log
        logged = DataView.objects.filter(viewer=a.deputy, page=f"/journal-copies/{copy.pk}.pdf").get()
        assert set(logged.pupil_ids) == {p.pk for p in a.pupils[:3]}
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    assert copy.pages == len(pages) >= 3  # the title, maths, Russian
    assert all(f"Страница {n} из {len(pages)}" in text for n, text in enumerate(pages, 1))
    everything = "".join(pages)
    assert "Дроби" in everything and "№ 12" in everything and a.pupils[2].full_name in everything
    assert f"Копия № {copy.number}" in everything and "заместитель директора" in everything
    assert "Русский язык" in everything and "Математика" in everything
    register = deputy.get("/journal-copies/").content.decode()
    assert f"<td>{copy.pages}</td>" in register
    deputy.post(f"/journal-copies/{copy.pk}/certify/")
    with schema_context(a.school.schema_name):
        copy.refresh_from_db()
        assert copy.certified_by == a.deputy and copy.certified_at is not None
        # A running term is not printed; the register keeps its rows.
        with pytest.raises(Exception, match="ещё идёт"):
            services.print_journal_copy(a.school, school_class=a.school_class, term=cal.term, by=a.deputy)
        with pytest.raises(DatabaseError, match="DELETE refused"), transaction.atomic():
            PrintedCopy.objects.filter(pk=copy.pk).delete()
    # Teachers do not print the school's copies; another school's copy is not found.
    assert enter(a.teacher, a.host).get(f"/journal-copies/{copy.pk}.pdf").status_code in (403, 404)
    assert enter(world.b.deputy, world.b.host).get(f"/journal-copies/{copy.pk}.pdf").status_code == 404


# --- The year's archive ---------------------------------------------------------------


@pytest.fixture
def archive_places(tmp_path, settings):
    settings.ARCHIVE_KEYS_DIR = str(tmp_path / "keys")
    settings.ARCHIVE_DIR = str(tmp_path / "second")
    settings.MEDIA_ROOT = str(tmp_path / "storage")
    return tmp_path


def run(*command, cwd=None):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def test_the_archive_round_trip(world, archive_places):
    """Exported twice from the same records: the same manifest, recorded in the audit trail;
    `sha256sum -c` passes, the school's signature verifies with openssl, one changed byte is
    caught; a changed mark makes a different manifest."""
    a, cal = world.a, world.calendar_a
    out = archive_places / "out"
    with schema_context(a.school.schema_name):
        hand_built_term(a, cal)
        call_command("export_archive", "--school", a.school.slug, "--year", cal.year.name, "--out", str(out))
        first = ArchiveExport.objects.get()
        folder = Path(first.targets[1])
        assert folder.parent == out
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert {"classes/5А/marks.csv", "classes/5А/summary-sheet.pdf", "pupils.csv", "README.txt"} <= files
        assert {"classes/5А/journal-1-quarter.pdf", "reports/progress-year.pdf", "MANIFEST.sha256.p7s"} <= files
        # Open formats: the CSV is UTF-8 text a spreadsheet reads, the PDF says it is PDF/A-2b.
        marks = (folder / "classes/5А/final-marks.csv").read_text(encoding="utf-8-sig")
        assert f"{a.pupils[1].full_name};Русский язык;1 четверть;3" in marks
        journal_pdf = pypdf.PdfReader(folder / "classes/5А/journal-1-quarter.pdf")
        assert b"<pdfaid:part>2</pdfaid:part>" in journal_pdf.trailer["/Root"]["/Metadata"].get_data()
        assert "/OutputIntents" in journal_pdf.trailer["/Root"]
        # Both places hold the same bytes.
        prefix = first.targets[0].removeprefix("storage:")
        with default_storage.open(f"{prefix}/MANIFEST.sha256") as stored:
            assert stored.read() == (folder / "MANIFEST.sha256").read_bytes()

        assert run("sha256sum", "--quiet", "-c", "MANIFEST.sha256", cwd=folder).returncode == 0
        verified = run(
            "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "MANIFEST.sha256.p7s",
            "-content", "MANIFEST.sha256", "-CAfile", "school-certificate.pem", "-purpose", "any", "-out", "/dev/null",
            "-attime", str(int(time.time())),  # openssl keeps the real clock; the certificate dates from the run's
            cwd=folder,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stderr
        run(
            "openssl", "x509", "-in", "school-certificate.pem", "-pubkey", "-noout", "-out", "../school.pub", cwd=folder
        )
        dgst = run(
            "openssl", "dgst", "-sha256", "-verify", "../school.pub", "-signature", "MANIFEST.sha256.sig",
            "MANIFEST.sha256", cwd=folder,
        )  # fmt: skip
        assert dgst.returncode == 0 and "Verified OK" in dgst.stdout

        # One changed byte in a file: sha256sum names it. A changed manifest fails the signature.
        tampered = archive_places / "tampered"
        shutil.copytree(folder, tampered)
        for path in tampered.rglob("*"):
            path.chmod(0o644 if path.is_file() else 0o755)
        csv_file = tampered / "classes/5А/final-marks.csv"
        data = bytearray(csv_file.read_bytes())
        data[-3] ^= 1
        csv_file.write_bytes(bytes(data))
        check = run("sha256sum", "--quiet", "-c", "MANIFEST.sha256", cwd=tampered)
        assert check.returncode != 0 and "classes/5А/final-marks.csv: FAILED" in check.stdout
        manifest = tampered / "MANIFEST.sha256"
        manifest.write_bytes(manifest.read_bytes().replace(b"pupils.csv", b"pupils.CSV"))
        forged = run(
            "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "MANIFEST.sha256.p7s",
            "-content", "MANIFEST.sha256", "-CAfile", "school-certificate.pem", "-purpose", "any", "-out", "/dev/null",
            "-attime", str(int(time.time())),
            cwd=tampered,
        )  # fmt: skip
        assert forged.returncode != 0

        # The same records again: the same manifest (proven identical); a changed mark: different.
        second = export_archive(a.school, cal.year, out=archive_places / "again")
        assert second.manifest_sha256 == first.manifest_sha256
        FinalMark.objects.filter(pupil=a.pupils[2], subject=cal.math, term=cal.closed_term).update(value="3")
        third = export_archive(a.school, cal.year, out=archive_places / "changed")
        assert third.manifest_sha256 != first.manifest_sha256
        entries = AuditEntry.objects.filter(action="archive.exported").order_by("at", "id")
        assert [e.new["manifest_sha256"] for e in entries] == [first.manifest_sha256] * 2 + [third.manifest_sha256]
        assert [e.new["same_as_earlier_export"] for e in entries] == [False, True, False]
        # Kept for its period: summary sheets 25 years after the year ends, the journal 5.
        assert (
            first.retain_until["summary_sheet"] == cal.year.ends_on.replace(year=cal.year.ends_on.year + 25).isoformat()
        )
        assert "сводные ведомости итоговой успешности: до" in (folder / "README.txt").read_text()
        with pytest.raises(DatabaseError, match="DELETE refused"), transaction.atomic():
            ArchiveExport.objects.all().delete()


def test_an_archive_names_only_its_own_school(world, archive_places):
    a, b = world.a, world.b
    with schema_context(b.school.schema_name):
        export = export_archive(b.school, world.calendar_b.year, out=archive_places / "b")
    text = "".join(p.read_text(encoding="utf-8-sig") for p in Path(export.targets[1]).rglob("*.csv"))
    assert b.pupils[0].full_name in text
    assert not any(p.last_name in text for p in a.pupils)
    assert export.targets[0].startswith(f"storage:{b.school.schema_name}/")


@pytest.fixture(scope="module")
def worker_archive_places(tmp_path_factory):
    """The worker's places (it reads them from its environment when it starts)."""
    folder = tmp_path_factory.mktemp("worker-archive")
    places = {"ARCHIVE_DIR": "second", "ARCHIVE_KEYS_DIR": "keys", "MEDIA_ROOT": "storage"}
    os.environ.update({name: str(folder / sub) for name, sub in places.items()})
    yield folder
    for name in places:
        del os.environ[name]


@pytest.fixture
def committed_archives_removed(world):
    """The worker commits its export; it goes again after the test, from a connection of its own
    (the test's is inside the transaction it rolls back), as only a superuser can."""
    yield
    schema = world.a.school.schema_name
    with psycopg.connect(database_url_of_tests(), autocommit=True) as own:
        own.execute("SET session_replication_role = replica")
        own.execute(f'DELETE FROM "{schema}".journal_archiveexport')
        own.execute(f"DELETE FROM \"{schema}\".audit_auditentry WHERE action = 'archive.exported'")


@pytest.mark.worker
@pytest.mark.usefixtures("committed_archives_removed", "worker_archive_places", "worker")
def test_the_deputy_makes_the_archive_with_a_button_and_downloads_it(world, worker_archive_places, enter, settings):
    a, cal = world.a, world.calendar_a
    settings.MEDIA_ROOT = str(worker_archive_places / "storage")  # the storage the worker writes to
    deputy = enter(a.deputy, a.host)
    # The year is running: a warning, and nothing is made until the deputy confirms it.
    assert "ещё идёт" in deputy.get("/archives/").content.decode()
    answer = deputy.post("/archives/", {"year": cal.year.pk}, follow=True)
    assert "архив будет неполным" in answer.content.decode()
    answer = deputy.post("/archives/", {"year": cal.year.pk, "running": "1"}, follow=True)
    assert "формируется" in answer.content.decode()
    with schema_context(a.school.schema_name):
        deadline = time.monotonic() + 60
        while not ArchiveExport.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.3)
        export = ArchiveExport.objects.get()
    assert export.targets[1].startswith(str(worker_archive_places / "second"))
    page = deputy.get("/archives/").content.decode()
    assert export.manifest_sha256 in page
    # Retention in words with Russian dates; no storage key or server path on the page.
    summary_until = cal.year.ends_on.replace(year=cal.year.ends_on.year + 25)
    assert f"сводные ведомости итоговой успешности — до {summary_until:%d.%m.%Y}" in page
    assert "summary_sheet" not in page and "storage:" not in page and str(worker_archive_places) not in page
    download = deputy.get(f"/archives/{export.pk}.zip")
    with schema_context(a.school.schema_name):
        logged = DataView.objects.filter(viewer=a.deputy, page=f"/archives/{export.pk}.zip").get()
        assert {p.pk for p in a.pupils} <= set(logged.pupil_ids)
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert "MANIFEST.sha256" in names and "classes/5А/lessons.csv" in names
    assert enter(a.teacher, a.host).get(f"/archives/{export.pk}.zip").status_code in (403, 404)
    assert enter(world.b.deputy, world.b.host).get(f"/archives/{export.pk}.zip").status_code == 404


# --- The year turning over ------------------------------------------------------------


def last_year_of(a, cal):
    """Last school year in school A, hand-built: 4В (three pupils, a maths lesson with a mark and
    a topic, the first pupil's year mark, a parent linked) and 11А (one pupil)."""
    today = date.today()
    year = services.create_year(
        name=f"{today.year - 1}/{today.year}",
        starts_on=today - timedelta(days=500),
        ends_on=today - timedelta(days=140),
    )
    for grade in (4, 11):
        services.set_grade_scheme(year=year, grade=grade, scheme="half")
    term = services.add_term(year=year, scheme="half", number=2, starts_on=year.starts_on, ends_on=year.ends_on)
    fourth = SchoolClass.objects.create(year=year, grade=4, letter="В", class_teacher=a.class_teacher)
    eleventh = SchoolClass.objects.create(year=year, grade=11, letter="А", class_teacher=a.teacher)
    pupils = [
        services.enroll_pupil(
            school_class=school_class,
            last_name=last,
            first_name="Прошлогодний",
            birth_date=date(2016, 1, 1),
            enrolled_on=year.starts_on,
            order="7-у",
        )
        for school_class, last in [
            (fourth, "Четвёртов"),
            (fourth, "Четвёртова"),
            (fourth, "Второгодников"),
            (eleventh, "Выпускников"),
        ]
    ]
    lesson = Lesson.objects.create(
        date=year.starts_on + timedelta(days=7),
        number=1,
        school_class=fourth,
        subject=cal.math,
        term=term,
        teacher=a.class_teacher,
        topic="Сложение столбиком",
    )
    Mark.objects.create(lesson=lesson, pupil=pupils[0], value="5", work_type=cal.answer, entered_by=a.class_teacher)
    FinalMark.objects.create(
        pupil=pupils[0], subject=cal.math, school_class=fourth, year=year, value="5", entered_by=a.class_teacher
    )
    # Reopened for a correction: until the year turns over, its teacher may still write.
    services.reopen(
        term=term, school_class=fourth, subject=cal.math, reason="Исправление ошибки", until=date.today(), by=a.deputy
    )
    return year, term, fourth, eleventh, pupils, lesson


def test_promotion_keeps_last_years_journal_intact_and_readable(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        year, term, fourth, eleventh, pupils, lesson = last_year_of(a, cal)
        link_parent(a, world.other_parent, pupils[0])
        grid_before = selectors.journal_grid(fourth, cal.math, term)
    deputy = enter(a.deputy, a.host)
    plan = deputy.get("/year-end/").content.decode()
    assert "Второгодников" in plan and "выпуск" in plan
    answer = deputy.post(
        "/year-end/",
        {"next_year": cal.year.pk, "stays": [pupils[2].pk], "order_number": "45-у", "order_date": date.today()},
        follow=True,
    )
    assert "переведены 2, оставлены на повторное обучение 1, окончили обучение 1" in answer.content.decode()
    with schema_context(a.school.schema_name):
        for pupil in pupils:
            pupil.refresh_from_db()
        fifth = SchoolClass.objects.get(year=cal.year, grade=5, letter="В")
        fourth, eleventh = SchoolClass.objects.get(pk=fourth.pk), SchoolClass.objects.get(pk=eleventh.pk)
        assert pupils[0].school_class == pupils[1].school_class == fifth
        assert pupils[2].school_class.grade == 4 and pupils[2].school_class.year == cal.year
        assert pupils[3].withdrawn_on == year.ends_on
        assert fifth.class_teacher == a.class_teacher
        # Last year's class: the same list, lessons, marks and year marks, read as they were.
        assert set(Pupil.objects.listed_in(fourth)) == set(pupils[:3])
        assert set(Pupil.objects.listed_in(eleventh)) == {pupils[3]}
        grid_after = selectors.journal_grid(fourth, cal.math, term)
        assert [
            (r["pupil"], [m.value for c in r["cells"] for m in c["marks"]], r["left"]) for r in grid_after["rows"]
        ] == [(r["pupil"], [m.value for c in r["cells"] for m in c["marks"]], False) for r in grid_before["rows"]]
        assert {p.pk for p in selectors.lesson_sheet(lesson)} == {p.pk for p in pupils[:3]}
        sheet = selectors.summary_sheet(fourth, year)
        assert ["", "5"] in next(r["subjects"] for r in sheet["rows"] if r["pupil"] == pupils[0])  # half 2, year
        # Locked for good: the reopening no longer opens it; the year does not turn twice.
        with pytest.raises(ValidationError, match="закрыт"):
            services.add_mark(lesson, pupil=pupils[1], value="4", work_type=cal.answer, by=a.class_teacher)
        with pytest.raises(ValidationError, match="уже завершён"):
            services.turn_over_year(
                year=year, next_year=cal.year, order_number="46-у", order_date=date.today(), by=a.deputy
            )
        # The parent's link follows the child into 5В; the graduate's family reads no more.
        assert world.other_parent.pk in selectors.family_of(pupils[0])
        assert Pupil.objects.in_class_on(fifth, date.today()).filter(pk=pupils[0].pk).exists()
    page = deputy.get(f"/journal/{fourth.pk}/{cal.math.pk}/").content.decode()
    assert "Четвёртова" in page and "Второгодников" in page and "Сложение столбиком" in page
    assert "Период закрыт" in page
    assert f"?year={year.pk}" in deputy.get("/classes/").content.decode()
    assert "4В" in deputy.get(f"/classes/?year={year.pk}").content.decode()


def test_a_running_year_does_not_turn_over_and_only_the_deputy_turns_it(world, enter):
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        following = services.create_year(
            name="следующий",
            starts_on=cal.year.ends_on + timedelta(days=60),
            ends_on=cal.year.ends_on + timedelta(days=360),
        )
        with pytest.raises(ValidationError, match="ещё идёт"):
            services.turn_over_year(
                year=cal.year, next_year=following, order_number="1", order_date=date.today(), by=a.deputy
            )
        assert a.school_class.pupils.count() == 3
    director = enter(a.director, a.host)
    assert director.get("/year-end/").status_code == 200
    assert director.post("/year-end/", {"next_year": following.pk}).status_code == 403
    assert enter(a.class_teacher, a.host).get("/year-end/").status_code in (403, 404)
    assert enter(world.b.deputy, a.host).get("/year-end/").status_code == 302


def test_the_district_sees_the_years_results_as_counts_only(world, enter):
    """School A publishes the results of the periods that ended in a month; the district's report
    sums them — numbers, never a pupil's name."""
    a, cal = world.a, world.calendar_a
    with schema_context(a.school.schema_name):
        year, term, fourth, eleventh, pupils, lesson = last_year_of(a, cal)
        month = year.ends_on.replace(day=1)
        report = make_school_report(Report.Kind.PROGRESS, month, by=a.deputy)
    rows = {(row["class"], row["period"]): row for row in report.data["rows"]}
    assert set(rows) == {("4В", "2 полугодие"), ("4В", "учебный год"), ("11А", "2 полугодие"), ("11А", "учебный год")}
    year_of_4 = rows[("4В", "учебный год")]
    assert (year_of_4["pupils"], year_of_4["attested"], year_of_4["excellent"], year_of_4["not_attested"]) == (
        3,
        1,
        1,
        2,
    )
    assert rows[("4В", "2 полугодие")]["attested"] == 0
    district = make_district_report(Report.Kind.PROGRESS, month, by=world.official)
    text = json.dumps(district.data, ensure_ascii=False) + json.dumps(report.data, ensure_ascii=False)
    assert not any(p.last_name in text for p in pupils + a.pupils)
    assert district.data["schools"][0]["periods"]["учебный год"]["excellent"] == 1
    official = enter(world.official, "localhost")
    page = official.get(f"/district/quality/reports/{district.pk}/").content.decode()
    assert "Район — учебный год" in page and "Качество знаний, %" in page
    assert "Четвёртов" not in page
    book = openpyxl.load_workbook(io.BytesIO(official.get(f"/district/quality/reports/{district.pk}.xlsx").content))
    assert any(row[0] == "Район — учебный год" and row[10] == 100 for row in book.active.iter_rows(values_only=True))
    # A school reads its own; a parent and another school do not.
    assert enter(a.deputy, a.host).get(f"/quality/reports/{report.pk}/").status_code == 200
    assert enter(world.b.deputy, world.b.host).get(f"/quality/reports/{report.pk}/").status_code == 404
    assert enter(world.parent, "localhost").get(f"/district/quality/reports/{district.pk}/").status_code in (403, 404)


def test_a_school_with_a_long_russian_name_gets_its_signing_key(archive_places):
    """Found on the demo district: X.509 counts 64 bytes, and a Cyrillic letter takes two."""
    school = School(
        name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»",
        short_name="СОШ № 1",
        schema_name="school_long",
    )
    key, cert = school_key(school)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "СОШ № 1"
    organisation = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    assert school.name.startswith(organisation) and len(organisation.encode()) <= 64
    assert school_key(school)[1] == cert  # made once, then kept


def test_a_pupil_is_on_the_lessons_from_the_day_they_join_the_class(world):
    """Class lists by day come from the orders (movements): a pupil enrolled today is not on
    yesterday's lesson, and a mark for it is refused."""
    a, cal = world.a, world.calendar_a
    today = timezone.localdate()
    with schema_context(a.school.schema_name):
        earlier = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, date__lt=today).last()
        newcomer = services.enroll_pupil(
            school_class=a.school_class,
            last_name="Новенькая",
            first_name="Ученица",
            birth_date=date(2015, 2, 2),
            enrolled_on=today,
            order="12-у",
        )
        assert newcomer not in selectors.lesson_sheet(earlier)
        assert set(a.pupils[:3]) <= set(selectors.lesson_sheet(earlier))
        with pytest.raises(ValidationError, match="не учится"):
            services.add_mark(earlier, pupil=newcomer, value="5", work_type=cal.answer, by=a.class_teacher)


def test_in_a_bucket_with_object_lock_the_archive_cannot_be_deleted_before_its_day(world, archive_places, settings):
    """The year's archive in S3 (moto's server here) is written in compliance mode: not even the
    bucket's owner deletes a version before the longest retention of its documents."""
    import sys

    import boto3

    from journal.archive import retention

    from .conftest import free_port, wait_for_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_for_port(port, server)
        keys = {"aws_access_key_id": "district", "aws_secret_access_key": "district-secret", "region_name": "us-east-1"}
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", **keys)
        s3.create_bucket(Bucket="archives", ObjectLockEnabledForBucket=True)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "archives", "endpoint_url": f"http://127.0.0.1:{port}",
                            "access_key": keys["aws_access_key_id"], "secret_key": keys["aws_secret_access_key"],
                            "region_name": "us-east-1", "file_overwrite": False},
            },
        }  # fmt: skip
        a, cal = world.a, world.calendar_a
        with schema_context(a.school.schema_name):
            call_command("export_archive", "--school", a.school.slug, "--year", cal.year.name)
            prefix = ArchiveExport.objects.get().targets[0].removeprefix("storage:")
        key = f"{prefix}/MANIFEST.sha256"
        held = s3.head_object(Bucket="archives", Key=key)
        assert held["ObjectLockMode"] == "COMPLIANCE"
        assert held["ObjectLockRetainUntilDate"].date() == max(retention(cal.year).values())
        version = held["VersionId"]
        with pytest.raises(Exception, match="AccessDenied"):
            s3.delete_object(Bucket="archives", Key=key, VersionId=version)
    finally:
        server.terminate()
        server.wait(timeout=10)
