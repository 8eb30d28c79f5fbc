"""Loading a school's objects for a person, in refusing pairs (to read / to write): the
object, or the same 404 for "not yours" and "does not exist". The schema already limits
every query to the request's school; the rules themselves are in `rulebook.py`."""

from django.http import Http404

from groundwork.api import object_id

from . import rulebook
from .models import Exam, Lesson, Mark, Pupil, SchoolClass, Subject


def access_class_to_read(request, class_id):
    if not rulebook.can_read_class(request.roles):
        raise Http404
    school_class = SchoolClass.objects.select_related("class_teacher", "year").filter(pk=object_id(class_id)).first()
    if school_class is None:
        raise Http404
    return school_class


def access_class_to_manage_families(request, class_id):
    school_class = access_class_to_read(request, class_id)
    if not rulebook.can_manage_families(request.user, request.roles, school_class):
        raise Http404
    return school_class


def access_pupil_to_correct(request, class_id, pupil_id):
    school_class = access_class_to_read(request, class_id)
    if not rulebook.can_correct_pupil(request.user, request.roles, school_class):
        raise Http404
    return access_pupil_of_class(request, school_class, pupil_id)


def access_class_to_print_reports(request, class_id):
    school_class = access_class_to_read(request, class_id)
    if not rulebook.can_print_class_reports(request.user, request.roles, school_class):
        raise Http404
    return school_class


def access_pupil_of_class(request, school_class, pupil_id):
    pupil = Pupil.objects.enrolled().filter(pk=object_id(pupil_id), school_class=school_class).first()
    if pupil is None:
        raise Http404
    return pupil


def _lesson(lesson_id):
    # Three joins, not eight: planning the wider join cost more than running it (about 4 ms a
    # request on the mark entry path); the rest load when a page needs them.
    lesson = Lesson.objects.select_related("school_class", "subject", "term").filter(pk=object_id(lesson_id)).first()
    if lesson is None:
        raise Http404
    return lesson


def _lesson_if(request, lesson_id, allowed):
    lesson = _lesson(lesson_id)
    if not allowed(request.user, request.roles, lesson):
        raise Http404
    return lesson


def access_lesson_to_read(request, lesson_id):
    return _lesson_if(request, lesson_id, rulebook.can_read_lesson)


def access_lesson_to_write(request, lesson_id):
    return _lesson_if(request, lesson_id, rulebook.can_write_lesson)


def access_lesson_to_take_over(request, lesson_id):
    """A colleague's lesson that this teacher may take over now (nothing of it is shown)."""
    return _lesson_if(request, lesson_id, rulebook.can_take_over)


def _mark_if(request, mark_id, access_lesson):
    mark = Mark.objects.select_related("lesson", "work_type").filter(pk=object_id(mark_id)).first()
    if mark is None:
        raise Http404
    mark.lesson = access_lesson(request, mark.lesson_id)
    return mark


def access_mark_to_read(request, mark_id):
    return _mark_if(request, mark_id, access_lesson_to_read)


def access_mark_to_write(request, mark_id):
    return _mark_if(request, mark_id, access_lesson_to_write)


def _journal(request, class_id, subject_id, allowed):
    school_class = access_class_to_read(request, class_id)
    subject = Subject.objects.filter(pk=object_id(subject_id)).first()
    if subject is None or not allowed(request.user, request.roles, school_class, subject):
        raise Http404
    return school_class, subject


def access_journal_to_read(request, class_id, subject_id):
    return _journal(request, class_id, subject_id, rulebook.can_read_journal)


def access_journal_to_write(request, class_id, subject_id):
    """Term and year marks and the thematic plan of a class × subject."""
    return _journal(request, class_id, subject_id, rulebook.can_write_journal)


def _exam(request, exam_id, allowed):
    exam = Exam.objects.select_related("school_class", "subject", "year").filter(pk=object_id(exam_id)).first()
    if exam is None or not rulebook.can_read_class(request.roles):
        raise Http404
    if not allowed(request.user, request.roles, exam.school_class, exam.subject):
        raise Http404
    return exam


def access_exam_to_read(request, exam_id):
    return _exam(request, exam_id, rulebook.can_read_journal)


def access_exam_to_write(request, exam_id):
    return _exam(request, exam_id, rulebook.can_enter_exam_results)
