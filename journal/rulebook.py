"""The rule book: who may do what with a school's records, said once.

Role sets and named predicates. Pages, the API, imports and services ask only these; the
access functions in `access.py` turn a "no" into the same 404 as "does not exist". The
README's "who may do what" table is checked against `RULES` below (tests/test_access_matrix.py)."""

from django.db.models import Q
from django.utils import timezone

from accounts.models import Role

from .models import Lesson, Mark, TeachingLoad

STAFF = frozenset({Role.SCHOOL_ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.CLASS_TEACHER})
TEACHING = frozenset({Role.TEACHER, Role.CLASS_TEACHER})
# The school's heads read every class's journal; they write none of it.
READ_ALL = frozenset({Role.DIRECTOR, Role.DEPUTY})
# Who opens the journal's pages (each object is checked again by the rules below).
READERS = TEACHING | READ_ALL
SETUP = frozenset({Role.DEPUTY, Role.SCHOOL_ADMIN})
# Who keeps pupils' and staff's personal data (the анкетные данные), besides a class's own class
# teacher: the administrator of the journal and the clerk (секретарь учебной части), who reads
# class lists (ROSTER) and nothing of the journal itself.
PERSONAL_DATA = frozenset({Role.SCHOOL_ADMIN, Role.CLERK})
ROSTER = STAFF | PERSONAL_DATA
FAMILY = frozenset({Role.PARENT, Role.PUPIL})
DISTRICT = frozenset({Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR})


def teaches(user, school_class, subject):
    """Teaches this subject in this class: by the teaching load or the timetable. Taking over
    a lesson as a substitute does not make one the class's teacher of the subject."""
    return (
        TeachingLoad.objects.filter(teacher=user, school_class=school_class, subject=subject).exists()
        or Lesson.objects.filter(school_class=school_class, subject=subject, teacher=user).exists()
    )


def is_class_teacher_of(user, roles, school_class):
    return Role.CLASS_TEACHER in roles and school_class.class_teacher_id == user.pk


def can_read_journal(user, roles, school_class, subject):
    """The class × subject journal: its teacher, the class teacher, the heads."""
    if roles & READ_ALL or is_class_teacher_of(user, roles, school_class):
        return True
    return bool(roles & TEACHING) and teaches(user, school_class, subject)


def can_write_journal(user, roles, school_class, subject):
    """Term and year marks, the thematic plan: the subject's teacher in the class."""
    return bool(roles & TEACHING) and teaches(user, school_class, subject)


can_set_final_mark = can_write_journal
can_edit_plan = can_write_journal
# Exam results and the term's programme note: the subject's teacher in the class too.
can_enter_exam_results = can_write_journal
can_write_programme_note = can_write_journal


def can_schedule_exam(user, roles, school_class, subject):
    """Промежуточная аттестация and exams are set by the deputy (the school's schedule of them)
    or the subject's teacher in the class."""
    return Role.DEPUTY in roles or can_write_journal(user, roles, school_class, subject)


def can_upload_work_programme(user, roles, school_class, subject):
    """A subject's рабочая программа: the deputy, or a teacher of the subject in that grade."""
    return Role.DEPUTY in roles or can_write_journal(user, roles, school_class, subject)


def can_read_lesson(user, roles, lesson):
    """One lesson: whoever may read its journal, its timetabled teacher and its substitute."""
    if roles & TEACHING and user.pk in (lesson.teacher_id, lesson.taught_by_id):
        return True
    return can_read_journal(user, roles, lesson.school_class, lesson.subject)


def conducts(user, lesson):
    """The timetabled teacher, or the substitute instead of them; for a lesson whose substitution
    was recorded after it was written, who wrote it."""
    return lesson.writer_id == user.pk


def can_write_lesson(user, roles, lesson):
    return bool(roles & TEACHING) and conducts(user, lesson)


def lesson_is_untouched(lesson):
    return (
        lesson.topic_entered_at is None
        and lesson.homework_entered_at is None
        and lesson.attendance_taken_at is None
        and not Mark.objects.filter(lesson=lesson).exists()
    )


def can_take_over(user, roles, lesson, today=None):
    """A teacher records taking over a colleague's lesson themselves only on the day, before
    anyone has written to it; anything else is the deputy's assignment."""
    return (
        bool(roles & TEACHING)
        and lesson.date == (today or timezone.localdate())
        and lesson.cancelled_at is None
        and lesson.taught_by_id is None
        and lesson.teacher_id != user.pk
        and lesson_is_untouched(lesson)
    )


def can_assign_substitution(roles):
    return Role.DEPUTY in roles


def can_cancel_lesson(roles):
    return Role.DEPUTY in roles


def can_read_class(roles):
    """A class and its list (names, birth dates): the school's staff."""
    return bool(roles & ROSTER)


def can_correct_pupil(user, roles, school_class):
    """A pupil's анкетные данные, read and corrected with a reason: the class's own class teacher,
    the administrator of the journal and the clerk (Положение 4.2 of 001: changes at once)."""
    return bool(roles & PERSONAL_DATA) or is_class_teacher_of(user, roles, school_class)


def can_manage_families(user, roles, school_class):
    """Parents' and pupils' credentials, absence reasons, parent meetings: the class's own
    class teacher (the regulations give these to no one else)."""
    return is_class_teacher_of(user, roles, school_class)


def can_print_class_reports(user, roles, school_class):
    """The class's weekly report of marks and absences: its class teacher and the heads."""
    return bool(roles & READ_ALL) or is_class_teacher_of(user, roles, school_class)


def can_change_roster(roles):
    return bool(roles & SETUP)


can_change_setup = can_change_roster

# Who loads which file: people and their credentials by the school admin, the timetable by the
# deputy too (the regulations: the admin keeps lists, the deputy the timetable).
IMPORTS = {
    "pupils": {Role.SCHOOL_ADMIN},
    "staff": {Role.SCHOOL_ADMIN},
    "timetable": {Role.SCHOOL_ADMIN, Role.DEPUTY},
    "oneroster": {Role.SCHOOL_ADMIN},
}
# The school's whole contingent (and marks) for another system: by whom keeps the lists.
EXPORTS_CONTINGENT = {Role.SCHOOL_ADMIN}


def can_import(kind, roles):
    return bool(IMPORTS.get(kind, set()) & roles)


def can_reopen_term(roles):
    return Role.DEPUTY in roles


# Messages: the journal's readers write to families; the heads read every staff thread.
WRITES_TO_FAMILIES = TEACHING | READ_ALL
NEWS_OF_THE_SCHOOL = READ_ALL | {Role.SCHOOL_ADMIN}
# The ЭЖ administrator reads and answers their own conversations: the questions people send
# from the help pages (Регламент оказания помощи).
READS_OWN_THREADS = WRITES_TO_FAMILIES | {Role.SCHOOL_ADMIN}


def can_read_all_threads(roles):
    return bool(roles & READ_ALL)


def can_read_cell_history_addresses(user, roles, lesson):
    """The addresses colleagues wrote from are for the heads' checks and the lesson's own
    teacher, not for every colleague who may read the journal."""
    return bool(roles & READ_ALL) or conducts(user, lesson)


def journals_taught_by(user):
    """The (class id, subject id) journals `teaches` says yes to: by the teaching load or the timetable."""
    pairs = set(TeachingLoad.objects.filter(teacher=user).values_list("school_class", "subject"))
    return pairs | set(Lesson.objects.filter(teacher=user).order_by().values_list("school_class", "subject").distinct())


def journals_readable_by(user, roles):
    """A lesson filter: the lessons of the class × subject journals `can_read_journal` allows."""
    if roles & READ_ALL:
        return Q()
    if not roles & TEACHING:
        return Q(pk__in=[])
    journals = Q(teacher=user)  # the timetable's
    for class_id, subject_id in journals_taught_by(user):
        journals |= Q(school_class=class_id, subject=subject_id)
    if Role.CLASS_TEACHER in roles:
        journals |= Q(school_class__class_teacher=user)
    return journals


def lessons_readable_by(user, roles):
    """A lesson filter: what `can_read_lesson` allows — the journals' lessons and one's substitutions."""
    journals = journals_readable_by(user, roles)
    return journals | Q(taught_by=user) if roles & TEACHING and not roles & READ_ALL else journals


# What the README's table says, row by row: (what, who). Kept beside the predicates so a
# change of rule is a change of this file; the test compares it with the README.
RULES = [
    (
        "Read a class × subject journal, its lessons, marks and cell history",
        "its teacher (load or timetable), the class teacher, the deputy, the director",
    ),
    (
        "Write a lesson (topic, homework, attendance, marks, remarks)",
        "the teacher who conducts it: the timetabled one, or the substitute instead",
    ),
    (
        "Assign a substitution (with a reason, never to a teacher busy in that period or away that day); record a teacher's absence and cover its lessons",
        "the deputy",
    ),
    (
        "Take over a colleague's lesson oneself",
        "a teacher, for a lesson of today, not cancelled, in an open term, "
        "not yet written by anyone; the deputy and the teacher are told",
    ),
    ("Term and year marks, the thematic plan", "the subject's teacher in the class"),
    (
        "Schedule промежуточная аттестация or an exam; upload a subject's рабочая программа",
        "the deputy, the subject's teacher in the class",
    ),
    (
        "Exam results and retakes; the term's programme note (shortfall, КТП correction)",
        "the subject's teacher in the class; the exam sheet is read as the journal",
    ),
    ("Cancel a lesson", "the deputy"),
    (
        "Check a journal: remarks with a deadline, a fix confirmed or returned; the справка",
        "the deputy; the remark's teacher marks it fixed; the director reads",
    ),
    ("Addresses in a cell's history", "the deputy, the director, the lesson's own teacher"),
    ("Class lists", "the school's staff"),
    (
        "Parents' and pupils' credentials, absence reasons, parent meetings, the parents of a class",
        "the class's own class teacher; a class with no class teacher yet (one a OneRoster import made): the school"
        " admin issues its families' credentials",
    ),
    ("The school's OneRoster package (contingent, marks); a contingent loaded from one", "the school admin"),
    ("End a guardianship", "the class's own class teacher"),
    (
        "Keep a pupil's анкетные данные: name, birth date, SNILS, address, parents' phones (corrected with a reason)",
        "the class's own class teacher, the school admin, the clerk; read also by the child's parents",
    ),
    ("Correct a member of staff's name (with the order behind it)", "the school admin, the clerk"),
    ("Reset a member of staff's lost second factor (with a reason)", "the school admin (never their own)"),
    ("Withdraw consent", "the parent"),
    ("Staff credentials", "the school admin (never for themselves)"),
    ("A school's first admin", "the district operator, only while the school has no admin"),
    (
        "A child's diary",
        "the child, and parents with a live guardianship and consent while the child is enrolled; "
        "the same child's earlier years at any of the district's schools through a link not ended",
    ),
    (
        "A pupil's portfolio: add or withdraw an entry; confirm or decline it",
        "the pupil and the child's parents; the class's own class teacher confirms or declines",
    ),
    (
        "Статистика успеваемости of a term (by journal, subject, teacher)",
        "a teacher and a class teacher for the journals they read; the deputy and the director for the school",
    ),
    ("The school's programme report of a term or the year", "the deputy, the director"),
    (
        "Term and year reports of a class (progress, absences), the summary sheet",
        "the class's own class teacher, the deputy, the director; of a grade or the school: the deputy, the director",
    ),
    (
        "Paper copies of the journal and their register; the year's archive",
        "the deputy and the director print, download and list; the deputy certifies a copy and makes the archive",
    ),
    ("Turn the school year over (promote classes)", "the deputy; the director sees the plan"),
    (
        "Ask the school's ЭЖ administrator a question from the help pages; answer it",
        "anyone of the school, a parent about their own child; the school admin answers in their conversations",
    ),
    ("District dashboards and reports", "district staff: counts only, never a pupil"),
]
