"""Writes to a school's own records. Called with the school's schema active."""

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import record

from .models import Pupil, SchoolClass


@transaction.atomic
def create_class(*, grade, letter, class_teacher=None, by=None, ip=None):
    letter = (letter or "").strip().upper()
    if not 1 <= int(grade) <= 11:
        raise ValidationError({"grade": "Параллель — число от 1 до 11."})
    if not letter or len(letter) > 3:
        raise ValidationError({"letter": "Литера класса — от 1 до 3 символов, например «А»."})
    if SchoolClass.objects.filter(grade=grade, letter=letter).exists():
        raise ValidationError({"letter": f"Класс {grade}{letter} уже есть."})
    school_class = SchoolClass.objects.create(grade=grade, letter=letter, class_teacher=class_teacher)
    record("class.created", school_class, by=by, ip=ip,
           new={"grade": grade, "letter": letter, "class_teacher": getattr(class_teacher, "pk", None)})
    return school_class


@transaction.atomic
def enroll_pupil(*, school_class, last_name, first_name, middle_name="", birth_date, enrolled_on, order, by=None, ip=None):
    if not (last_name or "").strip() or not (first_name or "").strip():
        raise ValidationError("Укажите фамилию и имя обучающегося.")
    if not (order or "").strip():
        raise ValidationError({"order": "Зачисление оформляется приказом: укажите его номер."})
    pupil = Pupil.objects.create(
        school_class=school_class, last_name=last_name.strip(), first_name=first_name.strip(),
        middle_name=(middle_name or "").strip(), birth_date=birth_date, enrolled_on=enrolled_on,
        enrollment_order=order.strip(),
    )
    record("pupil.enrolled", pupil, by=by, ip=ip,
           new={"class": str(school_class), "enrolled_on": enrolled_on, "order": pupil.enrollment_order})
    return pupil
