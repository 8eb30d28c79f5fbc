from django import forms
from django.utils.translation import gettext_lazy as _

from config.api import MAX_ID

from .models import WEEKDAYS, Attendance, Lesson, SchoolClass, Subgroup, Subject, Term, TermScheme
from .selectors import teachers_of


def teacher_choices(school):
    return [(u.pk, u.full_name) for u in sorted(teachers_of(school), key=lambda u: u.full_name)]


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class YearForm(forms.Form):
    name = forms.RegexField(label=_("Учебный год"), regex=r"^\d{4}/\d{4}$", help_text=_("Например, 2026/2027"))
    starts_on = forms.DateField(label=_("Начало"), widget=DateInput)
    ends_on = forms.DateField(label=_("Окончание"), widget=DateInput)


class GradeSchemeForm(forms.Form):
    grade = forms.IntegerField(label=_("Параллель"), min_value=1, max_value=11)
    scheme = forms.ChoiceField(label=_("Учебные периоды"), choices=TermScheme.choices)


class TermForm(forms.Form):
    scheme = forms.ChoiceField(label=_("Вид периода"), choices=TermScheme.choices)
    number = forms.IntegerField(label=_("Номер"), min_value=1, max_value=4)
    starts_on = forms.DateField(label=_("Начало"), widget=DateInput)
    ends_on = forms.DateField(label=_("Окончание"), widget=DateInput)


class HolidayForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=100, help_text=_("Каникулы или выходной день"))
    starts_on = forms.DateField(label=_("С"), widget=DateInput)
    ends_on = forms.DateField(label=_("По"), widget=DateInput)


class SubjectForm(forms.Form):
    name = forms.CharField(label=_("Предмет"), max_length=100)
    short_name = forms.CharField(label=_("Сокращение"), max_length=20, required=False)
    is_marked = forms.BooleanField(label=_("Оценивается"), required=False, initial=True)


class WorkTypeForm(forms.Form):
    name = forms.CharField(label=_("Вид работы"), max_length=100)
    weight = forms.DecimalField(label=_("Вес"), min_value=0.1, max_value=10, decimal_places=1)


class RulesForm(forms.Form):
    rounding_threshold = forms.DecimalField(
        label=_("Округление вверх с дробной части"),
        min_value=0.1,
        max_value=0.99,
        decimal_places=2,
        help_text=_("0,5: 3,5 → 4; 0,6: 3,5 → 3"),
    )
    final_marks_days = forms.IntegerField(
        label=_("Дней на итоговые отметки после конца периода"), min_value=0, max_value=14
    )


class ClassForm(forms.Form):
    grade = forms.IntegerField(label=_("Параллель"), min_value=1, max_value=11)
    letter = forms.CharField(label=_("Литера"), max_length=3)
    class_teacher = forms.TypedChoiceField(
        label=_("Классный руководитель"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_teacher"].choices = [("", "—")] + teacher_choices(school)


class CurriculumForm(forms.Form):
    grade = forms.IntegerField(label=_("Параллель"), min_value=1, max_value=11)
    subject = forms.ModelChoiceField(label=_("Предмет"), queryset=Subject.objects.all())
    hours_per_week = forms.DecimalField(label=_("Часов в неделю"), min_value=0.5, max_value=12, decimal_places=1)


class LoadForm(forms.Form):
    teacher = forms.TypedChoiceField(label=_("Учитель"), coerce=int)
    subject = forms.ModelChoiceField(label=_("Предмет"), queryset=Subject.objects.all())
    school_class = forms.ModelChoiceField(label=_("Класс"), queryset=SchoolClass.objects.all())
    subgroup = forms.ModelChoiceField(label=_("Подгруппа"), queryset=Subgroup.objects.all(), required=False)
    hours_per_week = forms.DecimalField(label=_("Часов в неделю"), min_value=0.5, max_value=12, decimal_places=1)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = teacher_choices(school)


class BellForm(forms.Form):
    number = forms.IntegerField(label=_("Урок №"), min_value=0, max_value=10)
    starts_at = forms.TimeField(label=_("Начало"), widget=TimeInput)
    ends_at = forms.TimeField(label=_("Окончание"), widget=TimeInput)


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("День"), choices=WEEKDAYS, coerce=int)
    number = forms.IntegerField(label=_("Урок №"), min_value=0, max_value=10)
    school_class = forms.ModelChoiceField(label=_("Класс"), queryset=SchoolClass.objects.all())
    subgroup = forms.ModelChoiceField(label=_("Подгруппа"), queryset=Subgroup.objects.all(), required=False)
    subject = forms.ModelChoiceField(label=_("Предмет"), queryset=Subject.objects.all())
    teacher = forms.TypedChoiceField(label=_("Учитель"), coerce=int)
    room = forms.CharField(label=_("Кабинет"), max_length=20, required=False)
    valid_from = forms.DateField(label=_("Действует с"), widget=DateInput)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = teacher_choices(school)


class EnrollForm(forms.Form):
    last_name = forms.CharField(label=_("Фамилия"), max_length=100)
    first_name = forms.CharField(label=_("Имя"), max_length=100)
    middle_name = forms.CharField(label=_("Отчество"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Дата рождения"), widget=DateInput)
    on = forms.DateField(label=_("Дата зачисления"), widget=DateInput)
    order_number = forms.CharField(label=_("Приказ №"), max_length=50)
    order_date = forms.DateField(label=_("от"), widget=DateInput)


class MoveForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Действие"), choices=[("transfer", _("перевод в другой класс")), ("withdraw", _("выбытие из школы"))]
    )
    to_class = forms.ModelChoiceField(label=_("В класс"), queryset=SchoolClass.objects.all(), required=False)
    on = forms.DateField(label=_("Дата"), widget=DateInput)
    order_number = forms.CharField(label=_("Приказ №"), max_length=50)
    order_date = forms.DateField(label=_("от"), widget=DateInput)


class ReopenForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Период"), queryset=Term.objects.all())
    school_class = forms.ModelChoiceField(label=_("Класс"), queryset=SchoolClass.objects.all())
    subject = forms.ModelChoiceField(label=_("Предмет"), queryset=Subject.objects.all())
    reason = forms.CharField(label=_("Причина"), max_length=500)
    until = forms.DateField(label=_("Открыт до (включительно)"), widget=DateInput)


class SubstitutionForm(forms.Form):
    lesson = forms.IntegerField(min_value=1, max_value=MAX_ID)
    teacher = forms.TypedChoiceField(label=_("Кто заменяет"), coerce=int)
    reason = forms.ChoiceField(
        label=_("Причина"),
        choices=[c for c in Lesson.SubstitutionReason.choices if c[0] != Lesson.SubstitutionReason.ON_THE_DAY],
    )
    note = forms.CharField(label=_("Пояснение"), max_length=200, required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = teacher_choices(school)


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(label=_("Причина"), choices=[c for c in Attendance.Reason.choices if c[0]])


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Файл CSV или XLSX"))
