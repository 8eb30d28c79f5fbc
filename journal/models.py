"""A school's own records. Every table here lives in the school's schema; the only
public tables referenced are accounts.User (and nothing else: see tests/test_layout.py)."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A person's id in a school table holds no database constraint into public (db_constraint=False):
# a foreign key per column per school made every change to a person fire thousands of triggers
# (docs/scaling.md, rule 1). The database refuses to delete a person instead, and
# tenants/integrity.py checks every school's ids nightly.


def open_year_id():
    """A new class belongs to the school year that is not yet turned over (the earliest such)."""
    year = AcademicYear.objects.filter(closed_at__isnull=True).order_by("starts_on").first()
    return year.pk if year else None


class SchoolClassQuerySet(models.QuerySet):
    def open(self):
        """Classes of the year not yet turned over; a past year's classes stay, read only."""
        return self.filter(Q(year__isnull=True) | Q(year__closed_at__isnull=True))


class SchoolClass(models.Model):
    """A class of one school year: grade level and letter (5А). `class` is a Python keyword,
    hence the name. At the year's turn its pupils move to the next year's class (6А) and this
    one stays as it was, locked."""

    year = models.ForeignKey(
        "AcademicYear",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        default=open_year_id,
        related_name="classes",
        verbose_name=gettext_lazy("учебный год"),
    )
    grade = models.PositiveSmallIntegerField(gettext_lazy("параллель"))
    letter = models.CharField(gettext_lazy("литера"), max_length=3)
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SchoolClassQuerySet.as_manager()

    class Meta:
        ordering = ["grade", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "grade", "letter"], nulls_distinct=False, name="one_class_per_name_in_year"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=11), name="grade_1_to_11"),
        ]

    def __str__(self):
        return f"{self.grade}{self.letter}"

    @property
    def is_closed(self):
        return self.year_id is not None and self.year.closed_at is not None


class PupilQuerySet(models.QuerySet):
    def enrolled(self):
        return self.filter(withdrawn_on__isnull=True)

    def listed_in(self, school_class):
        """The class list: the enrolled pupils now, or, for a class whose year has turned over,
        those who finished that year in it (promoted, kept down or graduated from it)."""
        if not school_class.is_closed:
            return self.enrolled().filter(school_class=school_class)
        finished = PupilMovement.objects.filter(from_class=school_class, kind__in=PupilMovement.YEAR_END)
        return self.filter(pk__in=finished.values("pupil"))

    def in_class_on(self, school_class, day):
        """Who was in the class on `day`: by its list now, corrected by the movements after it."""
        later = PupilMovement.objects.filter(on__gt=day)
        left_after = later.filter(from_class=school_class).values("pupil")
        came_after = later.filter(to_class=school_class).values("pupil")
        return (
            self.filter(Q(school_class=school_class) | Q(pk__in=left_after))
            .exclude(pk__in=came_after)
            .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        )


class Pupil(models.Model):
    last_name = models.CharField(gettext_lazy("фамилия"), max_length=100)
    first_name = models.CharField(gettext_lazy("имя"), max_length=100)
    middle_name = models.CharField(gettext_lazy("отчество"), max_length=100, blank=True)
    birth_date = models.DateField(gettext_lazy("дата рождения"))
    # The rest of the анкетные данные the class teacher keeps (Положение 3.2.5 в of 001); read by
    # whom the rule book says (can_correct_pupil, the child's own parents), never the district.
    snils = models.CharField(gettext_lazy("СНИЛС"), max_length=11, blank=True, default="", db_default="")
    address = models.CharField(gettext_lazy("адрес проживания"), max_length=300, blank=True, default="", db_default="")
    family_phones = models.CharField(
        gettext_lazy("телефоны родителей"), max_length=200, blank=True, default="", db_default=""
    )
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="pupils")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    enrolled_on = models.DateField(gettext_lazy("зачислен"))
    enrollment_order = models.CharField(gettext_lazy("приказ о зачислении"), max_length=50)
    withdrawn_on = models.DateField(gettext_lazy("выбыл"), null=True, blank=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "middle_name"]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(part for part in (self.last_name, self.first_name, self.middle_name) if part)

    @property
    def short_name(self):
        return f"{self.last_name} {self.first_name[:1]}."


class CorrectionRequest(models.Model):
    """A parent's word that something in the child's data is wrong (a misspelt name, a wrong birth
    date): it reaches the class teacher, who corrects it or says why not."""

    class Outcome(models.TextChoices):
        DONE = "done", gettext_lazy("исправлено")
        REFUSED = "refused", gettext_lazy("отказано")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="correction_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(gettext_lazy("что исправить"), max_length=500)
    asked_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    answer = models.CharField(gettext_lazy("ответ"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at"]


class GuardianQuerySet(models.QuerySet):
    def live(self):
        """Links that open a child's data: not ended, consent given, the child still enrolled."""
        return self.filter(ended_at__isnull=True, consent_at__isnull=False, pupil__withdrawn_on__isnull=True)


class Guardian(models.Model):
    """A parent's link to a pupil. Pupil data is shown to the parent only once consent is recorded.
    A link ends (by the school, or when the parent withdraws consent); it is never deleted."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="guardians")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_version = models.CharField(max_length=20, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "user"], condition=Q(ended_at__isnull=True), name="one_link")
        ]

    @property
    def has_consent(self):
        return self.consent_at is not None


# --- The school year ---------------------------------------------------------------


class AcademicYear(models.Model):
    name = models.CharField(gettext_lazy("учебный год"), max_length=9, unique=True)  # "2026/2027"
    starts_on = models.DateField()
    ends_on = models.DateField()
    # Set when the year turns over (classes promoted): its records are locked for good.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(starts_on__lt=models.F("ends_on")), name="year_order")]

    def __str__(self):
        return self.name

    @classmethod
    def on(cls, day):
        return cls.objects.filter(starts_on__lte=day, ends_on__gte=day).first()


class TermScheme(models.TextChoices):
    QUARTER = "quarter", gettext_lazy("четверть")
    TRIMESTER = "trimester", gettext_lazy("триместр")
    HALF = "half", gettext_lazy("полугодие")


class GradeScheme(models.Model):
    """Which terms a grade level uses in a year: quarters, trimesters or half-years."""

    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="grade_schemes")
    grade = models.PositiveSmallIntegerField()
    scheme = models.CharField(max_length=10, choices=TermScheme.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "grade"], name="one_scheme_per_grade")]


class Term(models.Model):
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="terms")
    scheme = models.CharField(max_length=10, choices=TermScheme.choices)
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["year", "scheme", "number"], name="one_term_number"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="term_order"),
        ]

    def __str__(self):
        return f"{self.number} {self.get_scheme_display()}"

    def locks_on(self, rules):
        """The first day on which the term's records are locked (final marks are due before it)."""
        from datetime import timedelta

        return self.ends_on + timedelta(days=rules.final_marks_days + 1)


class Holiday(models.Model):
    """Holidays and days off: no lessons are generated on these days."""

    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="holidays")
    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="holiday_order")]

    def __str__(self):
        return self.name


class Rules(models.Model):
    """The school's own settings of the journal (one row)."""

    # A weighted average rounds up to the next mark from this fraction: 3.6 -> 4 with 0.6.
    rounding_threshold = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.50"))
    final_marks_days = models.PositiveSmallIntegerField(default=2)  # after the term's end (Положение 4.8)

    @classmethod
    def get(cls):
        """The school's rules; the defaults until someone sets them (reading writes nothing)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


# --- What is taught, by whom, when ---------------------------------------------------


class Subject(models.Model):
    name = models.CharField(gettext_lazy("предмет"), max_length=100, unique=True)
    short_name = models.CharField(max_length=20, blank=True)
    is_marked = models.BooleanField(gettext_lazy("оценивается"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def is_marked_in(self, grade):
        """Marked in this grade: the subject is, and the grade's curriculum does not say otherwise."""
        return self.is_marked and not CurriculumItem.objects.filter(grade=grade, subject=self, is_marked=False).exists()


class WorkType(models.Model):
    name = models.CharField(gettext_lazy("вид работы"), max_length=100, unique=True)
    weight = models.DecimalField(max_digits=3, decimal_places=1, default=Decimal("1.0"))

    class Meta:
        ordering = ["weight", "name"]  # the lightest first: the grid's default choice
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=10), name="weight_range")]

    def __str__(self):
        return self.name


class Subgroup(models.Model):
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="subgroups")
    name = models.CharField(max_length=50)
    pupils = models.ManyToManyField(Pupil, related_name="subgroups", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school_class", "name"], name="one_subgroup_name")]

    def __str__(self):
        return f"{self.school_class} {self.name}"


class PupilMovement(models.Model):
    """Every change of a class list, backed by an order (приказ)."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", gettext_lazy("зачисление")
        TRANSFERRED = "transferred", gettext_lazy("перевод")
        WITHDRAWN = "withdrawn", gettext_lazy("выбытие")
        PROMOTED = "promoted", gettext_lazy("перевод в следующий класс")
        REPEATED = "repeated", gettext_lazy("оставлен на повторное обучение")
        GRADUATED = "graduated", gettext_lazy("окончание обучения")

    YEAR_END = (Kind.PROMOTED, Kind.REPEATED, Kind.GRADUATED)

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    on = models.DateField()
    order_number = models.CharField(max_length=50)
    order_date = models.DateField()
    from_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, related_name="+")
    to_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]


class CurriculumItem(models.Model):
    """Учебный план: hours per week of a subject in a grade level."""

    grade = models.PositiveSmallIntegerField()
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    hours_per_week = models.DecimalField(max_digits=3, decimal_places=1)
    # Безотметочное обучение: grade 1 everywhere, and some subjects in other grades, are taught
    # without marks although the subject is marked elsewhere.
    is_marked = models.BooleanField(gettext_lazy("с отметками"), default=True)

    class Meta:
        ordering = ["grade", "subject__name"]
        constraints = [models.UniqueConstraint(fields=["grade", "subject"], name="one_curriculum_line")]


class TeachingLoad(models.Model):
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT)
    subgroup = models.ForeignKey(Subgroup, on_delete=models.PROTECT, null=True, blank=True)
    hours_per_week = models.DecimalField(max_digits=3, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "school_class", "subgroup"],
                nulls_distinct=False,
                name="one_teacher_per_class_subject",
            )
        ]


class Bell(models.Model):
    number = models.PositiveSmallIntegerField(gettext_lazy("урок"), unique=True)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["number"]


WEEKDAYS = [
    (1, gettext_lazy("понедельник")),
    (2, gettext_lazy("вторник")),
    (3, gettext_lazy("среда")),
    (4, gettext_lazy("четверг")),
    (5, gettext_lazy("пятница")),
    (6, gettext_lazy("суббота")),
]


class TimetableSlot(models.Model):
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    number = models.PositiveSmallIntegerField()
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="slots")
    subgroup = models.ForeignKey(Subgroup, on_delete=models.PROTECT, null=True, blank=True)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    room = models.CharField(max_length=20, blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)  # set when the timetable changes; never deleted

    class Meta:
        ordering = ["weekday", "number"]


# --- The journal itself --------------------------------------------------------------


class LessonQuerySet(models.QuerySet):
    def conducted_by(self, user):
        """The lessons `user` (a person or an id) gives: as the substitute, or as the timetabled
        teacher of a lesson nobody substitutes (Lesson.conducted_by_id, in SQL)."""
        return self.filter(Q(taught_by=user) | Q(taught_by__isnull=True, teacher=user))


class Lesson(models.Model):
    """A dated occurrence of a timetable slot. It exists before anyone writes to it, so an
    untouched lesson is still there to be counted as missing."""

    date = models.DateField()
    number = models.PositiveSmallIntegerField()
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="lessons")
    subgroup = models.ForeignKey(Subgroup, on_delete=models.PROTECT, null=True, blank=True)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="lessons")
    slot = models.ForeignKey(TimetableSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="lessons")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )  # timetabled

    class SubstitutionReason(models.TextChoices):
        ILLNESS = "illness", gettext_lazy("болезнь учителя")
        COURSE = "course", gettext_lazy("курсы повышения квалификации")
        TRIP = "trip", gettext_lazy("командировка")
        OTHER = "other", gettext_lazy("другое")
        ON_THE_DAY = "on_the_day", gettext_lazy("записана учителем в день урока")

    # Who actually taught it, when that is someone else: assigned by the deputy, or recorded by
    # the substitute on the day.
    taught_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    substitution_recorded_at = models.DateTimeField(null=True, blank=True)
    substitution_reason = models.CharField(max_length=20, choices=SubstitutionReason.choices, blank=True)
    substitution_note = models.CharField(max_length=200, blank=True)
    substitution_assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A substitution recorded after the lesson was written does not move the record: who wrote
    # it keeps writing to it (correcting their own marks); the substitute reads it.
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    topic = models.CharField(gettext_lazy("тема урока"), max_length=500, blank=True)
    planned_topic = models.ForeignKey(
        "PlannedTopic", on_delete=models.PROTECT, null=True, blank=True, related_name="lessons"
    )
    homework = models.TextField(gettext_lazy("домашнее задание"), blank=True)

    class Kind(models.TextChoices):
        # The types of lesson the term's statistics count (002: «по типам занятий»).
        LESSON = "lesson", gettext_lazy("урок")
        TEST = "test", gettext_lazy("контрольная работа")
        LAB = "lab", gettext_lazy("лабораторная работа")
        PRACTICE = "practice", gettext_lazy("практическая работа")
        EXCURSION = "excursion", gettext_lazy("экскурсия")
        CREDIT = "credit", gettext_lazy("зачёт")
        PROJECT = "project", gettext_lazy("проектная работа")
        REVIEW = "review", gettext_lazy("урок повторения и обобщения")

    kind = models.CharField(
        gettext_lazy("тип занятия"), max_length=10, choices=Kind.choices, default="lesson", db_default="lesson"
    )
    homework_none = models.BooleanField(gettext_lazy("не задано"), default=False)
    # First entry times, kept by the system: monitoring judges timeliness by these.
    topic_entered_at = models.DateTimeField(null=True, blank=True)
    homework_entered_at = models.DateTimeField(null=True, blank=True)
    attendance_taken_at = models.DateTimeField(null=True, blank=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "number", "school_class", "subgroup"], nulls_distinct=False, name="one_lesson_per_slot"
            )
        ]
        indexes = [models.Index(fields=["school_class", "subject", "term", "date"])]

    def __str__(self):
        return _("%(date)s %(number)s урок, %(school_class)s %(subject)s") % {
            "date": format(self.date, "%d.%m"),
            "number": self.number,
            "school_class": self.school_class,
            "subject": self.subject,
        }

    @property
    def conducted_by_id(self):
        return self.taught_by_id or self.teacher_id

    @property
    def writer_id(self):
        """Who writes to the lesson: who taught it, unless the record stayed with who wrote it."""
        return self.kept_by_id or self.conducted_by_id


class TeacherAbsence(models.Model):
    """A teacher away from one day to another (illness, courses, a trip): the deputy records it
    once and covers its lessons one by one (services.assign_substitution). Withdrawn, never deleted."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(gettext_lazy("с"))
    ends_on = models.DateField(gettext_lazy("по"))
    reason = models.CharField(gettext_lazy("причина"), max_length=20, choices=Lesson.SubstitutionReason.choices)
    note = models.CharField(gettext_lazy("пояснение"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]

    def __str__(self):
        return f"{self.starts_on:%d.%m}–{self.ends_on:%d.%m.%Y}"


class JournalCheck(models.Model):
    """The deputy's check of one journal (class × subject) for a period (Инструкция 3.2.2 а of
    001): a summary for the справка and remarks, each with a deadline for the teacher."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(gettext_lazy("итог проверки"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_at", "-pk"]


class CheckRemark(models.Model):
    """One remark of a check to the journal's teacher: open until the teacher marks it fixed,
    then confirmed by the deputy or returned (open again, with the reason) — the «возвратный
    талон» of the regulations. Never deleted."""

    class State(models.TextChoices):
        OPEN = "open", gettext_lazy("к исправлению")
        FIXED = "fixed", gettext_lazy("исправлено, ждёт проверки")
        CONFIRMED = "confirmed", gettext_lazy("исправление подтверждено")

    journal_check = models.ForeignKey(JournalCheck, on_delete=models.PROTECT, related_name="remarks")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(gettext_lazy("замечание"), max_length=500)
    due_on = models.DateField(gettext_lazy("исправить до"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.CharField(gettext_lazy("что исправлено"), max_length=500, blank=True)
    returned_reason = models.CharField(gettext_lazy("почему возвращено"), max_length=500, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]


class RecordQuerySet(models.QuerySet):
    def live(self):
        """Records as they stand: deleted ones are kept for the history, not counted."""
        return self.filter(deleted_at__isnull=True)


class HomeworkFile(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to="homework/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = RecordQuerySet.as_manager()


class MarkValue(models.TextChoices):
    FIVE = "5", "5"
    FOUR = "4", "4"
    THREE = "3", "3"
    TWO = "2", "2"
    ONE = "1", "1"
    PASS = "зч", gettext_lazy("зачёт")
    FAIL = "нз", gettext_lazy("незачёт")


# The scale of term and year marks: the marks, and the two results that are not marks.
FinalValue = models.TextChoices(
    "FinalValue",
    [(m.name, (m.value, m.label)) for m in MarkValue]
    + [("NOT_ASSESSED", ("н/а", gettext_lazy("не аттестован"))), ("EXEMPT", ("осв.", gettext_lazy("освобождён")))],
)


class Mark(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="marks")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="marks")
    value = models.CharField(max_length=2, choices=MarkValue.choices)
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT)
    comment = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)  # first entry: set by the system, never changed
    changed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The key of the request that made it (Idempotency-Key, or the page form's): a request sent
    # twice (Enter pressed twice, a retry after a lost answer) finds its mark instead of making two.
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["pupil", "lesson"])]

    @property
    def numeric(self):
        return int(self.value) if self.value.isdigit() else None


class Attendance(models.Model):
    class Status(models.TextChoices):
        ABSENT = "absent", gettext_lazy("н")
        LATE = "late", gettext_lazy("оп")

    class Reason(models.TextChoices):
        NONE = "", gettext_lazy("не указана")
        ILLNESS = "illness", gettext_lazy("по болезни")
        EXCUSED = "excused", gettext_lazy("уважительная")
        UNEXCUSED = "unexcused", gettext_lazy("неуважительная")

    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="attendance")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=6, choices=Status.choices)
    reason = models.CharField(max_length=9, choices=Reason.choices, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "pupil"], condition=Q(deleted_at__isnull=True), name="one_attendance_record"
            )
        ]


class ThematicPlan(models.Model):
    """КТП: the planned topics of a subject in a class, in order, with hours."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT)
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "school_class", "year"], name="one_plan")]


class PlannedTopic(models.Model):
    plan = models.ForeignKey(ThematicPlan, on_delete=models.PROTECT, related_name="topics")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=500)
    hours = models.PositiveSmallIntegerField(default=1)
    # The planned date: typed or imported (kept as given), or spread over the timetable's lessons
    # by the plan's order and hours (spread again when the timetable changes).
    due_on = models.DateField(null=True, blank=True)
    due_on_typed = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{self.position}. {self.title}"


class FinalMark(models.Model):
    """A term mark (term set) or the year mark (term empty)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="final_marks")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT)  # the class at the time
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True)
    value = models.CharField(max_length=4, choices=FinalValue.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "year", "term"], nulls_distinct=False, name="one_final_mark"
            )
        ]


class Reopening(models.Model):
    """The deputy reopens a closed term for one class and subject, with a written reason."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT)
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    reason = models.CharField(max_length=500)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(auto_now_add=True)
    until = models.DateField()


class ImportBatch(models.Model):
    """An uploaded file, parsed and checked row by row; applied whole or not at all."""

    class Kind(models.TextChoices):
        PUPILS = "pupils", gettext_lazy("обучающиеся")
        STAFF = "staff", gettext_lazy("сотрудники")
        TIMETABLE = "timetable", gettext_lazy("расписание")
        PLAN = "plan", gettext_lazy("КТП")
        ONEROSTER = "oneroster", gettext_lazy("контингент из OneRoster 1.2")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    rows = models.JSONField()
    errors = models.JSONField()
    context = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)


class Remark(models.Model):
    """A teacher's note on a pupil's behaviour or work, visible to the pupil and parents."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="remarks")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, null=True, blank=True, related_name="remarks")
    text = models.CharField(max_length=1000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        db_table = "diary_remark"  # made by the diary app before the model came here; kept, not moved


class PrintedCopy(models.Model):
    """The register of paper copies of the journal (реестр бумажных копий): one class, one term,
    the PDF exactly as printed, its page count and hash, and who certified it and when. The
    database refuses to delete a row (migration 0010), as it does for the archive's."""

    number = models.PositiveIntegerField(gettext_lazy("регистрационный номер"))
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="printed_copies")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    pages = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="journal-copies/%Y/")
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    printed_at = models.DateTimeField(default=timezone.now)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("бумажная копия журнала")
        ordering = ["-year__starts_on", "-number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="one_copy_number_a_year")]


class ArchiveExport(models.Model):
    """A school year's electronic archive as written: its manifest's hash (so a later export can be
    proven identical or different), where it went, and until when each kind of document in it must
    be kept."""

    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    manifest_sha256 = models.CharField(max_length=64)
    files = models.PositiveIntegerField()
    targets = models.JSONField()  # where the archive was written: the storage's path and the second place
    retain_until = models.JSONField()  # document kind → ISO date
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("электронный архив учебного года")
        ordering = ["-created_at"]


# --- Attestation and exams -----------------------------------------------------------

# An exam's results: the marks, and «н/я» for a pupil who did not come (a retake follows).
ExamValue = models.TextChoices(
    "ExamValue",
    [(m.name, (m.value, m.label)) for m in MarkValue] + [("DID_NOT_COME", ("н/я", gettext_lazy("не явился")))],
)
EXAM_FAILED = {"2", "1", "нз", "н/я"}


class Exam(models.Model):
    """Промежуточная аттестация or an exam of a class in a subject on a day (001 Положение 3.2);
    each pupil's result, retakes included, is an ExamResult."""

    class Kind(models.TextChoices):
        ATTESTATION = "attestation", gettext_lazy("промежуточная аттестация")
        EXAM = "exam", gettext_lazy("экзамен")

    class Form(models.TextChoices):
        TEST = "test", gettext_lazy("контрольная работа")
        DICTATION = "dictation", gettext_lazy("диктант")
        ESSAY = "essay", gettext_lazy("сочинение (изложение)")
        TESTING = "testing", gettext_lazy("тестирование")
        ORAL = "oral", gettext_lazy("устный экзамен по билетам")
        PROJECT = "project", gettext_lazy("защита проекта")
        CREDIT = "credit", gettext_lazy("зачёт")

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="exams")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(gettext_lazy("вид"), max_length=12, choices=Kind.choices)
    form = models.CharField(gettext_lazy("форма"), max_length=10, choices=Form.choices)
    held_on = models.DateField(gettext_lazy("дата"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on:%d.%m.%Y}, {self.school_class}, {self.subject}"

    def sitting(self):
        """Who sits it: the class on its day."""
        return Pupil.objects.in_class_on(self.school_class, self.held_on)

    def without_result(self):
        """Who sat it and has no result of the first attempt yet."""
        return self.sitting().exclude(pk__in=self.results.filter(attempt=1).values("pupil"))

    @property
    def results_due_on(self):
        return self.held_on + timedelta(days=ExamResult.RESULTS_DAYS)


class ExamResult(models.Model):
    """A pupil's result at one attempt of an exam: the first (1), or a retake (2, 3) after a
    failed one. Results go to the family no later than a day after the exam (001 Регламент 4.3):
    `is_late` shows which were entered after that."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="results")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="exam_results")
    attempt = models.PositiveSmallIntegerField(default=1)
    held_on = models.DateField()
    value = models.CharField(max_length=4, choices=ExamValue.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)

    RESULTS_DAYS = 1
    MAX_ATTEMPTS = 3  # the first and two retakes (273-ФЗ, ст. 58 ч. 5)

    class Meta:
        ordering = ["attempt"]
        constraints = [models.UniqueConstraint(fields=["exam", "pupil", "attempt"], name="one_result_an_attempt")]

    @property
    def failed(self):
        return self.value in EXAM_FAILED

    @property
    def is_late(self):
        return timezone.localdate(self.entered_at) > self.held_on + timedelta(days=self.RESULTS_DAYS)


# --- Programme fulfilment ------------------------------------------------------------


class ProgrammeNote(models.Model):
    """The teacher's note on a term's programme for a class and subject: why hours fell short,
    and how the thematic plan was corrected (merged topics, extra lessons)."""

    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    shortfall_reason = models.CharField(gettext_lazy("причина отставания"), max_length=500, blank=True)
    plan_correction = models.CharField(gettext_lazy("корректировка КТП"), max_length=1000, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school_class", "subject", "term"], name="one_programme_note")]


class WorkProgramme(models.Model):
    """A subject's рабочая программа for a grade and year, as the school uploaded it; a new
    upload replaces the old, which is kept."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(gettext_lazy("параллель"))
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="programmes/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "grade", "year"], condition=Q(replaced_at__isnull=True), name="one_work_programme"
            )
        ]


# --- Portfolio -----------------------------------------------------------------------


class PortfolioEntry(models.Model):
    """An achievement, certificate or work the pupil or a parent adds to the pupil's portfolio;
    the class teacher confirms it (or declines, saying why). Withdrawn, never deleted."""

    class Kind(models.TextChoices):
        ACHIEVEMENT = "achievement", gettext_lazy("достижение (олимпиада, конкурс, соревнование)")
        CERTIFICATE = "certificate", gettext_lazy("грамота, диплом, сертификат")
        WORK = "work", gettext_lazy("работа (проект, исследование, творческая работа)")

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="portfolio")
    kind = models.CharField(gettext_lazy("раздел"), max_length=12, choices=Kind.choices)
    title = models.CharField(gettext_lazy("название"), max_length=300)
    happened_on = models.DateField(gettext_lazy("дата"))
    description = models.CharField(gettext_lazy("описание"), max_length=2000, blank=True)
    file = models.FileField(upload_to="portfolio/", blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined_reason = models.CharField(max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-happened_on", "-id"]

    @property
    def state(self):
        if self.withdrawn_at:
            return "withdrawn"
        if self.confirmed_at:
            return "confirmed"
        return "declined" if self.declined_reason else "waiting"


class DiaryVersion(models.Model):
    """How often what a pupil's diary week shows has changed, per pupil, per class and for the
    whole school (scope, key): the week page is cached under these three numbers. The database
    bumps them, in the transaction of the write, from triggers on every table the week reads
    (migration 0018), so no write path (a service, an update(), the admin, an import) can leave
    a cached week stale."""

    class Scope(models.TextChoices):
        SCHOOL = "s", gettext_lazy("школа")
        CLASS = "c", gettext_lazy("класс")
        PUPIL = "p", gettext_lazy("ученик")

    scope = models.CharField(max_length=1, choices=Scope.choices)
    key = models.BigIntegerField()  # the class's or the pupil's id; 0 for the school
    version = models.BigIntegerField()  # the clock's microseconds at the last bump, or more

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="one_diary_version")]
