"""Loading a school's objects for a person: the object, or 404 alike for "not yours" and
"does not exist". The schema already limits every query to the request's school."""

from django.http import Http404

from accounts.models import Role

from .models import Lesson, Pupil, SchoolClass, Subject

# Staff who see every class of their school.
WHOLE_SCHOOL = {Role.SCHOOL_ADMIN, Role.DIRECTOR, Role.DEPUTY, Role.TEACHER, Role.CLASS_TEACHER}


def access_class(request, class_id):
    if not request.roles & WHOLE_SCHOOL:
        raise Http404
    school_class = SchoolClass.objects.select_related("class_teacher").filter(pk=class_id).first()
    if school_class is None:
        raise Http404
    return school_class


def access_pupil_of_class(request, school_class, pupil_id):
    pupil = Pupil.objects.enrolled().filter(pk=pupil_id, school_class=school_class).first()
    if pupil is None:
        raise Http404
    return pupil


def access_lesson(request, lesson_id):
    """A lesson the person may read: their own, one they substitute, their class's, or any
    for the director and deputy. Writing is checked again by the services."""
    from .selectors import can_read_class_subject

    # Three joins, not eight: planning the wider join cost more than running it (about 4 ms a
    # request on the mark entry path); the rest load when a page needs them.
    lesson = Lesson.objects.select_related("school_class", "subject", "term").filter(pk=lesson_id).first()
    if lesson is None or not request.roles & WHOLE_SCHOOL:
        raise Http404
    own = request.user.pk in (lesson.teacher_id, lesson.taught_by_id)
    if not own and not can_read_class_subject(request.user, request.roles, lesson.school_class, lesson.subject):
        # Any teacher of the school may open a lesson to take it over as a substitute.
        if not request.roles & {Role.TEACHER, Role.CLASS_TEACHER}:
            raise Http404
        lesson.only_substitution = True
    return lesson


def access_journal(request, class_id, subject_id):
    from .selectors import can_read_class_subject

    school_class = access_class(request, class_id)
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None or not can_read_class_subject(request.user, request.roles, school_class, subject):
        raise Http404
    return school_class, subject
