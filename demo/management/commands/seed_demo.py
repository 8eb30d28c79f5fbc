"""A demo district: three schools with classes, staff, pupils and parents, made through the
same services the product uses (parents are linked by the class teacher's invitation and
their recorded consent). Runs on an empty database; on a seeded one it only prints logins."""

import random
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts import services as accounts
from accounts.models import Role, User
from audit.models import DataView
from billing import services as billing
from billing.models import Payer, Plan, UsageDay
from demo import school_year as demo
from groundwork.addresses import host_url, portal_url
from journal import services as journal
from journal.models import Guardian
from monitoring import reports
from monitoring.models import Report
from monitoring.tasks import update_school_month
from tenants.models import School
from tenants.services import create_school
from tenants.tasks import update_school_figures

DEMO_PASSWORD = "demo-parol-2026"
DEMO_SNILS = "11223344595"  # the father's; the Makefile's stand-in Госуслуги knows it too

# (name, short name, address, pupils a class, how carefully the journal is kept): a big town
# school, a strong gymnasium, and a small village school that keeps its journal with more gaps.
SCHOOLS = [
    ("МБОУ «Средняя общеобразовательная школа № 1 имени А. С. Пушкина»", "СОШ № 1", "school1", 14, 0.97),
    ("МБОУ «Гимназия № 2»", "Гимназия № 2", "gymnasium2", 12, 1.0),
    ("МБОУ «Основная общеобразовательная школа с. Михайловское»", "ООШ с. Михайловское", "mikhailovskoe", 7, 0.85),
]
CLASSES = [(1, "А"), (3, "А"), (5, "А"), (5, "Б"), (7, "А"), (9, "А")]

SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Беляев",
]
MALE = [
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
    "Никита",
    "Матвей",
    "Роман",
    "Егор",
    "Иван",
    "Тимофей",
]
FEMALE = [
    "Анастасия",
    "Мария",
    "Анна",
    "Виктория",
    "Екатерина",
    "Наталья",
    "Марина",
    "Полина",
    "Дарья",
    "Алиса",
    "Ксения",
    "Елена",
    "Ольга",
    "Татьяна",
    "Софья",
    "Варвара",
]
FATHERS = ["Александр", "Дмитрий", "Сергей", "Андрей", "Алексей", "Михаил", "Иван", "Николай", "Владимир", "Павел"]


def patronymic(father, female):
    stem = {
        "Пётр": "Петров",
        "Михаил": "Михайлов",
        "Николай": "Николаев",
        "Алексей": "Алексеев",
        "Андрей": "Андреев",
        "Сергей": "Сергеев",
    }.get(father, father + "ов" if not father.endswith("й") else father[:-1] + "ев")
    if father == "Павел":
        stem = "Павлов"
    return stem + ("на" if female else "ич")


def surname(base, female):
    return base + "а" if female else base


class Command(BaseCommand):
    help = "Seeds a demo district of three schools (idempotent: does nothing if schools exist)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        if School.objects.exclude(schema_name="public").exists():
            self.stdout.write("Демо-район уже создан.")
        else:
            self.rng = random.Random(options["seed"])
            self.people = []
            self.phone_counter = 0
            self.family_children = []
            self.seed()
            User.objects.filter(pk__in=[u.pk for u in self.people]).update(password=make_password(DEMO_PASSWORD))
        self.print_logins()

    def person(self, female=None, email=None, phone=False, first=None, last=None, middle=None):
        female = self.rng.random() < 0.5 if female is None else female
        father = self.rng.choice(FATHERS)
        if phone:
            self.phone_counter += 1
            phone = f"+7900{self.phone_counter:07d}"
        user = accounts.create_person(
            accounts.NewAccount(
                last_name=last or surname(self.rng.choice(SURNAMES), female),
                first_name=first or self.rng.choice(FEMALE if female else MALE),
                middle_name=middle or patronymic(father, female),
                email=email or "",
                phone=phone or "",
            )
        )
        self.people.append(user)
        return user

    def seed(self):
        official = self.person(email="official@district.example.ru", female=True)
        operator = self.person(email="operator@district.example.ru", female=False)
        accounts.add_membership(official, None, Role.DISTRICT_OFFICIAL)
        accounts.add_membership(operator, None, Role.DISTRICT_OPERATOR)
        family = self.person(female=True, phone=True, first="Мария", last="Иванова")  # +79000000001
        # The demo family: a child in 3А of the first school and one in 7А of the second.
        family_grades = {0: 3, 1: 7}
        for index, (name, short_name, slug, pupils, diligence) in enumerate(SCHOOLS):
            school = create_school(name=name, short_name=short_name, slug=slug, by=operator)
            self.family = (family, family_grades[index]) if index in family_grades else None
            self.seed_school(school, pupils=pupils, diligence=diligence, seed=2026 + index)
            with schema_context(school.schema_name):
                update_school_figures()
                self.seed_monitoring()
        # What the district would have on the morning of the 1st and of Monday.
        reports.make_quality_reports(reports.previous_month())
        reports.make_district_report(Report.Kind.FILLING, reports.previous_month())
        reports.make_district_report(Report.Kind.ACTIVITY, reports.previous_week())
        self.seed_billing(operator)
        self.seed_father()
        self.seed_family_records(family)

    def seed_father(self):
        """The first child's father: a parent with an e-mail login (the mother signs in by phone)
        and a SNILS, which the demo's stand-in Госуслуги vouches for (make demo)."""
        father = self.person(female=False, email="ivanov.p@family.example.ru", first="Пётр", last="Иванов")
        User.objects.filter(pk=father.pk).update(snils=DEMO_SNILS)
        school, pupil, class_teacher = self.family_children[0]
        with schema_context(school.schema_name):
            invitation, _ = accounts.issue_invitation(
                school=school, role=Role.PARENT, by=class_teacher, ip=None, pupil=pupil
            )
            accounts.redeem_invitation(invitation, ip=None, user=father, consent=True)

    def seed_family_records(self, mother):
        """The family's portfolios (one entry confirmed, one waiting) and the first child's 2nd grade
        at the second school before the family moved: the diary's «Все годы» shows both schools."""
        for school, pupil, class_teacher in self.family_children:
            with schema_context(school.schema_name):
                today = timezone.localdate()
                confirmed = journal.add_portfolio_entry(
                    pupil, school=school, kind="certificate", happened_on=today - timedelta(days=40),
                    title="Диплом II степени муниципальной олимпиады по математике", by=mother,
                )  # fmt: skip
                journal.settle_portfolio_entry(confirmed, confirmed=True, by=class_teacher)
                journal.add_portfolio_entry(
                    pupil, school=school, kind="work", happened_on=today - timedelta(days=5),
                    title="Проект «Птицы нашего края»", description="Презентация к уроку окружающего мира",
                    by=mother,
                )  # fmt: skip
        first_school, child, _ = self.family_children[0]
        other_school, _, other_teacher = self.family_children[1]
        with schema_context(other_school.schema_name):
            demo.earlier_year_of(child, mother, entered_by=other_teacher)

    def seed_billing(self, operator):
        """The district pays per pupil; last month's use as the nightly job would have copied it,
        and last month's invoice and act, for the operator to try (/district/billing/)."""
        month = reports.previous_month()
        payer = billing.save_payer(
            Payer(
                name="Управление образования администрации Демонстрационного района",
                inn="5001007329",
                kpp="500101001",
                bank="ПАО Сбербанк",
                bik="044525974",
                account="40701810700000000077",
                contacts="buh@uo.example.ru",
            ),
            by=operator,
        )
        plan = billing.create_plan(
            name="За обучающегося в месяц",
            kind=Plan.Kind.PER_PUPIL,
            tiers=[["0", "12.00"], ["10000", "10.00"]],
            vat_note="НДС не облагается (УСН)",
            by=operator,
        )
        schools = list(School.objects.exclude(schema_name="public").select_related("figures"))
        billing.create_contract(
            payer=payer, number="1-ЭЖ", signed_on=month, starts_on=month, plan=plan, schools=schools, by=operator
        )
        day, usage = month, []
        while day < timezone.localdate():
            usage += [
                UsageDay(
                    school=school,
                    day=day,
                    status=school.status,
                    pupils=school.figures.pupils,
                    active_pupils=school.figures.active_pupils,
                    staff=school.figures.staff,
                    storage_bytes=school.figures.storage_bytes,
                )
                for school in schools
            ]
            day += timedelta(days=1)
        UsageDay.objects.bulk_create(usage)
        billing.close_month(month, by=operator)

    def seed_monitoring(self):
        """Parents who opened the diary now and then, the nights' indicators of this month and the
        last, and the school's own reports."""
        since = timezone.now() - timedelta(days=45)
        views = []
        for guardian in Guardian.objects.filter(consent_at__isnull=False):
            for _ in range(self.rng.choice([0, 0, 1, 3, 6, 10])):
                views.append(
                    DataView(
                        viewer_id=guardian.user_id,
                        page="diary.week",
                        pupil_ids=[guardian.pupil_id],
                        at=since + timedelta(minutes=self.rng.randint(0, 45 * 24 * 60)),
                    )
                )
        DataView.objects.bulk_create(views)
        for month in (reports.previous_month(), timezone.localdate().replace(day=1)):
            update_school_month(month.isoformat())
        reports.make_school_report(Report.Kind.FILLING, reports.previous_month())
        reports.make_school_report(Report.Kind.ACTIVITY, reports.previous_week())

    def seed_school(self, school, *, pupils, diligence, seed):
        def staff(role, login, **kw):
            user = self.person(email=f"{login}@{school.slug}.example.ru", **kw)
            accounts.add_membership(user, school, role)
            return user

        staff(Role.DIRECTOR, "director")
        deputy = staff(Role.DEPUTY, "deputy")
        admin = staff(Role.SCHOOL_ADMIN, "admin")
        teachers = [staff(Role.TEACHER, f"teacher{n}", female=n % 3 != 0) for n in range(1, len(CLASSES) + 3)]
        with schema_context(school.schema_name):
            for (grade, letter), teacher in zip(CLASSES, teachers, strict=False):
                accounts.add_membership(teacher, school, Role.CLASS_TEACHER, by=admin)
                school_class = journal.create_class(grade=grade, letter=letter, class_teacher=teacher, by=admin)
                for n in range(pupils):
                    self.seed_pupil(school, school_class, teacher, admin, n)
            # One term of journal data: the year set up as a deputy would, then the records so far.
            today = timezone.localdate()
            year, terms = demo.set_up_year(school, by=deputy, today=today)
            # The demo schools joined the platform before their school year began.
            School.objects.filter(pk=school.pk).update(
                created_at=timezone.make_aware(datetime.combine(year.starts_on - timedelta(days=14), time(9)))
            )
            demo.fill_journal(school, until=today, seed=seed, diligence=diligence)
            for term in terms:
                if term.ends_on < today:
                    demo.set_final_marks(term)
            demo.exams_and_programme(school, deputy=deputy, today=today)

    def seed_pupil(self, school, school_class, class_teacher, admin, n):
        female = self.rng.random() < 0.5
        base = self.rng.choice(SURNAMES)
        year = date.today().year - school_class.grade - 6 - (date.today().month < 9)
        is_family_child = self.family is not None and n == 0 and school_class.grade == self.family[1]
        father = "Пётр" if is_family_child else self.rng.choice(FATHERS)
        names = FEMALE if female else MALE
        if is_family_child:  # not the mother's name (Мария)
            names = [name for name in names if name != self.family[0].first_name]
        pupil = journal.enroll_pupil(
            school_class=school_class,
            last_name=surname("Иванов" if is_family_child else base, female),
            first_name=self.rng.choice(names),
            middle_name=patronymic(father, female),
            birth_date=date(year, self.rng.randint(1, 12), self.rng.randint(1, 28)),
            enrolled_on=date(year + 7, 9, 1),
            order=f"{self.rng.randint(10, 150)}-у",
            by=admin,
        )
        # Most families are on the portal; a few are not yet (a real class has such parents).
        if is_family_child:
            parent = self.family[0]
            self.family_children.append((school, pupil, class_teacher))
        elif self.rng.random() < 0.85:
            # The child's mother, or the father whose name the child's patronymic carries.
            mother = self.rng.random() < 0.7
            parent = self.person(
                female=mother, phone=True, last=surname(base, mother), first=None if mother else father
            )
        else:
            return
        invitation, _ = accounts.issue_invitation(
            school=school, role=Role.PARENT, by=class_teacher, ip=None, pupil=pupil
        )
        accounts.redeem_invitation(invitation, ip=None, user=parent, consent=True)
        if n == 1:
            pupil_user = self.person(
                female=female,
                email=f"pupil{school_class.pk}@{school.slug}.example.ru",
                first=pupil.first_name,
                last=pupil.last_name,
                middle=pupil.middle_name,
            )
            invitation, _ = accounts.issue_invitation(
                school=school, role=Role.PUPIL, by=class_teacher, ip=None, pupil=pupil
            )
            accounts.redeem_invitation(invitation, ip=None, user=pupil_user)

    def print_logins(self):
        w = self.stdout.write
        w("")
        w(f"Портал родителей и управления образования: {portal_url()}")
        for school in School.objects.exclude(schema_name="public"):
            w(f"{school.short_name}: {host_url(school.host)}")
        w("")
        w(f"Пароль всех демо-учётных записей: {DEMO_PASSWORD}")
        w("  Специалист управления образования (портал): official@district.example.ru")
        w("  Оператор района, создаёт школы (портал):    operator@district.example.ru")
        w("  Родитель двух детей в двух школах (портал): +7 900 000-00-01")
        w("  Второй родитель (портал, вход по e-mail):   ivanov.p@family.example.ru, СНИЛС 112-233-445 95")
        w("  Директор / завуч / администратор ЭЖ СОШ № 1: director@school1.example.ru, deputy@…, admin@…")
        w("  Учитель и классный руководитель 1А:          teacher1@school1.example.ru")
        if settings.BASE_DOMAIN == "localhost":
            w("Адреса *.localhost открываются в браузере без настройки DNS.")
