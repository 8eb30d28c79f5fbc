"""OneRoster 1.2 (1EdTech) CSV: the school's contingent and marks as the open exchange format
other school systems read, and the package read back for the contingent import.

A package is a ZIP of CSV files (RFC 4180, UTF-8) with manifest.csv; every file has its header
row with the columns in the binding's order, and a file with no rows is left out and marked
"absent". The mapping is in docs/oneroster.md."""

import csv
import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User

from .models import Guardian, Lesson, Mark, Pupil, SchoolClass, Subgroup, Subject, TeachingLoad, Term, WorkType

VERSION = "1.2"
# The binding's files: their columns in order, and the ones a row must fill.
FILES = {
    "academicSessions": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
        "sourcedId,title,type,startDate,endDate,schoolYear",
    ),
    "categories": ("sourcedId,status,dateLastModified,title,weight", "sourcedId,title"),
    "classes": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
        "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
        "sourcedId,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds",
    ),
    "courses": (
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,"
        "subjectCodes",
        "sourcedId,title,orgSourcedId",
    ),
    "demographics": (
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
        "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,"
        "hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,"
        "publicSchoolResidenceStatus",
        "sourcedId",
    ),
    "enrollments": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
        "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role",
    ),
    "lineItems": (
        "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,"
        "gradingPeriodSourcedId,resultValueMin,resultValueMax",
        "sourcedId,title,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId",
    ),
    "orgs": ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId", "sourcedId,name,type"),
    "results": (
        "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment",
        "sourcedId,lineItemSourcedId,studentSourcedId,scoreStatus",
    ),
    "roles": (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
        "userProfileSourcedId",
        "sourcedId,userSourcedId,roleType,role,orgSourcedId",
    ),
    "users": (
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,"
        "email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,"
        "preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns",
        "sourcedId,enabledUser,username,givenName,familyName",
    ),
}
COLUMNS = {name: columns.split(",") for name, (columns, _) in FILES.items()}
REQUIRED = {name: required.split(",") for name, (_, required) in FILES.items()}
# Files of the binding this product neither writes nor reads: listed "absent" in the manifest.
ABSENT = (
    "classResources courseResources lineItemLearningObjectiveIds lineItemScoreScales resources "
    "resultLearningObjectiveIds resultScoreScales scoreScales userProfiles userResources"
).split()
# The enrolment's order (приказ о зачислении), which the binding has no field for: a metadata
# column, to the right of the binding's own as it requires.
ORDER = "metadata.ru.enrollmentOrder"
WRITTEN = {name: [*columns, *([ORDER] if name == "enrollments" else [])] for name, columns in COLUMNS.items()}

STAFF_ROLES = {
    Role.TEACHER: "teacher",
    Role.CLASS_TEACHER: "teacher",
    Role.DIRECTOR: "principal",
    Role.DEPUTY: "siteAdministrator",
    Role.SCHOOL_ADMIN: "siteAdministrator",
    Role.CLERK: "siteAdministrator",
}
PASS_FAIL = {"зч": "1", "нз": "0"}


def grade_code(grade):
    return f"{grade:02d}"  # the CEDS grade codes: 01…12


def person_id(user_id):
    """People have one account for the district: the same sourcedId in every school's package."""
    return f"person-{user_id}"


class Package:
    """The rows of each file, by file name, written out as a ZIP."""

    def __init__(self):
        self.rows = {name: {} for name in FILES}

    def add(self, file, /, **values):
        row = self.rows[file].setdefault(values["sourcedId"], {})
        for key, value in values.items():
            if key == "agentSourcedIds":  # a parent of children in two schools
                value = ",".join(sorted(set(filter(None, f"{row.get(key, '')},{value}".split(",")))))
            row[key] = value

    def write(self, out):
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            manifest = [("manifest.version", "1.0"), ("oneroster.version", VERSION)]
            for name in sorted([*FILES, *ABSENT]):
                rows = self.rows.get(name)
                manifest.append((f"file.{name}", "bulk" if rows else "absent"))
                if rows:
                    package.writestr(f"{name}.csv", _csv([WRITTEN[name], *_lines(name, rows.values())]))
            manifest += [("source.systemName", "Электронный журнал"), ("source.systemCode", "ejournal")]
            package.writestr("manifest.csv", _csv([["propertyName", "value"], *manifest]))


def _lines(name, rows):
    return [[_text(row.get(column, "")) for column in WRITTEN[name]] for row in rows]


def _text(value):
    if value is True or value is False:
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return "" if value is None else str(value)


def _csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def add_district(package, name):
    package.add("orgs", sourcedId="district", name=name, type="district")


def add_school(package, school, *, with_results, district=None):
    """The school's open year into `package`, read in the school's schema: the school, its year
    and terms, classes, pupils with their parents, staff, enrolments; with marks when asked."""
    org = f"school-{school.slug}"
    package.add(
        "orgs", sourcedId=org, name=school.name, type="school", identifier=school.slug, parentSourcedId=district or ""
    )
    classes = list(SchoolClass.objects.open().select_related("year"))
    years = {c.year for c in classes if c.year_id}
    terms = list(Term.objects.filter(year__in=years))
    for year in years:
        package.add(
            "academicSessions",
            sourcedId=f"{school.slug}-year-{year.pk}",
            title=year.name,
            type="schoolYear",
            startDate=year.starts_on,
            endDate=year.ends_on,
            schoolYear=year.ends_on.year,
        )
    for term in terms:
        package.add(
            "academicSessions",
            sourcedId=f"{school.slug}-term-{term.pk}",
            title=f"{term.year.name}, {term}",
            type="term",
            startDate=term.starts_on,
            endDate=term.ends_on,
            parentSourcedId=f"{school.slug}-year-{term.year_id}",
            schoolYear=term.year.ends_on.year,
        )

    def session_of(school_class):
        return f"{school.slug}-year-{school_class.year_id}" if school_class.year_id else ""

    def terms_of(school_class):
        return ",".join(f"{school.slug}-term-{t.pk}" for t in terms if t.year_id == school_class.year_id)

    def add_class(sourced, school_class, class_type, title, course, course_title, subject=None):
        """A class and its course: the grade's (for a homeroom class) or a subject's in the grade."""
        package.add(
            "courses",
            sourcedId=course,
            schoolYearSourcedId=session_of(school_class),
            title=course_title,
            courseCode=subject.short_name if subject else "",
            grades=grade_code(school_class.grade),
            orgSourcedId=org,
            subjects=subject.name if subject else "",
        )
        package.add(
            "classes",
            sourcedId=sourced,
            title=title,
            grades=grade_code(school_class.grade),
            courseSourcedId=course,
            classCode="" if subject else str(school_class),
            classType=class_type,
            schoolSourcedId=org,
            termSourcedIds=terms_of(school_class) or session_of(school_class),
            subjects=subject.name if subject else "",
        )

    homeroom = {}
    for school_class in classes:
        homeroom[school_class.pk] = f"{school.slug}-class-{school_class.pk}"
        add_class(
            homeroom[school_class.pk],
            school_class,
            "homeroom",
            str(school_class),
            f"{school.slug}-homeroom-{school_class.grade}",
            f"{school_class.grade} класс",
        )
        if school_class.class_teacher_id:
            _enroll(package, homeroom[school_class.pk], org, person_id(school_class.class_teacher_id), "teacher")

    by_class = {c.pk: c for c in classes}
    # A subject taught to a class (or to one of its subgroups) is a scheduled class: from the
    # teaching load, and from the lessons, which also hold what a load no longer says.
    taught = TeachingLoad.objects.filter(school_class__in=classes).values_list(
        "school_class", "subject", "subgroup", "teacher"
    )
    held = Lesson.objects.filter(school_class__in=classes).values_list("school_class", "subject", "subgroup", "teacher")
    subjects, subgroups = Subject.objects.in_bulk(), Subgroup.objects.filter(school_class__in=classes).in_bulk()
    members = {g: set(group.pupils.values_list("pk", flat=True)) for g, group in subgroups.items()}
    teaching = {*taught, *held.distinct()}
    scheduled = {}  # (class, subject, subgroup) → sourcedId
    for class_id, subject_id, subgroup_id, teacher_id in teaching:
        school_class, subject, key = by_class[class_id], subjects[subject_id], (class_id, subject_id, subgroup_id)
        scheduled[key] = f"{school.slug}-class-{'-'.join(str(k) for k in key if k)}"
        group = f" ({subgroups[subgroup_id].name})" if subgroup_id else ""
        add_class(
            scheduled[key],
            school_class,
            "scheduled",
            f"{school_class} {subject.name}{group}",
            f"{school.slug}-subject-{subject_id}-{school_class.grade}",
            f"{subject.name}, {school_class.grade} класс",
            subject,
        )
        _enroll(package, scheduled[key], org, person_id(teacher_id), "teacher")

    scheduled_of = {}
    for (class_id, _subject, subgroup), sourced in scheduled.items():
        scheduled_of.setdefault(class_id, []).append((subgroup, sourced))
    pupils = list(Pupil.objects.enrolled().filter(school_class__in=classes))
    parents = {}
    for link in Guardian.objects.filter(pupil__in=pupils, ended_at__isnull=True):
        parents.setdefault(link.pupil_id, []).append(link.user_id)
    for pupil in pupils:
        pid = f"{school.slug}-pupil-{pupil.pk}"
        grade = grade_code(by_class[pupil.school_class_id].grade)
        package.add(
            "users",
            sourcedId=pid,
            enabledUser=pupil.user_id is not None,
            username=pid,
            givenName=pupil.first_name,
            familyName=pupil.last_name,
            middleName=pupil.middle_name,
            agentSourcedIds=",".join(person_id(u) for u in sorted(parents.get(pupil.pk, []))),
            grades=grade,
            primaryOrgSourcedId=org,
        )
        package.add("demographics", sourcedId=pid, birthDate=pupil.birth_date)
        _role(package, pid, "student", org)
        _enroll(
            package, homeroom[pupil.school_class_id], org, pid, "student", pupil.enrolled_on, pupil.enrollment_order
        )
        for subgroup, sourced in scheduled_of.get(pupil.school_class_id, []):
            if subgroup is None or pupil.pk in members[subgroup]:
                _enroll(package, sourced, org, pid, "student")

    staff = Membership.objects.at(school).filter(role__in=list(STAFF_ROLES)).values_list("user_id", "role")
    # Whoever a class names as its teacher is in the package, one who has left the school too.
    teachers = {teacher for *_, teacher in teaching}
    teachers |= {c.class_teacher_id for c in classes if c.class_teacher_id}
    staff = {*staff, *((teacher, Role.TEACHER) for teacher in teachers)}
    people = User.objects.in_bulk({u for us in parents.values() for u in us} | {u for u, _ in staff})
    for user_id, role in staff:
        _user(package, people[user_id], org)
        _role(package, person_id(user_id), STAFF_ROLES[role], org)
    for pupil in pupils:
        for user_id in parents.get(pupil.pk, []):
            _user(package, people[user_id], org, agents=f"{school.slug}-pupil-{pupil.pk}")
            _role(package, person_id(user_id), "parent", org)
    if with_results:
        _add_results(package, school, scheduled, by_class)


def _user(package, user, org, agents=""):
    package.add(
        "users",
        sourcedId=person_id(user.pk),
        enabledUser=user.is_active,
        username=user.email or user.phone or person_id(user.pk),
        givenName=user.first_name,
        familyName=user.last_name,
        middleName=user.middle_name,
        email=user.email or "",
        phone=user.phone or "",
        agentSourcedIds=agents,
        primaryOrgSourcedId=org,
    )


def _role(package, user, role, org):
    package.add(
        "roles", sourcedId=f"{user}-{role}-{org}", userSourcedId=user, roleType="primary", role=role, orgSourcedId=org
    )


def _enroll(package, class_id, org, user, role, begin="", order=""):
    package.add(
        "enrollments",
        sourcedId=f"{class_id}-{user}",
        classSourcedId=class_id,
        schoolSourcedId=org,
        userSourcedId=user,
        role=role,
        primary=role == "teacher",
        beginDate=begin,
        **{ORDER: order},
    )


def _add_results(package, school, scheduled, by_class):
    """A line item is one kind of work at one lesson (a dictation on 12.09); its results the marks.
    The 5-point marks and зачёт/незачёт are on different scales: each has its own line items."""
    for work_type in WorkType.objects.all():
        package.add(
            "categories", sourcedId=f"{school.slug}-work-{work_type.pk}", title=work_type.name, weight=work_type.weight
        )
    marks = (
        Mark.objects.live()
        .filter(lesson__school_class__in=list(by_class))
        .values(
            "pk",
            "value",
            "comment",
            "entered_at",
            "pupil_id",
            "work_type_id",
            "work_type__name",
            "lesson_id",
            "lesson__date",
            "lesson__topic",
            "lesson__term_id",
            "lesson__school_class_id",
            "lesson__subject_id",
            "lesson__subgroup_id",
        )
        .order_by("lesson__date", "lesson_id", "pk")
    )
    for mark in marks:
        key = (mark["lesson__school_class_id"], mark["lesson__subject_id"], mark["lesson__subgroup_id"])
        passfail = mark["value"] in PASS_FAIL
        item = f"{school.slug}-lesson-{mark['lesson_id']}-{mark['work_type_id']}" + ("-p" if passfail else "")
        day = mark["lesson__date"]
        package.add(
            "lineItems",
            sourcedId=item,
            title=f"{mark['work_type__name']}, {day:%d.%m.%Y}",
            description=mark["lesson__topic"],
            assignDate=day,
            dueDate=day,
            classSourcedId=scheduled[key],
            categorySourcedId=f"{school.slug}-work-{mark['work_type_id']}",
            gradingPeriodSourcedId=f"{school.slug}-term-{mark['lesson__term_id']}",
            resultValueMin="0" if passfail else "1",
            resultValueMax="1" if passfail else "5",
        )
        package.add(
            "results",
            sourcedId=f"{school.slug}-mark-{mark['pk']}",
            lineItemSourcedId=item,
            studentSourcedId=f"{school.slug}-pupil-{mark['pupil_id']}",
            scoreStatus="fully graded",
            score=PASS_FAIL.get(mark["value"], mark["value"]),
            scoreDate=timezone.localdate(mark["entered_at"]),
            comment=mark["comment"],
        )


# --- Reading a package back --------------------------------------------------------------

MAX_PACKAGE = 20 * 1024 * 1024
MAX_FILE_ROWS = 200_000


def read_package(upload):
    """The package's files as {name: [row dicts]}, checked as the binding requires: manifest.csv
    with version 1.2, each file the manifest lists, its header in order, its required values."""
    if upload.size > MAX_PACKAGE:
        raise ValidationError(_("Пакет больше 20 МБ."))
    try:
        package = zipfile.ZipFile(upload)
        names = set(package.namelist())
    except (zipfile.BadZipFile, OSError):
        raise ValidationError(_("Файл не читается как ZIP-пакет OneRoster.")) from None
    if "manifest.csv" not in names:
        raise ValidationError(_("В пакете нет manifest.csv: это не пакет OneRoster."))
    manifest = {row[0]: row[1] for row in _read(package, "manifest.csv")[1:] if len(row) >= 2}
    if manifest.get("oneroster.version") != VERSION:
        raise ValidationError(
            _("Пакет OneRoster версии «%(found)s»: нужна %(needed)s.")
            % {"found": manifest.get("oneroster.version", "?"), "needed": VERSION}
        )
    files = {}
    for name in FILES:
        mode = manifest.get(f"file.{name}", "absent")
        if mode == "absent":
            continue
        if mode != "bulk":
            raise ValidationError(
                _("%(name)s.csv: загружается только полный пакет (bulk), не «%(mode)s».") % {"name": name, "mode": mode}
            )
        if f"{name}.csv" not in names:
            raise ValidationError(_("В manifest.csv указан %(name)s.csv, но файла в пакете нет.") % {"name": name})
        files[name] = _rows(name, _read(package, f"{name}.csv"))
    return files


def _read(package, name):
    info = package.getinfo(name)
    if info.file_size > MAX_PACKAGE:  # a small ZIP that unpacks into gigabytes
        raise ValidationError(_("%(name)s: файл больше 20 МБ.") % {"name": name})
    try:
        text = package.read(name).decode("utf-8-sig")
        return [row for row in csv.reader(io.StringIO(text)) if any(row)]
    except (UnicodeDecodeError, csv.Error):
        raise ValidationError(_("%(name)s: не CSV в кодировке UTF-8.") % {"name": name}) from None


def _rows(name, table):
    if not table:
        raise ValidationError(_("%(name)s.csv пустой: в пакете не должно быть файлов без строк.") % {"name": name})
    header, own = table[0], COLUMNS[name]
    if header[: len(own)] != own:
        raise ValidationError(
            _("%(name)s.csv: столбцы не по спецификации OneRoster %(version)s: ожидаются %(expected)s.")
            % {"name": name, "version": VERSION, "expected": ",".join(own)}
        )
    if len(table) > MAX_FILE_ROWS + 1:
        raise ValidationError(
            _("%(name)s.csv: больше %(MAX_FILE_ROWS)s строк.") % {"name": name, "MAX_FILE_ROWS": MAX_FILE_ROWS}
        )
    rows = []
    for number, values in enumerate(table[1:], start=2):
        row = dict(zip(header, values, strict=False))
        empty = [c for c in REQUIRED[name] if not row.get(c, "").strip()]
        if empty:
            raise ValidationError(
                _("%(name)s.csv, строка %(number)s: не заполнено %(empty)s.")
                % {"name": name, "number": number, "empty": ", ".join(empty)}
            )
        rows.append(row)
    return rows


def schools_in(files):
    return [org for org in files.get("orgs", []) if org["type"] == "school"]


def contingent(files, org=None):
    """What the contingent import takes from a read package: one school's homeroom classes,
    its pupils (with birth date, class, enrolment date and order) and their parents."""
    schools = schools_in(files)
    if org is None and len(schools) == 1:
        org = schools[0]["sourcedId"]
    if org is None or org not in {s["sourcedId"] for s in schools}:
        names = "; ".join(f"{s['name']} ({s['sourcedId']})" for s in schools) or _("ни одной")
        raise ValidationError(
            _("Выберите одну школу пакета: в нём %(names)s. Выгрузите пакет одной школы.") % {"names": names}
        )
    for name in ("classes", "users", "roles", "enrollments"):
        if name not in files:
            raise ValidationError(_("Для загрузки контингента в пакете нужен %(name)s.csv.") % {"name": name})
    roles = {}
    for role in files["roles"]:
        if role["orgSourcedId"] == org:
            roles.setdefault(role["userSourcedId"], set()).add(role["role"])
    users = {u["sourcedId"]: u for u in files["users"]}
    born = {d["sourcedId"]: d.get("birthDate", "") for d in files.get("demographics", [])}
    classes = {
        c["sourcedId"]: c for c in files["classes"] if c["schoolSourcedId"] == org and c["classType"] == "homeroom"
    }
    rows, enrolled = [], {}
    for c in classes.values():
        rows.append({"Что": "класс", "Класс": c["title"], "id": c["sourcedId"]})
    for e in files["enrollments"]:
        if e["classSourcedId"] in classes and e["role"] == "student" and "student" in roles.get(e["userSourcedId"], ()):
            enrolled[e["userSourcedId"]] = e
    parents = {}
    for pid, e in enrolled.items():
        user = users.get(pid, {})
        rows.append(
            {
                "Что": "обучающийся",
                "Класс": classes[e["classSourcedId"]]["title"],
                "Фамилия": user.get("familyName", ""),
                "Имя": user.get("givenName", ""),
                "Отчество": user.get("middleName", ""),
                "Дата рождения": born.get(pid, ""),
                "Зачислен": e.get("beginDate", ""),
                "Приказ": e.get(ORDER, ""),
                "id": pid,
            }
        )
        for agent in filter(None, user.get("agentSourcedIds", "").split(",")):
            if roles.get(agent, set()) & {"parent", "guardian"} and agent in users:
                parents.setdefault(agent, []).append(pid)
    for agent, children in parents.items():
        user = users[agent]
        for child in children:
            rows.append(
                {
                    "Что": "родитель",
                    "Фамилия": user["familyName"],
                    "Имя": user["givenName"],
                    "Отчество": user.get("middleName", ""),
                    "Чей родитель": f"{users[child]['familyName']} {users[child]['givenName']}",
                    "id": agent,
                    "pupil": child,
                }
            )
    return rows
