"""The school year's electronic archive (Положение 2.5): the journal of every class, the summary
sheets and the reports in open formats (CSV in UTF-8, PDF/A), `MANIFEST.sha256` as `sha256sum -c`
reads it, and a detached CMS signature of the manifest with the school's own key. Written to
two places (the file storage and ARCHIVE_DIR or `--out`), recorded with the manifest's hash in
the school's audit trail. The same records give the same files, so the same manifest hash: a
later export proves the year unchanged, or shows that it changed."""

import base64
import csv
import datetime
import hashlib
import io
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from audit.models import record
from groundwork.days import next_month
from groundwork.pdf import as_pdfa
from groundwork.spreadsheets import row as spreadsheet_row

from . import documents, selectors
from .models import (
    ArchiveExport,
    Attendance,
    ExamResult,
    FinalMark,
    Lesson,
    Mark,
    PortfolioEntry,
    Pupil,
    SchoolClass,
    Term,
)

README = """Электронный архив учебного года {year}: {school}

Открытые форматы: таблицы CSV (UTF-8, разделитель «;»), документы PDF/A-2b.
  classes/<класс>/lessons.csv        уроки: дата, номер, предмет, учитель, тема, домашнее задание
  classes/<класс>/marks.csv          отметки (и удалённые — с датой удаления), кто и когда поставил
  classes/<класс>/attendance.csv     пропуски и опоздания с причинами
  classes/<класс>/final-marks.csv    отметки за периоды и за год
  classes/<класс>/exams.csv          промежуточная аттестация и экзамены: результат каждой попытки
  classes/<класс>/portfolio.csv      портфолио обучающихся: записи, подтверждённые и нет
  classes/<класс>/journal-*.pdf      копия журнала за каждый период (как на бумаге)
  classes/<класс>/summary-sheet.*    сводная ведомость итоговой успешности
  reports/progress-*.*               успеваемость, качество знаний и пропуски за периоды и год
  reports/missed-lessons-*.csv       пропущенные и замещённые уроки по месяцам
  pupils.csv                         обучающиеся классов этого года

Проверка целостности (Linux, macOS):  sha256sum -c MANIFEST.sha256
Проверка подписи школы:
  openssl cms -verify -binary -inform DER -in MANIFEST.sha256.p7s -content MANIFEST.sha256 \\
      -CAfile school-certificate.pem -purpose any -out /dev/null
  (или: openssl x509 -in school-certificate.pem -pubkey -noout > school.pub;
        openssl dgst -sha256 -verify school.pub -signature MANIFEST.sha256.sig MANIFEST.sha256)

Сроки хранения (после окончания учебного года):
{retention}
"""
KIND_NAMES = {
    "journal": "журналы (уроки, отметки, пропуски, итоговые отметки, копии журнала)",
    "summary_sheet": "сводные ведомости итоговой успешности",
    "reports": "отчёты об успеваемости и посещаемости",
    "missed_lessons": "пропущенные и замещённые уроки",
}


def retention(year):
    """Document kind → the last day it must be kept."""
    return {
        kind: year.ends_on.replace(year=year.ends_on.year + years)
        for kind, years in settings.ARCHIVE_RETENTION_YEARS.items()
    }


def _csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(spreadsheet_row("" if value is None else value for value in row))
    return buffer.getvalue().encode("utf-8-sig")  # with the BOM a spreadsheet reads it as UTF-8


def _when(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def year_documents(school, year):
    """Path → bytes of every document of the year (nothing written yet)."""
    files = {}
    classes = list(SchoolClass.objects.filter(year=year).select_related("class_teacher", "year"))
    pupils = {}
    for school_class in classes:
        folder = f"classes/{school_class}"
        lessons = Lesson.objects.filter(school_class=school_class, term__year=year).select_related(
            "subject", "teacher", "taught_by", "term", "subgroup"
        )
        files[f"{folder}/lessons.csv"] = _csv(
            [
                "дата",
                "урок",
                "предмет",
                "подгруппа",
                "учитель",
                "провёл",
                "тема",
                "домашнее задание",
                "отменён",
                "причина",
            ],
            (
                (
                    lesson.date,
                    lesson.number,
                    lesson.subject.name,
                    lesson.subgroup.name if lesson.subgroup else "",
                    lesson.teacher.full_name,
                    (lesson.taught_by or lesson.teacher).full_name,
                    lesson.topic,
                    "не задано" if lesson.homework_none else lesson.homework,
                    _when(lesson.cancelled_at),
                    lesson.cancel_reason,
                )
                for lesson in lessons.order_by("date", "number", "pk")
            ),
        )
        marks = Mark.objects.filter(lesson__in=lessons).select_related(
            "lesson__subject", "pupil", "work_type", "entered_by"
        )
        files[f"{folder}/marks.csv"] = _csv(
            ["дата", "урок", "предмет", "обучающийся", "отметка", "вид работы", "вес", "комментарий"]
            + ["поставил", "поставлена", "изменена", "удалена"],
            (
                (
                    m.lesson.date,
                    m.lesson.number,
                    m.lesson.subject.name,
                    m.pupil.full_name,
                    m.value,
                    m.work_type.name,
                    m.work_type.weight,
                    m.comment,
                    m.entered_by.full_name,
                    _when(m.entered_at),
                    _when(m.changed_at),
                    _when(m.deleted_at),
                )
                for m in marks.order_by("lesson__date", "lesson__number", "pupil__last_name", "pk")
            ),
        )
        attendance = Attendance.objects.filter(lesson__in=lessons).select_related("lesson__subject", "pupil")
        files[f"{folder}/attendance.csv"] = _csv(
            ["дата", "урок", "предмет", "обучающийся", "отметка", "причина", "записано", "удалено"],
            (
                (
                    a.lesson.date,
                    a.lesson.number,
                    a.lesson.subject.name,
                    a.pupil.full_name,
                    a.get_status_display(),
                    a.get_reason_display() if a.reason else "",
                    _when(a.entered_at),
                    _when(a.deleted_at),
                )
                for a in attendance.order_by("lesson__date", "lesson__number", "pupil__last_name", "pk")
            ),
        )
        finals = FinalMark.objects.filter(school_class=school_class, year=year).select_related(
            "pupil", "subject", "term"
        )
        files[f"{folder}/final-marks.csv"] = _csv(
            ["обучающийся", "предмет", "период", "отметка", "выставлена", "изменена"],
            (
                (f.pupil.full_name, f.subject.name, str(f.term) if f.term else "год", f.value)
                + (_when(f.entered_at), _when(f.changed_at))
                for f in finals.order_by("pupil__last_name", "pupil__first_name", "subject__name", "term__number")
            ),
        )
        files[f"{folder}/exams.csv"] = _csv(
            ["предмет", "вид", "форма", "дата", "обучающийся", "попытка", "дата попытки", "результат", "внесён"],
            (
                (r.exam.subject.name, r.exam.get_kind_display(), r.exam.get_form_display(), r.exam.held_on)
                + (r.pupil.full_name, r.attempt, r.held_on, r.value, _when(r.entered_at))
                for r in ExamResult.objects.filter(exam__school_class=school_class)
                .select_related("exam__subject", "pupil")
                .order_by("exam__held_on", "exam_id", "pupil__last_name", "pupil__first_name", "attempt")
            ),
        )
        files[f"{folder}/portfolio.csv"] = _csv(
            ["обучающийся", "раздел", "название", "дата", "описание", "файл", "добавлена", "подтверждена", "убрана"],
            (
                (e.pupil.full_name, e.get_kind_display(), e.title, e.happened_on, e.description, e.file_name)
                + (_when(e.added_at), _when(e.confirmed_at), _when(e.withdrawn_at))
                for e in PortfolioEntry.objects.filter(
                    pupil__in=Pupil.objects.listed_in(school_class), happened_on__range=(year.starts_on, year.ends_on)
                )
                .select_related("pupil")
                .order_by("pupil__last_name", "pupil__first_name", "happened_on")
            ),
        )
        for term in selectors.terms_of(school_class, year):
            journals = _journals(school_class, term)
            if journals:
                pdf = documents.journal_copy_pdf(school, school_class, term, journals, copy=None)
                files[f"{folder}/journal-{term.number}-{term.scheme}.pdf"] = as_pdfa(
                    pdf, title=f"Журнал {school_class}, {term}, {year}", dated=year.ends_on
                )
        sheet = selectors.summary_sheet(school_class, year)
        files[f"{folder}/summary-sheet.pdf"] = as_pdfa(
            documents.summary_sheet_pdf(school, school_class, year, sheet),
            title=f"Сводная ведомость {school_class}, {year}",
            dated=year.ends_on,
        )
        files[f"{folder}/summary-sheet.csv"] = _csv(
            ["обучающийся"]
            + [f"{subject.name}: {label}" for subject in sheet["subjects"] for label in _periods(sheet["terms"])],
            ([row["pupil"].full_name] + [v for values in row["subjects"] for v in values] for row in sheet["rows"]),
        )
        for pupil in Pupil.objects.listed_in(school_class):
            pupils.setdefault(pupil, []).append(str(school_class))
    files["pupils.csv"] = _csv(
        ["обучающийся", "дата рождения", "классы", "зачислен", "приказ", "выбыл"],
        (
            (p.full_name, p.birth_date, ", ".join(names), p.enrolled_on, p.enrollment_order, p.withdrawn_on)
            for p, names in sorted(pupils.items(), key=lambda item: (item[0].last_name, item[0].first_name))
        ),
    )
    for term, label in [(t, f"{t.number}-{t.scheme}") for t in Term.objects.filter(year=year)] + [(None, "year")]:
        report = selectors.progress_report(classes, year, term)
        period = str(term) if term else f"{year} учебный год"
        files[f"reports/progress-{label}.csv"] = _csv(
            documents.PROGRESS_HEAD, documents.progress_table(report) if report["classes"] else []
        )
        files[f"reports/progress-{label}.pdf"] = as_pdfa(
            documents.progress_pdf(school, "школа", period, report),
            title=f"Успеваемость и посещаемость, {period}",
            dated=year.ends_on,
        )
    month = year.starts_on.replace(day=1)
    while month <= year.ends_on:
        rows = [
            (row["teacher"].full_name, lesson.date, lesson.number, str(lesson.school_class), lesson.subject.name)
            + (what, reason)
            for row in selectors.missed_and_substituted(month)
            for lesson, what, reason in row["entries"]
        ]
        files[f"reports/missed-lessons-{month:%Y-%m}.csv"] = _csv(
            ["учитель", "дата", "урок", "класс", "предмет", "что", "причина"], rows
        )
        month = next_month(month)
    return files


def _periods(terms):
    return [str(term.number) for term in terms] + ["год"]


def _journals(school_class, term):
    """(subject, journal grid) of every subject the class had lessons in during the term."""
    subjects = {lesson.subject for lesson in Lesson.objects.filter(school_class=school_class, term=term)}
    return [
        (subject, selectors.journal_grid(school_class, subject, term))
        for subject in sorted(subjects, key=lambda s: s.name)
    ]


def manifest_of(files):
    """`sha256sum` lines ("<hash>  <path>"), sorted by path."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(files.items())).encode()


def school_key(school):
    """The school's signing key and self-signed certificate, made on the first export. The
    certificate runs for 50 years: a signature must still verify at the end of the retention."""
    folder = Path(settings.ARCHIVE_KEYS_DIR) / school.schema_name
    key_path, cert_path = folder / "key.pem", folder / "certificate.pem"
    if not key_path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, _fit(school.short_name)),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(school.name)),
                x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365 * 50))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True)
            .sign(key, hashes.SHA256())
        )
        key_bytes = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key_bytes)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return key, x509.load_pem_x509_certificate(cert_path.read_bytes())


def _fit(text):
    """At most 64 bytes of UTF-8 (X.509's limit for a name; a Cyrillic letter takes two)."""
    return text.encode()[:64].decode(errors="ignore")


def signatures(manifest, key, cert):
    """The detached CMS signature (DER, for `openssl cms -verify`) and a bare RSA-SHA256 one (for
    `openssl dgst -verify`)."""
    cms = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(cert, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    return cms, key.sign(manifest, padding.PKCS1v15(), hashes.SHA256())


def store_locked(name, data, until):
    """Into the file storage; in an S3 bucket with Object Lock, in compliance mode until the day
    `until`: nobody, the bucket's owner included, deletes or overwrites it before then."""
    bucket = getattr(default_storage, "bucket_name", None)  # S3Storage
    client = default_storage.connection.meta.client if bucket else None
    if client is None or not _object_lock_enabled(client, bucket):
        return default_storage.save(name, ContentFile(data))
    key = f"{default_storage.location}/{name}" if default_storage.location else name
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=data,
        ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),  # S3 requires it with a lock
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=datetime.datetime.combine(until, datetime.time(), datetime.UTC),
    )
    return name


def _object_lock_enabled(client, bucket):
    try:
        found = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except Exception:  # no configuration: a bucket made without Object Lock (MinIO, most clouds' default)
        return False
    return found.get("ObjectLockEnabled") == "Enabled"


def export_archive(school, year, *, out=None, by=None, ip=None):
    """Writes the year's archive to the storage and to `out` (default ARCHIVE_DIR), records it,
    and returns the ArchiveExport. Run with the school's schema active."""
    keep = retention(year)
    files = year_documents(school, year)
    key, cert = school_key(school)
    files["school-certificate.pem"] = cert.public_bytes(serialization.Encoding.PEM)
    files["README.txt"] = README.format(
        year=year,
        school=school.name,
        retention="\n".join(f"  {KIND_NAMES[kind]}: до {day:%d.%m.%Y}" for kind, day in keep.items()),
    ).encode()
    manifest = manifest_of(files)
    cms, signature = signatures(manifest, key, cert)
    written = {**files, "MANIFEST.sha256": manifest, "MANIFEST.sha256.p7s": cms, "MANIFEST.sha256.sig": signature}
    name = f"{school.slug}-{year.name.replace('/', '-')}-{timezone.localtime():%Y%m%d-%H%M%S}"
    folder = Path(out or settings.ARCHIVE_DIR) / name
    for path, data in written.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o444)  # kept, not edited: a changed file fails sha256sum -c anyway
    prefix = f"{school.schema_name}/archives/{name}"
    # One signed package: kept whole until its longest-kept document may go.
    until = max(keep.values())
    for path, data in written.items():
        store_locked(f"{prefix}/{path}", data, until)
    digest = hashlib.sha256(manifest).hexdigest()
    export = ArchiveExport.objects.create(
        year=year,
        manifest_sha256=digest,
        files=len(files),
        targets=[f"storage:{prefix}", str(folder)],
        retain_until={kind: day.isoformat() for kind, day in keep.items()},
        created_by=by,
    )
    same = ArchiveExport.objects.filter(year=year, manifest_sha256=digest).exclude(pk=export.pk).exists()
    record(
        "archive.exported",
        export,
        by=by,
        ip=ip,
        new={
            "year": str(year),
            "manifest_sha256": digest,
            "files": len(files),
            "targets": export.targets,
            "same_as_earlier_export": same,
        },
    )
    export.folder = folder
    return export
