"""The rule book proven route by route: every page and API path, for every role × object.

Each route is declared with its audience (accounts.access); a route without one fails the
first test. The matrix then opens every route as each kind of person, on objects of their own,
of another class of the same school, of another school and of another family, and checks the
status and that nothing foreign is in the answer. A route missing from CASES fails it too."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.access import Audience
from accounts.models import Role
from audit.models import AuditEntry
from billing import services as billing
from billing.models import Invoice, Payer, Plan
from diary import services as diary
from journal import services as journal
from journal.models import ArchiveExport, ImportBatch, Lesson
from monitoring.reports import make_district_report, make_school_report

from .conftest import _person

# People of school A (and the portal). "substitute" teaches nothing but the one maths lesson of
# 5А the deputy gave them; "teacher" teaches Russian in 5А and maths in 6Б; "class_teacher" is
# 5А's class teacher and its maths teacher.
ANON, AD, DI, DE, T, CT, SU, P, CL = (
    "anonymous",
    "admin",
    "director",
    "deputy",
    "teacher",
    "class_teacher",
    "substitute",
    "pupil",
    "clerk",  # секретарь учебной части: personal data of pupils and staff, nothing of the journal
)
PA, OPA, OFF, OPR = "parent", "other_parent", "official", "operator"
SCHOOL_PEOPLE = (ANON, AD, DI, DE, T, CT, SU, P, CL, PA, OFF)
PORTAL_PEOPLE = (ANON, PA, OPA, OFF, OPR, DE)
STAFF = {AD, DI, DE, T, CT, SU}
READERS = {DI, DE, T, CT, SU}
HEADS = {DI, DE}
SIGNED_IN_SCHOOL = STAFF | {P, CL}
SIGNED_IN_PORTAL = {PA, OPA, OFF, OPR}
EVERYONE = set(SCHOOL_PEOPLE) | set(PORTAL_PEOPLE)
REFUSED = (302, 401, 403, 404, 405)


def audience_of(callback):
    if isinstance(getattr(callback, "audience", None), Audience):
        return callback.audience
    permissions = (getattr(callback, "initkwargs", None) or {}).get("permission_classes") or getattr(
        getattr(callback, "cls", None), "permission_classes", None
    )
    if permissions:
        declared = [p.audience for p in permissions if isinstance(getattr(p, "audience", None), Audience)]
        return declared[0] if len(declared) == len(permissions) == 1 else None
    return None


def routes(urlconf):
    found = {}

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                found[p.name] = p.callback

    walk(get_resolver(urlconf).url_patterns)
    return found


@pytest.mark.parametrize("urlconf", ["config.urls_school", "config.urls_public"])
def test_every_route_declares_its_audience(urlconf):
    missing = sorted(name for name, callback in routes(urlconf).items() if audience_of(callback) is None)
    assert not missing, f"routes without a declared audience: {missing}"


def test_an_api_view_without_a_declared_audience_serves_nobody(world, enter, settings):
    from rest_framework.decorators import api_view
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory, force_authenticate

    @api_view(["GET"])
    def undeclared(request):
        return Response({"secret": 1})

    request = APIRequestFactory().get("/x/")
    force_authenticate(request, user=world.a.deputy)
    request.roles, request.school = {Role.DEPUTY}, world.a.school
    assert undeclared(request).status_code == 403


# --- The world of the matrix ---------------------------------------------------------------------


@pytest.fixture
def cast(world, settings, tmp_path):
    """The people above, school A's objects of each kind, and the URL cases."""
    settings.MEDIA_ROOT = tmp_path
    a, b, cal = world.a, world.b, world.calendar_a
    substitute = _person("substitute@school-a.test", "ЗаменяющаяАльфа", "Зоя", world.password_hash)
    accounts.add_membership(substitute, a.school, Role.TEACHER)
    clerk = _person("clerk@school-a.test", "СекретарёваАльфа", "Светлана", world.password_hash)
    accounts.add_membership(clerk, a.school, Role.CLERK)
    today = timezone.localdate()
    with schema_context(a.school.schema_name):
        maths = Lesson.objects.filter(school_class=a.school_class, subject=cal.math, term=cal.term, date__lt=today)
        maths_lesson, substituted = maths.order_by("-date")[0], maths.order_by("-date")[1]
        russian = Lesson.objects.filter(
            school_class=a.school_class, subject=cal.russian, term=cal.term, date__lt=today
        ).last()
        six_b = Lesson.objects.filter(school_class=a.other_class, term=cal.term, date__lt=today).last()
        journal.assign_substitution(substituted, school=a.school, teacher=substitute, reason="illness", by=a.deputy)
        away = journal.record_teacher_absence(
            school=a.school, teacher=a.teacher, starts_on=today, ends_on=today, reason="course", by=a.deputy
        )
        # 5А maths is the class teacher's journal: the remark goes to them.
        check = journal.check_journal(
            school=a.school, school_class=a.school_class, subject=cal.math, term=cal.term, summary="Итог",
            remarks=[("Заполнить темы", today + timedelta(days=3))], by=a.deputy,
        )  # fmt: skip
        mark = journal.add_mark(maths_lesson, pupil=a.pupils[0], value="5", work_type=cal.answer, by=a.class_teacher)
        journal.take_attendance(maths_lesson, absent=[a.pupils[1]], by=a.class_teacher)
        absence = maths_lesson.attendance.get(pupil=a.pupils[1])
        homework = journal.attach_homework_file(
            maths_lesson, SimpleUploadedFile("task.pdf", b"%PDF-1.4 x"), school=a.school, by=a.class_teacher
        )
        thread = diary.start_thread(
            school=a.school,
            by=a.class_teacher,
            subject="О первом",
            text="Добрый день",
            pupil=a.pupils[0],
            attachment=SimpleUploadedFile("note.pdf", b"%PDF-1.4 y"),
        )
        message = thread.messages.get()
        batch = ImportBatch.objects.create(kind="pupils", filename="x.csv", rows=[], errors=[], created_by=a.admin)
        monday = today - timedelta(days=today.weekday() + 7)
        school_report = make_school_report("activity", monday, by=a.deputy)
        guardian = a.pupils[0].guardians.get(user=world.parent)
        printed_copy = journal.print_journal_copy(
            a.school, school_class=a.school_class, term=cal.closed_term, by=a.deputy
        )
        exam = journal.schedule_exam(
            school=a.school, school_class=a.school_class, subject=cal.math, kind="attestation", form="test",
            held_on=maths_lesson.date, by=a.deputy,
        )  # fmt: skip
        work_programme = journal.upload_work_programme(
            school=a.school, subject=cal.math, grade=5, year=cal.year,
            upload=SimpleUploadedFile("programme.pdf", b"%PDF-1.4 p"), by=a.class_teacher,
        )  # fmt: skip
        portfolio = journal.add_portfolio_entry(
            a.pupils[0], school=a.school, kind="certificate", title="Грамота", happened_on=today,
            upload=SimpleUploadedFile("gramota.pdf", b"%PDF-1.4 g"), by=world.parent,
        )  # fmt: skip
        archive = ArchiveExport.objects.create(
            year=cal.year,
            manifest_sha256="0" * 64,
            files=0,
            targets=[f"storage:{a.school.schema_name}/archives/none", str(tmp_path)],
            retain_until={},
        )
    district_report = make_district_report("activity", monday, by=world.official)
    payer = Payer.objects.create(name="Управление образования", inn="5001007329")
    plan = Plan.objects.create(name="За школу", kind="per_school", tiers=[["0", "100"]], vat_rate=22)
    contract = billing.create_contract(
        payer=payer, number="1", signed_on=today, starts_on=today, plan=plan, schools=[a.school], by=world.operator
    )
    invoice = Invoice.objects.create(
        year=today.year, number=1, issued_on=today, due_on=today, month=today.replace(day=1), payer=payer,
        contract=contract, plan=plan, net=100, vat=22, total=122,
    )  # fmt: skip
    invitation, _ = accounts.issue_invitation(school=a.school, role=Role.TEACHER, by=a.admin, ip=None, full_name="X")
    membership = a.teacher.memberships.get(role=Role.TEACHER, school=a.school)
    people = {
        AD: a.admin,
        DI: a.director,
        DE: a.deputy,
        T: a.teacher,
        CT: a.class_teacher,
        SU: substitute,
        P: a.pupil_user,
        CL: clerk,
        PA: world.parent,
        OPA: world.other_parent,
        OFF: world.official,
        OPR: world.operator,
    }
    objects = dict(
        a=a,
        b=b,
        cal=cal,
        maths_lesson=maths_lesson,
        substituted=substituted,
        russian=russian,
        six_b=six_b,
        mark=mark,
        absence=absence,
        homework=homework,
        thread=thread,
        message=message,
        batch=batch,
        school_report=school_report,
        district_report=district_report,
        invitation=invitation,
        membership=membership,
        away=away,
        check=check,
        exam=exam,
        work_programme=work_programme,
        portfolio=portfolio,
        guardian=guardian,
        printed_copy=printed_copy,
        archive=archive,
        payer=payer,
        contract=contract,
        invoice=invoice,
    )
    return people, objects


def school_get_cases(o):
    """(path, who gets 200): every GET route of a school's address on school A's objects."""
    a, cal = o["a"], o["cal"]
    c5, c6, p0 = a.school_class.pk, a.other_class.pk, a.pupils[0].pk
    ml, sl, rl, bl = o["maths_lesson"].pk, o["substituted"].pk, o["russian"].pk, o["six_b"].pk
    maths, russian, term = cal.math.pk, cal.russian.pk, cal.term.pk
    thread, message = o["thread"].pk, o["message"].pk
    return [
        # Parents and district staff hold no role at a school's address: they are signed out there.
        # A pupil is sent from the start page to their diary.
        ("/", set(SCHOOL_PEOPLE) - {P}),
        ("/login/", set(SCHOOL_PEOPLE)),
        ("/login/forgot/", set(SCHOOL_PEOPLE)),
        ("/login/reset/MQ/no-such-token/", set()),
        ("/login/code/", set(SCHOOL_PEOPLE)),
        ("/help/", set(SCHOOL_PEOPLE)),
        ("/help/teacher/", set(SCHOOL_PEOPLE)),
        ("/help/ask/", SIGNED_IN_SCHOOL),
        # No identity provider is configured in the matrix's world: tests/test_outside_sign_in.py runs one.
        ("/login/outside/esia/", set()),
        ("/login/outside/esia/done/", set()),
        ("/login/outside-link/", set()),
        ("/sw.js", set(SCHOOL_PEOPLE)),
        ("/login/handoff/", set()),
        ("/invite/", set(SCHOOL_PEOPLE)),
        ("/invite/BADCO-DE234/", set()),
        ("/account/", SIGNED_IN_SCHOOL),
        ("/account/password/", SIGNED_IN_SCHOOL),
        ("/account/2fa/", SIGNED_IN_SCHOOL),
        ("/api/v1/me/", SIGNED_IN_SCHOOL),
        ("/api/schema/", set(SCHOOL_PEOPLE)),
        ("/staff/", {AD, DI, CL}),
        (f"/staff/{o['membership'].pk}/correct/", {AD, CL}),
        ("/classes/", STAFF | {CL}),
        (f"/classes/{c5}/", STAFF | {CL}),
        (f"/classes/{c6}/", STAFF | {CL}),
        ("/api/v1/classes/", STAFF),
        (f"/api/v1/classes/{c5}/pupils/", STAFF),
        (f"/api/v1/classes/{c6}/pupils/", STAFF),
        ("/timetable/", {T, CT, SU}),
        (f"/timetable/classes/{c5}/", STAFF),
        (f"/timetable/classes/{c6}/", STAFF),
        (f"/timetable/teachers/{a.teacher.pk}/", STAFF),
        (f"/timetable/teachers/{a.pupil_user.pk}/", set()),  # not a teacher: nobody's timetable
        ("/substitutions/", READERS),
        ("/substitutions/absences/", {DE}),
        (f"/journal/{c5}/{maths}/checks/", HEADS),
        (f"/checks/{o['check'].pk}/", HEADS | {CT}),
        (f"/journal/{c5}/{maths}/exams/", {CT, DE, DI}),
        (f"/journal/{c5}/{russian}/exams/", {T, CT, DE, DI}),
        (f"/exams/{o['exam'].pk}/", {CT, DE, DI}),
        (f"/exams/{o['exam'].pk}/?format=xlsx", {CT, DE, DI}),
        (f"/journal/{c5}/{maths}/programme/", {CT, DE, DI}),
        (f"/journal/{c5}/{maths}/programme/{o['work_programme'].pk}/", {CT, DE, DI}),
        ("/reports/programme/", HEADS),
        ("/reports/subjects/", READERS),
        (f"/reports/subjects/?journal={c5}-{maths}", {CT, DE, DI}),
        (f"/classes/{c5}/portfolio/", {CT}),
        (f"/classes/{c5}/portfolio/{o['portfolio'].pk}/", {CT}),
        (f"/classes/{c6}/portfolio/", set()),
        (f"/substitutions/absences/{o['away'].pk}/", {DE}),
        # Lessons: the journal's readers, the lesson's own teacher, its substitute.
        (f"/lessons/{ml}/", {CT, DE, DI}),
        (f"/lessons/{sl}/", {CT, DE, DI, SU}),
        (f"/lessons/{rl}/", {T, CT, DE, DI}),
        (f"/lessons/{bl}/", {T, DE, DI}),
        (f"/lessons/{ml}/files/{o['homework'].pk}/", {CT, DE, DI}),
        ("/journal/", READERS),
        (f"/journal/{c5}/{maths}/", {CT, DE, DI}),
        (f"/journal/{c5}/{russian}/", {T, CT, DE, DI}),
        (f"/journal/{c6}/{maths}/", {T, DE, DI}),
        (f"/journal/{c5}/{maths}/final/", {CT, DE, DI}),
        (f"/plans/{c5}/{maths}/", {CT, DE, DI}),
        ("/api/v1/lessons/", {T, CT, SU, DE, DI}),
        (f"/api/v1/lessons/{ml}/", {CT, DE, DI}),
        (f"/api/v1/lessons/{sl}/", {CT, DE, DI, SU}),
        (f"/api/v1/marks/?lesson={ml}", {CT, DE, DI}),
        (f"/api/v1/marks/{o['mark'].pk}/", {CT, DE, DI}),
        (f"/api/v1/history/?lesson={ml}&pupil={p0}", {CT, DE, DI}),
        (f"/api/v1/journal/?school_class={c5}&subject={maths}&term={term}", {CT, DE, DI}),
        ("/api/v1/substitutions/", HEADS),
        *[
            (f"/api/v1/{name}/", STAFF)
            for name in (
                "years",
                "terms",
                "holidays",
                "grade-schemes",
                "subjects",
                "work-types",
                "curriculum",
                "bells",
                "load",
                "timetable",
            )
        ],
        ("/api/v1/reopenings/", HEADS),
        ("/setup/", {AD, DE, DI}),
        ("/imports/", {AD, DE}),
        (f"/imports/{o['batch'].pk}/", {AD}),
        ("/exports/oneroster/", {AD}),
        ("/exports/oneroster/?results=1", {AD}),
        (f"/classes/{c5}/absences/", {CT}),
        (f"/classes/{c5}/pupils/{p0}/correct/", {CT, AD, CL}),
        (f"/classes/{c6}/pupils/{p0}/correct/", set()),  # not a pupil of that class
        (f"/classes/{c6}/absences/", set()),
        ("/control/", HEADS),
        ("/control/missed-lessons/", HEADS),
        (f"/classes/{c5}/weekly-report/", {CT, DE, DI}),
        (f"/classes/{c6}/weekly-report/", HEADS),
        (f"/classes/{c5}/summary/", {CT, DE, DI}),
        (f"/classes/{c6}/summary/", HEADS),
        (f"/classes/{c5}/summary.pdf", {CT, DE, DI}),
        ("/reports/progress/", HEADS),
        (f"/reports/progress/?class={c5}", {CT, DE, DI}),
        (f"/reports/progress/?class={c6}&format=xlsx", HEADS),
        ("/journal-copies/", HEADS),
        (f"/journal-copies/{o['printed_copy'].pk}.pdf", HEADS),
        ("/year-end/", HEADS),
        ("/archives/", HEADS),
        (f"/archives/{o['archive'].pk}.zip", HEADS),
        ("/messages/", READERS | {P, AD}),  # the ЭЖ administrator: the questions from the help pages
        (f"/messages/new/?pupil={p0}", READERS | {P}),  # a pupil: the list of their own teachers
        ("/messages/new/", READERS | {P}),
        (f"/messages/new/?to={a.teacher.pk}", READERS | {P}),  # the pupil's Russian teacher
        (f"/messages/{thread}/", {CT, DE, DI}),
        (f"/messages/{thread}/files/{message}/", {CT, DE, DI}),
        ("/news/", STAFF),
        (f"/classes/{c5}/meeting/", {CT}),
        (f"/classes/{c6}/meeting/", set()),
        ("/quality/", HEADS),
        ("/quality/reports/", HEADS),
        (f"/quality/reports/{o['school_report'].pk}/", HEADS),
        (f"/quality/reports/{o['school_report'].pk}.xlsx", HEADS),
        ("/diary/", {P}),
        ("/diary/marks/", {P}),
        ("/diary/attendance/", {P}),
        ("/diary/views/", {P}),
        ("/diary/plan/", {P}),
        ("/diary/exams/", {P}),
        ("/diary/years/", {P}),
        ("/diary/portfolio/", {P}),
        (f"/diary/portfolio/{o['portfolio'].pk}/", {P}),
        (f"/diary/programmes/{o['work_programme'].pk}/", {P}),
        (f"/diary/files/{ml}/{o['homework'].pk}/", {P}),
        ("/api/v1/diary/week/", {P}),
        ("/api/v1/diary/marks/", {P}),
    ]


def school_write_cases(o):
    """(method, path, who may write): every route that changes something, tried with an
    empty or harmless body; everyone else must be refused with nothing written."""
    a, cal = o["a"], o["cal"]
    c5, p0, ml, sl = a.school_class.pk, a.pupils[0].pk, o["maths_lesson"].pk, o["substituted"].pk
    return [
        ("post", "/logout/", set(SCHOOL_PEOPLE)),
        ("post", "/login/forgot/", set(SCHOOL_PEOPLE)),
        ("post", "/login/code/", set(SCHOOL_PEOPLE)),
        ("post", "/login/outside/esia/", set()),
        ("post", "/login/outside-link/", set()),
        ("post", "/account/", SIGNED_IN_SCHOOL),
        ("post", "/help/ask/", SIGNED_IN_SCHOOL),
        ("post", "/low-vision/", set(SCHOOL_PEOPLE)),
        ("post", "/i18n/setlang/", set(SCHOOL_PEOPLE)),
        ("post", "/api/v1/push-subscriptions/", SIGNED_IN_SCHOOL),
        ("post", "/switch/portal/", set()),
        ("post", "/staff/invite/", {AD}),
        ("post", f"/staff/{o['membership'].pk}/end/", {AD}),
        ("post", "/substitutions/absences/", {DE}),
        ("post", f"/journal/{c5}/{cal.math.pk}/checks/", {DE}),
        ("post", f"/checks/{o['check'].pk}/", HEADS | {CT}),
        ("post", f"/journal/{c5}/{cal.math.pk}/exams/", {CT, DE}),
        ("post", f"/exams/{o['exam'].pk}/", {CT, DE}),
        ("post", f"/journal/{c5}/{cal.math.pk}/programme/", {CT, DE}),
        ("post", f"/classes/{c5}/portfolio/", {CT}),
        ("post", "/diary/portfolio/", {P}),
        ("post", f"/substitutions/absences/{o['away'].pk}/", {DE}),
        ("post", f"/staff/{o['membership'].pk}/correct/", {AD, CL}),
        ("post", f"/staff/{o['membership'].pk}/reset-two-factor/", {AD}),
        ("post", f"/invitations/{o['invitation'].pk}/revoke/", {AD}),
        ("post", f"/classes/{c5}/pupils/{p0}/invite/", {CT}),
        ("post", f"/classes/{c5}/guardians/{o['guardian'].pk}/end/", {CT}),
        ("put", f"/api/v1/lessons/{ml}/attendance/", {CT}),
        ("patch", f"/api/v1/lessons/{sl}/", {SU}),
        ("post", f"/api/v1/lessons/{ml}/substitute/", set()),
        ("post", f"/api/v1/attendance/{o['absence'].pk}/reason/", {CT}),
        ("post", "/api/v1/marks/", {T, CT, SU}),
        ("patch", f"/api/v1/marks/{o['mark'].pk}/", {CT}),
        ("post", f"/api/v1/marks/{o['mark'].pk}/restore/", {CT}),
        ("post", "/api/v1/final-marks/", {T, CT, SU}),
        ("post", "/api/v1/substitutions/", {DE}),
        ("post", f"/lessons/{ml}/", {CT, DE}),
        ("post", "/setup/year/", {AD, DE}),
        ("post", "/setup/slots/1/end/", {AD, DE}),
        ("post", "/setup/lessons/generate/", {AD, DE}),
        ("post", f"/classes/{c5}/enroll/", {AD, DE}),
        ("post", f"/classes/{c5}/pupils/{p0}/move/", {AD, DE}),
        ("post", f"/classes/{c5}/pupils/{p0}/correct/", {CT, AD, CL}),
        ("post", f"/classes/{c5}/subgroups/", {AD, DE}),
        ("post", f"/api/v1/pupils/{p0}/move/", {AD, DE}),
        ("post", "/api/v1/years/", {AD, DE}),
        ("post", f"/classes/{c5}/absences/", {CT}),
        ("post", "/control/", {DE}),
        ("post", f"/plans/{c5}/{cal.math.pk}/", {CT}),
        ("post", f"/journal/{c5}/{cal.math.pk}/final/", {CT}),
        ("post", f"/imports/{o['batch'].pk}/", {AD}),
        ("post", "/imports/", {AD, DE}),
        ("post", f"/messages/{o['thread'].pk}/", {CT}),
        ("post", f"/messages/new/?pupil={p0}", READERS | {P}),
        ("post", "/news/", STAFF),
        ("post", f"/classes/{c5}/meeting/", {CT}),
        ("post", "/quality/", HEADS),
        ("post", "/quality/reports/", HEADS),
        ("post", "/journal-copies/", HEADS),
        ("post", f"/journal-copies/{o['printed_copy'].pk}/certify/", {DE}),
        ("post", "/year-end/", {DE}),
        ("post", "/archives/", {DE}),
    ]


def portal_get_cases(o, world):
    a = o["a"]
    slug, p0, p2, ml = a.school.slug, a.pupils[0].pk, a.pupils[2].pk, o["maths_lesson"].pk
    child, other = f"/children/{slug}/{p0}/", f"/children/{slug}/{p2}/"
    district = {OFF, OPR}
    return [
        # District staff are sent from the start page to their console.
        ("/", set(PORTAL_PEOPLE) - {OFF, OPR}),
        ("/login/", set(PORTAL_PEOPLE)),
        ("/login/forgot/", set(PORTAL_PEOPLE)),
        ("/login/reset/MQ/no-such-token/", set()),
        ("/login/code/", set(PORTAL_PEOPLE)),
        ("/help/", set(PORTAL_PEOPLE)),
        ("/help/parent/", set(PORTAL_PEOPLE)),
        ("/help/ask/", SIGNED_IN_PORTAL),  # district staff: whom to ask; parents: about which child
        # No identity provider is configured in the matrix's world: tests/test_outside_sign_in.py runs one.
        ("/login/outside/esia/", set()),
        ("/login/outside/esia/done/", set()),
        ("/login/outside-link/", set()),
        ("/sw.js", set(PORTAL_PEOPLE)),
        ("/login/handoff/", set()),
        ("/invite/", set(PORTAL_PEOPLE)),
        ("/invite/BADCO-DE234/", set()),
        ("/account/", SIGNED_IN_PORTAL),
        ("/account/password/", SIGNED_IN_PORTAL),
        ("/account/2fa/", SIGNED_IN_PORTAL),
        ("/api/v1/me/", SIGNED_IN_PORTAL),
        ("/api/schema/", set(PORTAL_PEOPLE)),
        ("/district/", district),
        ("/district/schools/new/", {OPR}),
        (f"/district/schools/{slug}/", district),
        ("/api/v1/schools/", district),
        ("/district/quality/", district),
        (f"/district/quality/{slug}/", district),
        (f"/district/quality/{slug}/{timezone.localdate():%Y-%m}/?code=Q9", district),
        ("/district/quality/thresholds/", {OFF}),
        ("/district/quality/reports/", district),
        (f"/district/quality/reports/{o['district_report'].pk}/", district),
        (f"/district/quality/reports/{o['district_report'].pk}.xlsx", district),
        ("/api/v1/children/", {PA, OPA}),
        ("/notifications/", {PA, OPA}),
        ("/messages/", {PA, OPA}),
        ("/api/v1/notifications/", {PA, OPA}),
        ("/api/v1/messages/", {PA, OPA}),
        (child, {PA}),
        (f"{child}marks/", {PA}),
        (f"{child}plan/", {PA}),
        (f"{child}exams/", {PA}),
        (f"{child}years/", {PA}),
        (f"{child}portfolio/", {PA}),
        (f"{child}portfolio/{o['portfolio'].pk}/", {PA}),
        (f"{child}programmes/{o['work_programme'].pk}/", {PA}),
        (f"{other}portfolio/", {OPA}),
        (f"{other}portfolio/{o['portfolio'].pk}/", set()),
        ("/district/programme/", district),
        (f"{child}attendance/", {PA}),
        (f"{child}views/", {PA}),
        (f"{child}consent/", {PA}),
        (f"{child}correction/", {PA}),
        (f"{child}files/{ml}/{o['homework'].pk}/", {PA}),
        (f"/api/v1/children/{slug}/{p0}/week/", {PA}),
        (f"/api/v1/children/{slug}/{p0}/marks/", {PA}),
        (other, {OPA}),
        (f"/api/v1/children/{slug}/{p2}/week/", {OPA}),
        (f"/messages/{slug}/new/{p0}/", {PA}),
        (f"/messages/{slug}/new/{p2}/", {OPA}),
        (f"/messages/{slug}/{o['thread'].pk}/", {PA}),
        (f"/messages/{slug}/{o['thread'].pk}/files/{o['message'].pk}/", {PA}),
        (f"/api/v1/messages/{slug}/{o['thread'].pk}/", {PA}),
        ("/district/billing/", {OPR}),
        ("/district/billing/payers/new/", {OPR}),
        (f"/district/billing/payers/{o['payer'].pk}/", {OPR}),
        ("/district/billing/plans/", {OPR}),
        ("/district/billing/invoices/", {OPR}),
        (f"/district/billing/invoices/?month={o['invoice'].month:%Y-%m}&format=csv", {OPR}),
        (f"/district/billing/invoices/{o['invoice'].pk}/", {OPR}),
        (f"/district/billing/invoices/{o['invoice'].pk}.pdf", {OPR}),
        (f"/district/billing/invoices/{o['invoice'].pk}.act", {OPR}),
        ("/district/billing/payments/", {OPR}),
        ("/api/v1/billing/payers/", {OPR}),
        ("/api/v1/billing/invoices/", {OPR}),
        ("/api/v1/billing/payments/", {OPR}),
    ]


def portal_write_cases(o):
    slug = o["a"].school.slug
    return [
        ("post", "/logout/", set(PORTAL_PEOPLE)),
        ("post", "/login/forgot/", set(PORTAL_PEOPLE)),
        ("post", "/login/code/", set(PORTAL_PEOPLE)),
        ("post", "/login/outside/esia/", set()),
        ("post", "/login/outside-link/", set()),
        ("post", "/account/", SIGNED_IN_PORTAL),
        ("post", "/help/ask/", SIGNED_IN_PORTAL),
        ("post", "/low-vision/", set(PORTAL_PEOPLE)),
        ("post", "/i18n/setlang/", set(PORTAL_PEOPLE)),
        ("post", "/api/v1/push-subscriptions/", SIGNED_IN_PORTAL),
        ("post", f"/switch/{slug}/", set()),
        ("post", f"/district/schools/{slug}/status/", {OPR}),
        ("post", f"/district/schools/{slug}/invite-admin/", {OPR}),
        ("post", f"/district/schools/{slug}/sms-limit/", {OPR}),
        ("post", "/district/schools/new/", {OPR}),
        ("post", "/district/quality/thresholds/", {OFF}),
        ("post", "/district/quality/reports/", district_writers()),
        ("post", f"/district/quality/{slug}/", {OFF, OPR}),
        ("post", f"/messages/{slug}/{o['thread'].pk}/", {PA}),
        ("post", f"/api/v1/messages/{slug}/{o['thread'].pk}/", {PA}),
        ("post", f"/messages/{slug}/new/{o['a'].pupils[0].pk}/", {PA}),
        ("post", f"/children/{slug}/{o['a'].pupils[0].pk}/consent/", {PA}),
        ("post", f"/children/{slug}/{o['a'].pupils[0].pk}/correction/", {PA}),
        ("post", f"/children/{slug}/{o['a'].pupils[0].pk}/portfolio/", {PA}),
        ("post", f"/children/{slug}/{o['a'].pupils[2].pk}/portfolio/", {OPA}),
        ("post", "/district/billing/", {OPR}),
        ("post", "/district/billing/payers/new/", {OPR}),
        ("post", f"/district/billing/payers/{o['payer'].pk}/", {OPR}),
        ("post", f"/district/billing/contracts/{o['contract'].pk}/plan/", {OPR}),
        ("post", "/district/billing/plans/", {OPR}),
        ("post", f"/district/billing/invoices/{o['invoice'].pk}/", {OPR}),
        ("post", "/district/billing/payments/", {OPR}),
        ("post", "/api/v1/billing/payments/", {OPR}),
    ]


def district_writers():
    return {OFF, OPR}


@pytest.fixture
def browsers(enter, cast):
    """browsers(who, host): one browser a person keeps, as a person keeps one, signed in once; made
    afresh only when a request ended its session (a role's refusal at an address signs out)."""
    people, _ = cast
    kept = {}

    def browser(who, host):
        client = kept.get((who, host))
        session = client and client.cookies.get(settings.SESSION_COOKIE_NAME)
        if client is None or (who != ANON and not (session and session.value)):
            client = kept[who, host] = enter(None if who == ANON else people[who], host)
        return client

    return browser


def foreign_names(world, who):
    """Names that must never reach this person: at school A anything of school B (its people
    all carry "Бета"); at the portal every pupil but one's own children."""
    everyone = {p.full_name for p in world.a.pupils + world.b.pupils}
    if who == PA:
        return everyone - {world.a.pupils[0].full_name, world.b.pupils[1].full_name}
    if who == OPA:
        return everyone - {world.a.pupils[2].full_name}
    if who in (OFF, OPR, ANON):
        return everyone
    return {"Бета"}


def check(response, who, allowed, path, world, portal=False):
    body = response.content.decode(errors="replace") if not response.streaming else ""
    if who in allowed:
        assert response.status_code == 200, (who, path, response.status_code)
    else:
        assert response.status_code in REFUSED, (who, path, response.status_code)
        for pupil in world.a.pupils:
            assert pupil.full_name not in body, (who, path, "pupil's name in a refusal")
    for name in foreign_names(world, who) if portal or who not in (PA, OPA, OFF, OPR) else {"Бета"}:
        assert name not in body, (who, path, name)


@pytest.mark.parametrize("who", SCHOOL_PEOPLE)
def test_every_school_route_for_every_object(world, browsers, cast, who):
    _, objects = cast
    for path, allowed in school_get_cases(objects):
        check(browsers(who, world.a.host).get(path), who, allowed, path, world)


def test_every_school_route_is_in_the_matrix(cast):
    _, objects = cast
    covered = {resolve(path.split("?")[0], "config.urls_school").url_name for path, _ in school_get_cases(objects)}
    covered |= {
        resolve(path.split("?")[0], "config.urls_school").url_name for _, path, _ in school_write_cases(objects)
    }
    assert set(routes("config.urls_school")) <= covered, set(routes("config.urls_school")) - covered


def test_every_portal_route_for_every_role_and_object(world, browsers, cast):
    _, objects = cast
    cases = portal_get_cases(objects, world)
    for path, allowed in cases:
        for who in PORTAL_PEOPLE:
            check(browsers(who, "localhost").get(path), who, allowed, path, world, portal=True)
    covered = {resolve(path.split("?")[0], "config.urls_public").url_name for path, _ in cases}
    covered |= {
        resolve(path.split("?")[0], "config.urls_public").url_name for _, path, _ in portal_write_cases(objects)
    }
    assert set(routes("config.urls_public")) <= covered, set(routes("config.urls_public")) - covered


def _audit_counts(world):
    # A refusal is itself written down (diary.denied, request.refused): not a change.
    counts = [AuditEntry.objects.exclude(action__in=["diary.denied", "request.refused"]).count()]
    with schema_context(world.a.school.schema_name):
        counts.append(AuditEntry.objects.count())
    return counts


@pytest.mark.parametrize("address", ["school", "portal"])
def test_writes_from_outside_a_routes_audience_are_refused_and_change_nothing(world, browsers, cast, address):
    people, objects = cast
    host, cases, everyone = (
        (world.a.host, school_write_cases(objects), SCHOOL_PEOPLE)
        if address == "school"
        else ("localhost", portal_write_cases(objects), PORTAL_PEOPLE)
    )
    for method, path, allowed in cases:
        for who in everyone:
            if who in allowed:
                continue
            before = _audit_counts(world)
            send = getattr(browsers(who, host), method)
            response = (
                send(path, {}, content_type="application/json")
                if "/api/" in path or method != "post"
                else send(path, {})
            )
            assert response.status_code in REFUSED, (who, method, path, response.status_code)
            assert _audit_counts(world) == before, (who, method, path, "wrote something")
            if response.status_code in (403, 404) and who in people:  # a person refused outright: written down
                refusal = (
                    AuditEntry.objects.filter(action__in=["request.refused", "diary.denied"]).order_by("pk").last()
                )
                assert refusal is not None and refusal.actor_id == people[who].pk, (who, method, path)


@pytest.mark.parametrize("who", (AD, DE, T, CT, SU, P, CL))
def test_school_a_people_get_nothing_at_school_b(world, browsers, cast, who):
    """The same paths at school B's address: A's people hold no role there, whatever the ids."""
    _, objects = cast
    public = {"/", "/login/", "/login/forgot/", "/login/code/", "/login/reset/MQ/no-such-token/", "/login/handoff/", "/invite/",
              "/login/outside/esia/", "/login/outside/esia/done/", "/login/outside-link/",
              "/invite/BADCO-DE234/", "/api/schema/", "/sw.js", "/help/", "/help/teacher/"}  # fmt: skip
    for path, _ in school_get_cases(objects):
        response = browsers(who, world.b.host).get(path)
        if path not in public:
            assert response.status_code in REFUSED, (who, path, response.status_code)
        assert "Бета" not in response.content.decode(errors="replace") or path in public, (who, path)


def test_every_api_path_in_the_schema_is_in_the_matrix(world, enter, cast):
    people, objects = cast
    for host, urlconf, cases, writes in (
        (world.a.host, "config.urls_school", school_get_cases(objects), school_write_cases(objects)),
        ("localhost", "config.urls_public", portal_get_cases(objects, world), portal_write_cases(objects)),
    ):
        schema = enter(people[DE] if host != "localhost" else people[OFF], host).get("/api/schema/?format=json").json()
        covered = {resolve(p.split("?")[0], urlconf).url_name for p, _ in cases}
        covered |= {resolve(p.split("?")[0], urlconf).url_name for _, p, _ in writes}
        for template in schema["paths"]:
            concrete = template
            for part in template.split("/"):
                if part.startswith("{"):
                    concrete = concrete.replace(part, "school-a" if "slug" in part else "1")
            assert resolve(concrete, urlconf).url_name in covered, template
