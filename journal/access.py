"""Loading a school's objects for a person: the object, or 404 alike for "not yours" and
"does not exist". The schema already limits every query to the request's school."""

from django.http import Http404

from accounts.models import Role

from .models import Pupil, SchoolClass

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
