"""Import of pupils, staff, the timetable and thematic plans from CSV or XLSX files, and of the
contingent (classes, pupils, parents) from a OneRoster 1.2 package.

A file is read and checked row by row into an ImportBatch (the preview); it is applied
only when no row has an error, in one transaction: nothing is ever half-imported."""

import csv
import io
import re
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as accounts
from accounts.models import Role
from audit.models import record
from groundwork.errors import explain

from . import oneroster, services
from .models import ImportBatch, Pupil, SchoolClass, Subgroup, Subject
from .selectors import teachers_of

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
MAX_CELL = 1000  # characters in one cell: a name, a topic

COLUMNS = {
    ImportBatch.Kind.PUPILS: ["Фамилия", "Имя", "Отчество", "Дата рождения", "Класс", "Приказ", "Дата приказа"],
    ImportBatch.Kind.STAFF: ["Фамилия", "Имя", "Отчество", "Роль"],
    ImportBatch.Kind.TIMETABLE: ["День", "Урок", "Класс", "Подгруппа", "Предмет", "Учитель", "Кабинет", "С даты"],
    ImportBatch.Kind.PLAN: ["Тема", "Часов", "Дата"],
    # Read from the package's files (journal/oneroster.py), one row for each class, pupil, parent.
    ImportBatch.Kind.ONEROSTER: [
        "Что",
        "Класс",
        "Фамилия",
        "Имя",
        "Отчество",
        "Дата рождения",
        "Зачислен",
        "Приказ",
        "Чей родитель",
    ],
}
REQUIRED = {
    ImportBatch.Kind.PUPILS: {"Фамилия", "Имя", "Дата рождения", "Класс", "Приказ", "Дата приказа"},
    ImportBatch.Kind.STAFF: {"Фамилия", "Имя", "Роль"},
    ImportBatch.Kind.TIMETABLE: {"День", "Урок", "Класс", "Предмет", "Учитель", "С даты"},
    ImportBatch.Kind.PLAN: {"Тема", "Часов"},
}
STAFF_ROLES = {
    "учитель": Role.TEACHER,
    "классный руководитель": Role.CLASS_TEACHER,
    "завуч": Role.DEPUTY,
    "заместитель директора": Role.DEPUTY,
    "директор": Role.DIRECTOR,
    "администратор": Role.SCHOOL_ADMIN,
    "секретарь": Role.CLERK,
    "секретарь учебной части": Role.CLERK,
}
DAYS = {
    "пн": 1,
    "вт": 2,
    "ср": 3,
    "чт": 4,
    "пт": 5,
    "сб": 6,
    "понедельник": 1,
    "вторник": 2,
    "среда": 3,
    "четверг": 4,
    "пятница": 5,
    "суббота": 6,
}


def read_table(upload):
    """Rows of a CSV (UTF-8 or Windows-1251, ; or ,) or XLSX file as lists of strings, read as a
    stream that stops at the row limit: a small file of many rows costs no more than the limit."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("Файл больше 2 МБ."))
    name = upload.name.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(upload)
    elif name.endswith(".csv"):
        rows = _csv_rows(upload.read())
    else:
        raise ValidationError(_("Загрузите файл CSV или XLSX."))
    table = []
    for row in rows:
        if not any(row):
            continue
        if len(table) > MAX_ROWS:  # the header and MAX_ROWS rows are in; this one is too many
            raise ValidationError(_("Больше %(MAX_ROWS)s строк: разделите файл.") % {"MAX_ROWS": MAX_ROWS})
        if any(len(value) > MAX_CELL for value in row):
            raise ValidationError(
                _("Строка %(value)s: ячейка длиннее %(MAX_CELL)s знаков.")
                % {"value": len(table) + 1, "MAX_CELL": MAX_CELL}
            )
        table.append(row)
    return table


def _xlsx_rows(upload):
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
        # Only the columns a file of ours has: a sheet "100,000 columns wide" is read no wider.
        for row in sheet.iter_rows(max_col=len(max(COLUMNS.values(), key=len)) + 2, values_only=True):
            yield [_cell(v) for v in row]
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(_("Файл не читается как таблица XLSX.")) from None


def _csv_rows(data):
    if b"\x00" in data:
        raise ValidationError(_("Файл не похож на таблицу CSV: в нём двоичные данные."))
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("Кодировка файла не распознана: сохраните его в UTF-8."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield [c.strip() for c in row]
    except csv.Error as error:
        raise ValidationError(_("Файл не читается как таблица CSV: %(error)s.") % {"error": error}) from None


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(text):
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise ValueError(_("дата «%(text)s» не в формате ДД.ММ.ГГГГ") % {"text": text})


def parse(kind, upload, *, by, school, context=None):
    """Reads a file into a preview batch: every row with its values or its errors.
    `context` (JSON) carries what the file is for, e.g. the class and subject of a plan."""
    if kind == ImportBatch.Kind.ONEROSTER:
        if not upload.name.lower().endswith(".zip"):
            raise ValidationError(_("Загрузите ZIP-пакет OneRoster 1.2."))
        table = oneroster.contingent(oneroster.read_package(upload), (context or {}).get("org"))
        if not table:
            raise ValidationError(_("В пакете нет классов этой школы."))
        if len(table) > MAX_ROWS:
            raise ValidationError(_("Больше %(MAX_ROWS)s строк: разделите пакет.") % {"MAX_ROWS": MAX_ROWS})
        numbered = enumerate(table, start=1)
    else:
        table = read_table(upload)
        if not table:
            raise ValidationError(_("Файл пустой."))
        header = [h.strip() for h in table[0]]
        missing = REQUIRED[kind] - set(header)
        if missing:
            raise ValidationError(
                _("Нет столбцов: %(missing)s. Ожидаются: %(expected)s.")
                % {"missing": ", ".join(sorted(missing)), "expected": ", ".join(COLUMNS[kind])}
            )
        numbered = (
            (number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h})
            for number, values in enumerate(table[1:], start=2)
        )
    rows, errors = [], []
    for number, row in numbered:
        try:
            formula = next((v for v in row.values() if v[:1] in ("=", "+", "@")), None)
            if formula:  # kept as text it would run as a formula when the list is exported again
                raise ValidationError(
                    _("ячейка «%(value)s» похожа на формулу: впишите значение") % {"value": formula[:40]}
                )
            CHECKS[kind](row, school)
        except (ValueError, ValidationError) as error:
            errors.append({"row": number, "message": explain(error)})
        rows.append({"row": number, **row})
    return ImportBatch.objects.create(
        kind=kind, filename=upload.name[:200], rows=rows, errors=errors, context=context or {}, created_by=by
    )


CLASS_NAME = re.compile(r"(\d{1,2})\s*([А-ЯЁа-яё]{1,3})")


def _grade_and_letter(name):
    """(5, "А") of a class name such as «5а» or «5 А»; None for anything else."""
    match = CLASS_NAME.fullmatch(name.strip())
    return (int(match[1]), match[2].upper()) if match else None


def _class(name):
    named = _grade_and_letter(name)
    school_class = named and SchoolClass.objects.open().filter(grade=named[0], letter=named[1]).first()
    if not school_class:
        raise ValueError(_("класса «%(name)s» нет") % {"name": name})
    return school_class


def _required(row, *names):
    for name in names:
        if not row.get(name, "").strip():
            raise ValueError(_("пусто: «%(name)s»") % {"name": name})


def _birth_date(row):
    born = parse_date(row["Дата рождения"])
    if not date(1990, 1, 1) < born < timezone.localdate():
        raise ValueError(_("неправдоподобная дата рождения"))
    return born


def check_pupil(row, school):
    _required(row, "Фамилия", "Имя", "Дата рождения", "Класс", "Приказ", "Дата приказа")
    _birth_date(row)
    parse_date(row["Дата приказа"])
    _class(row["Класс"])


def check_staff(row, school):
    _required(row, "Фамилия", "Имя", "Роль")
    if row["Роль"].strip().lower() not in STAFF_ROLES:
        raise ValueError(
            _("роль «%(role)s»: одна из %(roles)s") % {"role": row["Роль"], "roles": ", ".join(STAFF_ROLES)}
        )


def _teacher(text, school):
    text = " ".join(text.split())
    people = list(teachers_of(school))
    found = {
        u.pk: u for u in people if text.lower() in (u.full_name.lower(), (u.email or "").lower(), u.short_name.lower())
    }
    if len(found) != 1:
        raise ValueError(_("учитель «%(text)s» не найден или найден не один") % {"text": text})
    return next(iter(found.values()))


def _slot_values(row, school):
    _required(row, "День", "Урок", "Класс", "Предмет", "Учитель", "С даты")
    weekday = DAYS.get(row["День"].strip().lower()) or (int(row["День"]) if row["День"].isdigit() else None)
    if weekday not in range(1, 7):
        raise ValueError(_("день «%(value)s»: пн…сб или 1…6") % {"value": row["День"]})
    if not row["Урок"].isdigit():
        raise ValueError(_("номер урока — число"))
    school_class = _class(row["Класс"])
    subgroup = None
    if row.get("Подгруппа", "").strip():
        subgroup = Subgroup.objects.filter(school_class=school_class, name=row["Подгруппа"].strip()).first()
        if subgroup is None:
            raise ValueError(
                _("подгруппы «%(value)s» нет в классе %(school_class)s")
                % {"value": row["Подгруппа"], "school_class": school_class}
            )
    subject = Subject.objects.filter(name__iexact=row["Предмет"].strip()).first()
    if subject is None:
        raise ValueError(_("предмета «%(value)s» нет") % {"value": row["Предмет"]})
    return {
        "weekday": weekday,
        "number": int(row["Урок"]),
        "school_class": school_class,
        "subgroup": subgroup,
        "subject": subject,
        "teacher": _teacher(row["Учитель"], school),
        "room": row.get("Кабинет", "").strip(),
        "valid_from": parse_date(row["С даты"]),
    }


def check_slot(row, school):
    values = _slot_values(row, school)
    clashes = services.timetable_clashes(
        **{k: values[k] for k in ("weekday", "number", "school_class", "subgroup", "teacher", "room", "valid_from")}
    )
    if clashes:
        raise ValueError(" ".join(clashes))


def check_topic(row, school):
    _required(row, "Тема", "Часов")
    if not row["Часов"].isdigit() or not 1 <= int(row["Часов"]) <= 50:
        raise ValueError(_("часов — целое число от 1 до 50"))
    if row.get("Дата", "").strip():
        parse_date(row["Дата"].strip())  # the planned date, optional


def check_contingent(row, school):
    if row["Что"] == "класс":
        if not _grade_and_letter(row["Класс"]):
            raise ValueError(_("класс «%(value)s»: ожидается номер и литера, например 5А") % {"value": row["Класс"]})
    elif row["Что"] == "обучающийся":
        _required(row, "Фамилия", "Имя", "Дата рождения", "Класс", "Зачислен")
        if not row["Приказ"].strip():
            raise ValueError(
                _("нет номера приказа о зачислении (столбец %(ORDER)s в enrollments.csv)") % {"ORDER": oneroster.ORDER}
            )
        born = _birth_date(row)
        parse_date(row["Зачислен"])
        same = Pupil.objects.enrolled().filter(
            last_name=row["Фамилия"].strip(), first_name=row["Имя"].strip(), birth_date=born
        )
        if same.exists():
            raise ValueError(_("уже в списках школы"))
    else:
        _required(row, "Фамилия", "Имя")


CHECKS = {
    ImportBatch.Kind.ONEROSTER: check_contingent,
    ImportBatch.Kind.PUPILS: check_pupil,
    ImportBatch.Kind.STAFF: check_staff,
    ImportBatch.Kind.TIMETABLE: check_slot,
    ImportBatch.Kind.PLAN: check_topic,
}


@transaction.atomic
def apply(batch, *, school, by, ip=None):
    """Applies a checked batch whole, through the same services as the pages. Returns what was
    made (for staff: invitations with their codes, to print). Any refusal undoes everything."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.applied_at:
        raise ValidationError(_("Этот файл уже загружен."))
    if batch.errors:
        raise ValidationError(_("В файле есть ошибки: исправьте их и загрузите файл заново."))
    made = []
    for row in batch.rows:
        try:
            made.append(APPLY[batch.kind](row, batch, school, by, ip))
        except (ValueError, ValidationError, PermissionDenied) as error:
            message = explain(error)
            raise ValidationError(
                _("Строка %(value)s: %(message)s. Ничего не загружено.") % {"value": row["row"], "message": message}
            ) from None
    batch.applied_at = timezone.now()
    batch.save(update_fields=["applied_at"])
    record("import.applied", batch, by=by, ip=ip, new={"kind": batch.kind, "file": batch.filename, "rows": len(made)})
    return made


def _apply_pupil(row, batch, school, by, ip):
    return services.enroll_pupil(
        school_class=_class(row["Класс"]),
        last_name=row["Фамилия"],
        first_name=row["Имя"],
        middle_name=row.get("Отчество", ""),
        birth_date=parse_date(row["Дата рождения"]),
        enrolled_on=parse_date(row["Дата приказа"]),
        order=row["Приказ"],
        order_date=parse_date(row["Дата приказа"]),
        by=by,
        ip=ip,
    )


def _full_name(row):
    return " ".join(p for p in (row["Фамилия"], row["Имя"], row.get("Отчество", "")) if p.strip())


def _apply_staff(row, batch, school, by, ip):
    return accounts.issue_invitation(
        school=school, role=STAFF_ROLES[row["Роль"].strip().lower()], by=by, ip=ip, full_name=_full_name(row)
    )


def _apply_slot(row, batch, school, by, ip):
    return services.add_slot(school=school, **_slot_values(row, school), by=by, ip=ip)


def _apply_contingent(row, batch, school, by, ip):
    """Classes come first in the batch, then pupils, then their parents, who get invitations to
    print (a parent's account needs the parent's own consent, so none is made for them)."""
    if row["Что"] == "класс":
        grade, letter = _grade_and_letter(row["Класс"])
        found = SchoolClass.objects.open().filter(grade=grade, letter=letter).first()
        return found or services.create_class(grade=grade, letter=letter, by=by, ip=ip)
    made = batch.context.setdefault("pupils", {})
    if row["Что"] == "обучающийся":
        pupil = services.enroll_pupil(
            school_class=_class(row["Класс"]),
            last_name=row["Фамилия"],
            first_name=row["Имя"],
            middle_name=row["Отчество"],
            birth_date=parse_date(row["Дата рождения"]),
            enrolled_on=parse_date(row["Зачислен"]),
            order=row["Приказ"],
            by=by,
            ip=ip,
        )
        made[row["id"]] = pupil.pk
        return pupil
    pupil = Pupil.objects.select_related("school_class").get(pk=made[row["pupil"]])
    return accounts.issue_invitation(
        school=school, role=Role.PARENT, by=by, ip=ip, pupil=pupil, full_name=_full_name(row)
    )


APPLY = {
    ImportBatch.Kind.ONEROSTER: _apply_contingent,
    ImportBatch.Kind.PUPILS: _apply_pupil,
    ImportBatch.Kind.STAFF: _apply_staff,
    ImportBatch.Kind.TIMETABLE: _apply_slot,
}


def apply_plan(batch, *, school_class, subject, year, by, ip=None):
    if batch.errors:
        raise ValidationError(_("В файле есть ошибки: исправьте их и загрузите файл заново."))
    with transaction.atomic():
        plan = services.save_plan(
            subject=subject,
            school_class=school_class,
            year=year,
            by=by,
            ip=ip,
            topics=[
                (row["Тема"], row["Часов"], parse_date(row["Дата"].strip()) if row.get("Дата", "").strip() else None)
                for row in batch.rows
            ],
        )
        batch.applied_at = timezone.now()
        batch.save(update_fields=["applied_at"])
    return plan
