from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groundwork.api import MAX_ID

from .models import (
    WEEKDAYS,
    Attendance,
    Lesson,
    MarkValue,
    PlannedTopic,
    Pupil,
    SchoolClass,
    Subgroup,
    Subject,
    Term,
    TermScheme,
    WorkType,
)
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


class PupilCorrectionForm(forms.Form):
    last_name = forms.CharField(label=_("Фамилия"), max_length=100)
    first_name = forms.CharField(label=_("Имя"), max_length=100)
    middle_name = forms.CharField(label=_("Отчество"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Дата рождения"), widget=forms.DateInput(attrs={"type": "date"}))
    snils = forms.CharField(label=_("СНИЛС"), max_length=14, required=False, help_text=_("Например, 112-233-445 95"))
    address = forms.CharField(label=_("Адрес проживания"), max_length=300, required=False)
    family_phones = forms.CharField(label=_("Телефоны родителей"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Основание исправления"),
        max_length=500,
        help_text=_("Документ или обращение: «свидетельство о рождении», «заявление матери от 02.12.2026»."),
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
    is_marked = forms.BooleanField(label=_("С отметками"), required=False, initial=True)


class LoadForm(forms.Form):
    teacher = forms.TypedChoiceField(label=_("Учитель"), coerce=int)
    subject = forms.ModelChoiceField(label=_("Предмет"), queryset=Subject.objects.all())
    school_class = forms.ModelChoiceField(label=_("Класс"), queryset=SchoolClass.objects.open())
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
    school_class = forms.ModelChoiceField(label=_("Класс"), queryset=SchoolClass.objects.open())
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
    to_class = forms.ModelChoiceField(label=_("В класс"), queryset=SchoolClass.objects.open(), required=False)
    on = forms.DateField(label=_("Дата"), widget=DateInput)
    order_number = forms.CharField(label=_("Приказ №"), max_length=50)
    order_date = forms.DateField(label=_("от"), widget=DateInput)


class ReopenForm(forms.Form):
    term = forms.ModelChoiceField(label=_("Период"), queryset=Term.objects.all())
    school_class = forms.ModelChoiceField(label=_("Класс"), queryset=SchoolClass.objects.open())
    subject = forms.ModelChoiceField(label=_("Предмет"), queryset=Subject.objects.all())
    reason = forms.CharField(label=_("Причина"), max_length=500)
    until = forms.DateField(label=_("Открыт до (включительно)"), widget=DateInput)


class SubstitutionForm(forms.Form):
    """One lesson's substitute, as the deputy assigns it (the reason a teacher's own "on the day"
    is not the deputy's to give)."""

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


class TeacherAbsenceForm(SubstitutionForm):
    """A teacher away from one day to another: the same teacher, reason and note, for days."""

    lesson = None
    starts_on = forms.DateField(label=_("С"), widget=DateInput)
    ends_on = forms.DateField(label=_("По"), widget=DateInput)
    field_order = ["teacher", "starts_on", "ends_on", "reason", "note"]

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, school=school, **kwargs)
        self.fields["teacher"].label = _("Учитель")


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(label=_("Причина"), choices=[c for c in Attendance.Reason.choices if c[0]])


class NoteForm(forms.Form):
    """A note for several days: a pupil of the class, the days, the reason."""

    pupil = forms.ModelChoiceField(Pupil.objects.none(), label=_("Обучающийся"))
    first = forms.DateField(label=_("С"), widget=DateInput)
    last = forms.DateField(label=_("По"), widget=DateInput)
    reason = forms.ChoiceField(label=_("Причина"), choices=[("", "—"), *[c for c in Attendance.Reason.choices if c[0]]])

    def __init__(self, *args, school_class, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = school_class.pupils.enrolled().order_by("last_name", "first_name")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Файл CSV или XLSX"))


class PackageForm(forms.Form):
    file = forms.FileField(
        label=_("ZIP-пакет OneRoster 1.2"), widget=forms.ClearableFileInput(attrs={"accept": ".zip"})
    )


# --- The lesson page's actions. Texts are checked by the services (one rule for page and API);
# these forms turn the posted keys into the lesson's own pupils and the school's choices.

NOT_THIS_LESSON = _("Выберите обучающегося этого урока.")


class CancelLessonForm(forms.Form):
    reason = forms.CharField(required=False)


class TopicForm(forms.Form):
    topic = forms.CharField(required=False)
    planned_topic = forms.ModelChoiceField(
        PlannedTopic.objects.select_related("plan"),
        required=False,
        error_messages={"invalid_choice": _("Выберите тему из КТП.")},
    )


class HomeworkForm(forms.Form):
    homework = forms.CharField(required=False)
    none = forms.BooleanField(required=False)


class PupilsForm(forms.Form):
    """A form about some of the lesson's pupils (given as `pupils`, a queryset)."""

    def __init__(self, *args, pupils, **kwargs):
        self.pupils = pupils
        super().__init__(*args, **kwargs)


class MarkForm(PupilsForm):
    pupil = forms.ModelChoiceField(Pupil.objects.none())
    work_type = forms.ModelChoiceField(WorkType.objects.all())
    value = forms.CharField(required=False)
    comment = forms.CharField(required=False)
    request_key = forms.UUIDField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = self.pupils
        both = gettext("Выберите обучающегося этого урока и вид работы.")
        for name in ("pupil", "work_type"):
            self.fields[name].error_messages.update(required=both, invalid_choice=both)


class RemarkForm(PupilsForm):
    pupil = forms.ModelChoiceField(Pupil.objects.none(), error_messages={"invalid_choice": NOT_THIS_LESSON})
    text = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = self.pupils


class AttendanceForm(PupilsForm):
    """One choice per pupil of the lesson (status_<id>: absent, late or empty for present)."""

    # Typing "н" or "о" on the keyboard picks the choice.
    STATUSES = [
        ("", _("был")),
        (Attendance.Status.ABSENT, _("н — отсутствовал")),
        (Attendance.Status.LATE, _("опоздал")),
    ]
    all_present = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupils = list(self.pupils)
        for pupil in self.pupils:
            self.fields[f"status_{pupil.pk}"] = forms.ChoiceField(choices=self.STATUSES, required=False)

    def clean(self):
        if set(k for k in self.data if k.startswith("status_") and self.data[k]) - set(self.fields):
            raise forms.ValidationError(gettext("В списке есть обучающиеся не из этого урока."))
        marked = [p for p in self.pupils if self.cleaned_data.get(f"status_{p.pk}")]
        if not marked and not self.cleaned_data.get("all_present"):
            raise forms.ValidationError(gettext("Отметьте отсутствующих или подтвердите «все присутствуют»."))
        return self.cleaned_data

    def with_status(self, status):
        return [p for p in self.pupils if self.cleaned_data.get(f"status_{p.pk}") == status]


class LessonForm(PupilsForm):
    """The lesson page as one form: topic, homework, attendance and one new mark per pupil,
    saved together (services.record_lesson). Per pupil: status_<id> and mark_<id>."""

    topic = forms.CharField(label=_("Тема"), required=False, max_length=500)
    planned_topic = forms.ModelChoiceField(
        PlannedTopic.objects.select_related("plan"),
        label=_("Из КТП"),
        required=False,
        error_messages={"invalid_choice": _("Выберите тему из КТП.")},
    )
    kind = forms.ChoiceField(label=_("Тип занятия"), choices=Lesson.Kind.choices, required=False)
    homework = forms.CharField(label=_("Домашнее задание"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    none = forms.BooleanField(label=_("не задано"), required=False)
    work_type = forms.ModelChoiceField(WorkType.objects.all(), label=_("Вид работы для отметок"), required=False)
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pupils = list(self.pupils)
        self.fields["planned_topic"].queryset = self.fields["planned_topic"].queryset.filter(
            pk__in=[t.pk for t in topics]
        )
        marks = [("", "—"), *MarkValue.choices]
        for pupil in self.pupils:
            self.fields[f"status_{pupil.pk}"] = forms.ChoiceField(
                choices=AttendanceForm.STATUSES,
                required=False,
                widget=forms.Select(attrs={"aria-label": pupil.full_name}),
            )
            self.fields[f"mark_{pupil.pk}"] = forms.ChoiceField(
                choices=marks,
                required=False,
                widget=forms.Select(
                    attrs={"aria-label": gettext("Отметка: %(full_name)s") % {"full_name": pupil.full_name}}
                ),
            )
            self.fields[f"comment_{pupil.pk}"] = forms.CharField(
                required=False,
                max_length=500,
                widget=forms.TextInput(
                    attrs={
                        "aria-label": gettext("Комментарий к отметке: %(full_name)s") % {"full_name": pupil.full_name},
                        "placeholder": gettext("комментарий"),
                        "size": 16,
                    }
                ),
            )

    def rows(self):
        """Each pupil with their fields (status, new mark, its comment), for the page's table."""
        return [
            (pupil, self[f"status_{pupil.pk}"], self[f"mark_{pupil.pk}"], self[f"comment_{pupil.pk}"])
            for pupil in self.pupils
        ]

    def with_status(self, status):
        return [p for p in self.pupils if self.cleaned_data.get(f"status_{p.pk}") == status]

    def marks(self):
        """(pupil, value, comment) of each new mark."""
        return [
            (p, self.cleaned_data[f"mark_{p.pk}"], self.cleaned_data.get(f"comment_{p.pk}", ""))
            for p in self.pupils
            if self.cleaned_data.get(f"mark_{p.pk}")
        ]
