from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.access import parent_required, public, school_roles
from accounts.models import Role, User
from audit.models import log_view
from groundwork.addresses import client_ip
from groundwork.api import posted_id
from groundwork.caches import templates_fingerprint
from groundwork.days import day_from
from groundwork.errors import explain
from journal import rulebook
from journal.access import access_class_to_manage_families, access_class_to_print_reports
from journal.models import Guardian, HomeworkFile, PortfolioEntry, Pupil, SchoolClass, WorkProgramme
from journal.selectors import current_year, diary_versions, exams_of_pupil, monday_of, staff_labels
from journal.services import add_portfolio_entry, request_correction, withdraw_consent, withdraw_portfolio_entry
from notifications.selectors import notifications_of
from notifications.services import mark_shown

from . import selectors
from .access import child, own_pupil, parent_school
from .models import News
from .report import weekly_report as build
from .services import post_message, publish_news, record_meeting, reply_to_author, staff_about, start_thread

PAGES = ("week", "marks", "attendance", "views")
WEEK_CACHED_FOR = 3600  # seconds; only frees Redis: the key's versions and day keep an entry true
WEEK_TEMPLATES = {"board": "diary/_week_board.html", "days": "diary/_week_days.html"}


def _chart(course):
    """An SVG polyline of the average's course: marks 2..5 up the side, marks along."""
    if len(course) < 2:
        return ""
    step = 160 / (len(course) - 1)
    return " ".join(f"{n * step:.0f},{40 - (float(v) - 2) / 3 * 36:.0f}" for n, v in enumerate(course))


def _page(request, pupil, page, base, extra=None):
    context = {"pupil": pupil, "page": page, "base": base, **(extra or {})}
    if page in ("marks", "attendance", "plan", "exams"):  # the week and the rest need no school year
        year = current_year()
        terms, term = selectors.current_term(pupil, year)
        term = next((t for t in terms if str(t.pk) == request.GET.get("term")), term)
        context.update(terms=terms, term=term)
    if page == "week":
        monday = monday_of(request.GET.get("week"))
        context.update(week=_week(pupil, monday, base), remarks=selectors.remarks_of_week(pupil, monday))
    elif page == "marks":
        rows = selectors.marks_by_subject(pupil, term) if term else []
        for row in rows:
            row["chart"] = _chart(row["course"])
        final_terms, finals = selectors.final_marks(pupil, year) if year else ([], [])
        context.update(rows=rows, final_terms=final_terms, finals=finals)
    elif page == "attendance":
        summary, absent, late = selectors.attendance(pupil, term) if term else ({}, [], [])
        context.update(summary=summary, absent=absent, late=late)
    elif page == "views":
        context.update(views=selectors.views_of(pupil))
    elif page == "plan":
        context.update(
            plans=selectors.class_plans(pupil, year),
            programmes=selectors.work_programmes(pupil, year),
            today=timezone.localdate(),
        )
    elif page == "years":
        school = (extra or {}).get("child_school") or request.school
        context.update(years=selectors.years_of(school, pupil, request.user), school=school)
    elif page == "exams":
        context.update(exams_of_pupil(pupil, year) if year else {"terms": [], "rows": []}, today=timezone.localdate())
    if page != "views":
        log_view(request, [pupil], f"diary.{page}")
    return render(request, f"diary/{page}.html", context)


def _week(pupil, monday, base):
    """The week's board (tomorrow, news, meetings) and days as HTML, kept in the cache under the
    versions of what they show (journal.models.DiaryVersion), read first: a write in between
    can only make an entry newer than its key. The remarks are not in it: their authors' names
    are in the shared schema, where no school's trigger sees them change."""
    today = timezone.localdate()
    key = ":".join(
        str(part)
        for part in (
            "diary-week",
            templates_fingerprint(*WEEK_TEMPLATES.values()),
            translation.get_language(),
            base,
            pupil.pk,
            pupil.school_class_id,
            monday,
            today,
            *diary_versions(pupil),
        )
    )
    week = cache.get(key)
    if week is None:
        days = selectors.week(pupil, monday)
        context = {
            "days": days,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "today": today,
            "base": base,
            "tomorrow": selectors.tomorrow(pupil, today, days=days),
            **selectors.board(pupil),
        }
        week = {part: render_to_string(name, context) for part, name in WEEK_TEMPLATES.items()}
        cache.set(key, week, WEEK_CACHED_FOR)
    return week


@parent_required
def child_page(request, slug, pupil_id, page="week"):
    children = selectors.children_of(request.user)
    with child(request, slug, pupil_id, children) as (school, pupil):
        return _page(
            request, pupil, page, f"/children/{slug}/{pupil_id}/", {"children": children, "child_school": school}
        )


@parent_required
def consent_withdraw(request, slug, pupil_id):
    """The parent withdraws consent to the processing of the child's data: the link ends at once."""
    with child(request, slug, pupil_id) as (school, pupil):
        if request.method == "POST":
            link = Guardian.objects.live().get(user=request.user, pupil=pupil)
            withdraw_consent(link, by=request.user, ip=client_ip(request))
            messages.success(
                request,
                _("Согласие отозвано: данные %(full_name)s больше не показываются.") % {"full_name": pupil.full_name},
            )
            return redirect("home")
        return render(request, "diary/consent_withdraw.html", {"pupil": pupil, "school": school})


@parent_required
def child_correction(request, slug, pupil_id):
    """The parent tells the class teacher that something in the child's data is wrong."""
    with child(request, slug, pupil_id) as (school, pupil):
        if request.method == "POST":
            try:
                request_correction(pupil, text=request.POST.get("text"), by=request.user, ip=client_ip(request))
            except ValidationError as error:
                messages.error(request, explain(error))
            else:
                messages.success(request, _("Просьба отправлена классному руководителю; ответ придёт в уведомления."))
                return redirect("child_correction", slug=slug, pupil_id=pupil_id)
        asked = pupil.correction_requests.filter(asked_by=request.user)[:10]
        return render(request, "diary/correction.html", {"pupil": pupil, "school": school, "asked": asked})


@school_roles(Role.PUPIL)
def own_page(request, page="week"):
    return _page(request, own_pupil(request), page, "/diary/")


def _file(request, pupil, lesson_id, file_id):
    """A homework file of a lesson this pupil sits in: the same check as the page linking to it."""
    attached = (
        HomeworkFile.objects.live()
        .filter(pk=file_id, lesson_id=lesson_id, lesson__in=selectors.lessons_of(pupil))
        .first()
    )
    if attached is None:
        raise Http404
    log_view(request, [pupil], "diary.file")
    return FileResponse(attached.file.open("rb"), as_attachment=True, filename=attached.name)


@parent_required
def child_file(request, slug, pupil_id, lesson_id, file_id):
    with child(request, slug, pupil_id) as (_, pupil):
        return _file(request, pupil, lesson_id, file_id)


@school_roles(Role.PUPIL)
def own_file(request, lesson_id, file_id):
    return _file(request, own_pupil(request), lesson_id, file_id)


def _programme(request, pupil, programme_id):
    """A рабочая программа of the pupil's grade: the same check as the plan tab linking to it."""
    found = WorkProgramme.objects.filter(pk=posted_id(programme_id), grade=pupil.school_class.grade).first()
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@parent_required
def child_programme(request, slug, pupil_id, programme_id):
    with child(request, slug, pupil_id) as (_, pupil):
        return _programme(request, pupil, programme_id)


@school_roles(Role.PUPIL)
def own_programme(request, programme_id):
    return _programme(request, own_pupil(request), programme_id)


def _portfolio(request, pupil, school, base, extra=None):
    """The pupil's portfolio: the entries, and a form to add one (the pupil or a parent)."""
    if request.method == "POST":
        ip = client_ip(request)
        try:
            if request.POST.get("withdraw"):
                entry = PortfolioEntry.objects.filter(
                    pk=posted_id(request.POST["withdraw"]), pupil=pupil, withdrawn_at__isnull=True
                ).first()
                if entry is None:
                    raise Http404
                withdraw_portfolio_entry(entry, by=request.user, ip=ip)
                messages.success(request, _("Запись убрана из портфолио."))
            else:
                add_portfolio_entry(
                    pupil,
                    school=school,
                    kind=request.POST.get("kind"),
                    title=request.POST.get("title"),
                    happened_on=day_from(request.POST.get("happened_on")),
                    description=request.POST.get("description"),
                    upload=request.FILES.get("file"),
                    by=request.user,
                    ip=ip,
                )
                messages.success(request, _("Добавлено в портфолио; классный руководитель подтвердит запись."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        return redirect(f"{base}portfolio/")
    log_view(request, [pupil], "diary.portfolio")
    context = {
        "pupil": pupil,
        "page": "portfolio",
        "base": base,
        "entries": selectors.portfolio_of(pupil),
        "kinds": PortfolioEntry.Kind.choices,
        "today": timezone.localdate(),
        **(extra or {}),
    }
    return render(request, "diary/portfolio.html", context)


@parent_required
def child_portfolio(request, slug, pupil_id):
    children = selectors.children_of(request.user)
    with child(request, slug, pupil_id, children) as (school, pupil):
        return _portfolio(
            request, pupil, school, f"/children/{slug}/{pupil_id}/", {"children": children, "child_school": school}
        )


@school_roles(Role.PUPIL)
def own_portfolio(request):
    return _portfolio(request, own_pupil(request), request.school, "/diary/")


def _portfolio_file(request, pupil, entry_id):
    entry = PortfolioEntry.objects.filter(pk=posted_id(entry_id), pupil=pupil, withdrawn_at__isnull=True).first()
    if entry is None or not entry.file:
        raise Http404
    log_view(request, [pupil], "diary.portfolio_file")
    return FileResponse(entry.file.open("rb"), as_attachment=True, filename=entry.file_name)


@parent_required
def child_portfolio_file(request, slug, pupil_id, entry_id):
    with child(request, slug, pupil_id) as (_, pupil):
        return _portfolio_file(request, pupil, entry_id)


@school_roles(Role.PUPIL)
def own_portfolio_file(request, entry_id):
    return _portfolio_file(request, own_pupil(request), entry_id)


@school_roles(Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR)
def weekly_report(request, class_id):
    """The class teacher prints the week's marks and absences, one page per pupil."""
    school_class = access_class_to_print_reports(request, class_id)
    monday = monday_of(request.GET.get("week"))
    pupils = list(school_class.pupils.enrolled())
    terms, term = selectors.current_term(pupils[0], current_year()) if pupils else ([], None)
    try:
        pdf = build(request.school, school_class, monday, pupils, term)
    except ImproperlyConfigured as error:  # no Cyrillic font on the server
        return render(request, "read_only.html", {"message": str(error)}, status=503)
    log_view(request, pupils, "diary.weekly_report")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="weekly-{school_class.grade}-{monday:%Y-%m-%d}.pdf"'
    return response


@parent_required
def notifications(request):
    """A parent's notifications from every child's school; how they come is set on /account/."""
    return render(
        request,
        "diary/notifications.html",
        {"notices": mark_shown(notifications_of(request.user)), "vapid_public_key": settings.VAPID_PUBLIC_KEY},
    )


# --- Messages ----------------------------------------------------------------------------------

STAFF = sorted(rulebook.WRITES_TO_FAMILIES)
OWN_THREADS = sorted(rulebook.READS_OWN_THREADS)


def _thread_or_404(request, thread_id, everything=False):
    thread = selectors.threads_for(request.user, everything=everything).filter(pk=thread_id).first()
    if thread is None:
        raise Http404
    return thread


def _reply(request, thread, back):
    try:
        post_message(
            thread,
            school=request.school or thread.school,
            by=request.user,
            text=request.POST.get("text", ""),
            attachment=request.FILES.get("attachment"),
            ip=client_ip(request),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, explain(error))
    return redirect(back)


@school_roles(*OWN_THREADS, Role.PUPIL)  # a pupil: their own conversations with teachers
def staff_messages(request):
    everything = bool(request.GET.get("all")) and rulebook.can_read_all_threads(request.roles)
    return render(
        request,
        "diary/messages.html",
        {
            "threads": selectors.threads_for(request.user, everything=everything),
            "base": "/messages/",
            "can_see_all": rulebook.can_read_all_threads(request.roles),
            "everything": everything,
        },
    )


@school_roles(*OWN_THREADS, Role.PUPIL)  # a pupil: their own conversations with teachers
def staff_thread(request, thread_id):
    heads = rulebook.can_read_all_threads(request.roles)
    thread = _thread_or_404(request, thread_id, everything=heads)
    if request.method == "POST":
        return _reply(request, thread, f"/messages/{thread.pk}/")
    found, members = selectors.thread_page(thread, request.user)
    if thread.pupil_id:
        log_view(request, [thread.pupil_id], "messages.thread")
    return render(
        request,
        "diary/thread.html",
        {
            "thread": thread,
            "found": found,
            "members": members,
            "can_reply": any(m.user_id == request.user.pk for m in members),
            "base": "/messages/",
        },
    )


@school_roles(*STAFF, Role.PUPIL)  # a pupil: their own conversations with teachers
def staff_new(request):
    """To a pupil's parents (?pupil=), as the class teacher to all parents of a class (?class=), to
    a colleague (?to=); a pupil to one of their teachers (?to=)."""
    if Role.PUPIL in request.roles and not request.roles & set(STAFF):
        return _pupil_new(request)
    pupil = (
        Pupil.objects.enrolled().filter(pk=posted_id(request.GET.get("pupil"))).select_related("school_class").first()
    )
    school_class = SchoolClass.objects.filter(pk=posted_id(request.GET.get("class"))).first()
    colleague = selectors.colleagues(request.school, request.user).filter(pk=posted_id(request.GET.get("to"))).first()
    if pupil is None and school_class is None and colleague is None:
        # Whom to write to: a pupil's parents (by class) or a colleague.
        colleagues = list(selectors.colleagues(request.school, request.user))
        return render(
            request,
            "diary/message_choose.html",
            {
                "classes": SchoolClass.objects.open().prefetch_related("pupils"),
                "colleagues": _labelled(request.school, colleagues),
            },
        )
    return _write_new(request, pupil=pupil, school_class=school_class, to=colleague)


def _pupil_new(request):
    own = Pupil.objects.enrolled().filter(user=request.user).select_related("school_class").first()
    if own is None:
        raise Http404
    teachers = User.objects.filter(pk__in=staff_about(own, request.school)).order_by("last_name", "first_name")
    teacher = teachers.filter(pk=posted_id(request.GET.get("to"))).first()
    if teacher is None:
        labelled = _labelled(request.school, list(teachers), own.school_class)
        return render(
            request, "diary/message_choose.html", {"classes": [], "colleagues": labelled, "pupil_writes": True}
        )
    return _write_new(request, pupil=own, to=teacher)


def _labelled(school, people, school_class=None):
    """People with what they are at the school («учитель: Математика; классный руководитель 5А»)."""
    labels = staff_labels(school, people, school_class)
    for person in people:
        person.label = labels.get(person.pk, "")
    return people


def _write_new(request, **whom):
    """The new message's form; sent, the conversation it started."""
    if request.method == "POST":
        try:
            thread = start_thread(
                school=request.school,
                by=request.user,
                subject=request.POST.get("subject", ""),
                text=request.POST.get("text", ""),
                attachment=request.FILES.get("attachment"),
                ip=client_ip(request),
                **whom,
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            return redirect(f"/messages/{thread.pk}/")
    shown = {"pupil": whom.get("pupil") if whom.get("to") is None else None, "colleague": whom.get("to")}
    return render(request, "diary/message_new.html", {**shown, "school_class": whom.get("school_class")})


@parent_required
def parent_messages(request):
    return render(
        request,
        "diary/messages.html",
        {
            "threads": selectors.parent_threads(request.user),
            "base": "/messages/",
            "portal": True,
            "children": selectors.children_of(request.user),
        },
    )


def _family_thread_or_404(request, thread_id):
    thread = selectors.family_threads(request.user).filter(pk=thread_id).first()
    if thread is None:
        raise Http404
    return thread


@parent_required
def parent_thread(request, slug, thread_id):
    school = parent_school(request, slug)
    with schema_context(school.schema_name):
        thread = _family_thread_or_404(request, thread_id)
        thread.school = school
        announcement = thread.school_class_id and not thread.pupil_id
        if request.method == "POST":
            if announcement and not request.POST.get("to_all"):
                try:
                    private = reply_to_author(
                        thread,
                        school=school,
                        by=request.user,
                        text=request.POST.get("text", ""),
                        attachment=request.FILES.get("attachment"),
                        ip=client_ip(request),
                    )
                except (ValidationError, PermissionDenied) as error:
                    messages.error(request, explain(error))
                    return redirect(f"/messages/{slug}/{thread.pk}/")
                messages.success(request, _("Ответ отправлен только автору объявления."))
                return redirect(f"/messages/{slug}/{private.pk}/")
            return _reply(request, thread, f"/messages/{slug}/{thread.pk}/")
        found, members = selectors.thread_page(thread, request.user)
        found, members = selectors.as_a_parent_sees(found, members, request.user, school)
        return render(
            request,
            "diary/thread.html",
            {
                "thread": thread,
                "found": found,
                "members": members,
                "can_reply": True,
                "announcement": announcement,
                "base": f"/messages/{slug}/",
            },
        )


@parent_required
def parent_new(request, slug, pupil_id):
    """A parent writes to one of the child's teachers or to the school's heads."""
    with child(request, slug, pupil_id) as (school, pupil):
        staff = list(User.objects.filter(pk__in=staff_about(pupil, school)).order_by("last_name", "first_name"))
        if request.method == "POST":
            to = next((u for u in staff if str(u.pk) == request.POST.get("to")), None)
            try:
                if to is None:
                    raise ValidationError(_("Сообщение можно отправить только учителям и администрации школы ребёнка."))
                thread = start_thread(
                    school=school,
                    by=request.user,
                    subject=request.POST.get("subject", ""),
                    text=request.POST.get("text", ""),
                    pupil=pupil,
                    to=to,
                    attachment=request.FILES.get("attachment"),
                    ip=client_ip(request),
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, explain(error))
            else:
                return redirect(f"/messages/{slug}/{thread.pk}/")
        return render(
            request, "diary/message_new.html", {"pupil": pupil, "staff": _labelled(school, staff, pupil.school_class)}
        )


def _attachment_response(thread, message_id):
    message = thread.messages.filter(pk=message_id).exclude(attachment="").first()
    if message is None:
        raise Http404
    return FileResponse(message.attachment.open("rb"), as_attachment=True, filename=message.attachment_name)


@school_roles(*OWN_THREADS, Role.PUPIL)  # a pupil: their own conversations with teachers
def staff_attachment(request, thread_id, message_id):
    heads = rulebook.can_read_all_threads(request.roles)
    return _attachment_response(_thread_or_404(request, thread_id, everything=heads), message_id)


@parent_required
def parent_attachment(request, slug, thread_id, message_id):
    with schema_context(parent_school(request, slug).schema_name):
        return _attachment_response(_family_thread_or_404(request, thread_id), message_id)


# --- News and parent meetings --------------------------------------------------------------------


@school_roles(*STAFF, Role.SCHOOL_ADMIN)
def news(request):
    if request.method == "POST":
        school_class = SchoolClass.objects.open().filter(pk=posted_id(request.POST.get("school_class"))).first()
        try:
            publish_news(
                school=request.school,
                by=request.user,
                title=request.POST.get("title", ""),
                text=request.POST.get("text", ""),
                school_class=school_class,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Объявление опубликовано."))
        return redirect("news")
    return render(
        request,
        "diary/news.html",
        {
            "items": News.objects.select_related("school_class", "author")[:50],
            "my_classes": SchoolClass.objects.open().filter(class_teacher=request.user),
            "heads": bool(request.roles & rulebook.NEWS_OF_THE_SCHOOL),
        },
    )


@school_roles(Role.CLASS_TEACHER)
def meeting(request, class_id):
    school_class = access_class_to_manage_families(request, class_id)
    parents = selectors.class_parents(school_class)
    if request.method == "POST":
        try:
            held_at = timezone.make_aware(datetime.fromisoformat(request.POST.get("held_at", "")))
            attended = [int(pk) for pk in request.POST.getlist("attended") if pk.isdigit()]
            record_meeting(
                school_class=school_class,
                held_at=held_at,
                topic=request.POST.get("topic", ""),
                attended=attended,
                by=request.user,
                ip=client_ip(request),
            )
        except ValueError:
            messages.error(request, _("Укажите дату и время собрания."))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, explain(error))
        else:
            messages.success(request, _("Собрание записано; не пришедшим родителям отправлено уведомление."))
            return redirect("class_detail", class_id=class_id)
    return render(request, "diary/meeting.html", {"school_class": school_class, "parents": parents})


@public
def portal_home(request):
    """The portal's start page: a parent's children in every school; district staff go to the console."""
    if not request.user.is_authenticated:
        return render(request, "diary/portal_welcome.html")
    if request.roles & {Role.DISTRICT_OFFICIAL, Role.DISTRICT_OPERATOR} and Role.PARENT not in request.roles:
        return redirect("district")
    children = selectors.children_of(request.user)
    for found in children:
        with schema_context(found.school.schema_name):
            found.overview = selectors.overview(found.pupil)
            log_view(request, [found.pupil], "diary.start")
    return render(request, "diary/portal_home.html", {"children": children})
