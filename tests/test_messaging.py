"""Messaging as a school uses it: a teacher writes to a pupil's parents from the class list or a
chooser, staff write to each other, a parent's answer to a class announcement goes to its author
only (unless they choose all), parents stay nameless to other parents, and the school hears at
once when a parent writes."""

from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.selectors import parent_schools
from diary import selectors as mailbox
from diary import services as diary
from diary.models import Message, Thread, ThreadMember
from journal import services as journal
from journal.models import Guardian
from notifications.models import Notification

from .conftest import link_parent
from .test_journal_pages import lesson_of


def test_a_teacher_writes_from_a_chooser_and_staff_write_to_each_other(world, enter):
    a, b = world.a, world.b
    deputy = enter(a.deputy, a.host)
    chooser = deputy.get("/messages/new/").content.decode()
    assert a.pupils[0].full_name in chooser and a.teacher.full_name in chooser
    assert b.teacher.full_name not in chooser  # another school's staff are nobody to write to
    sent = {"subject": "Журнал 6Б", "text": "Заполните, пожалуйста, темы за неделю."}
    response = deputy.post(f"/messages/new/?to={a.teacher.pk}", sent)
    assert response.status_code == 302
    with schema_context(a.school.schema_name):
        thread = Thread.objects.get(subject="Журнал 6Б")
        assert set(ThreadMember.objects.filter(thread=thread).values_list("user_id", flat=True)) == {
            a.deputy.pk,
            a.teacher.pk,
        }
    # A parent is not a colleague: the address shows the chooser and writes nothing.
    deputy.post(f"/messages/new/?to={world.parent.pk}", sent | {"subject": "Нельзя"})
    with schema_context(a.school.schema_name):
        assert not Thread.objects.filter(subject="Нельзя").exists()
    page = enter(a.class_teacher, a.host).get(f"/classes/{a.school_class.pk}/").content.decode()
    assert f"/messages/new/?pupil={a.pupils[0].pk}" in page


def test_a_parents_answer_to_a_class_announcement_goes_to_its_author_only(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        announcement = diary.start_thread(
            school=a.school,
            by=a.class_teacher,
            subject="Экскурсия",
            text="В пятницу едем в музей.",
            school_class=a.school_class,
        )
        Notification.objects.filter(kind="message").delete()
    parent = enter(world.parent)
    response = parent.post(f"/messages/{a.school.slug}/{announcement.pk}/", {"text": "Мы поедем, спасибо!"})
    assert response.status_code == 302
    with schema_context(a.school.schema_name):
        private = Thread.objects.get(subject="Re: Экскурсия")
        members = set(ThreadMember.objects.filter(thread=private).values_list("user_id", flat=True))
        assert world.other_parent.pk not in members and {world.parent.pk, a.class_teacher.pk} <= members
        assert not Message.objects.filter(thread=announcement, author=world.parent).exists()
        # The class teacher hears of it at once.
        assert Notification.objects.filter(recipient=a.class_teacher, kind="message").exists()
    parent.post(f"/messages/{a.school.slug}/{announcement.pk}/", {"text": "Кто ещё едет?", "to_all": "1"})
    other = enter(world.other_parent).get(f"/messages/{a.school.slug}/{announcement.pk}/").content.decode()
    assert "Кто ещё едет?" in other  # chosen: to everyone
    assert world.parent.last_name not in other  # but other parents do not see the name
    assert "Родитель" in other


def test_the_menu_counts_unread_messages_and_notifications(world, enter):
    a = world.a
    with schema_context(a.school.schema_name):
        thread = diary.start_thread(
            school=a.school, by=a.class_teacher, subject="Справка", text="Принесите справку.", pupil=a.pupils[0]
        )
        lesson = lesson_of(a, world.calendar_a)
        journal.add_remark(lesson, pupil=a.pupils[0], text="Забыл форму", by=a.class_teacher)  # a notification
        unread = Notification.objects.filter(recipient=world.parent, read_at__isnull=True).count()
    page = enter(world.parent).get("/").content.decode()
    assert '<span class="count"' in page.split("Сообщения", 1)[1].split("</a>", 1)[0]
    assert unread >= 1 and f">{unread}</span>" in page.split("Уведомления", 1)[1].split("</a>", 1)[0]
    enter(world.parent).get(f"/messages/{a.school.slug}/{thread.pk}/")  # read: the count goes
    page = enter(world.parent).get("/").content.decode()
    assert '<span class="count"' not in page.split("Сообщения", 1)[1].split("</a>", 1)[0]


def test_the_menus_counts_in_plain_sql_are_the_counts_of_the_conversation_pages(world):
    """unread_counts (one SQL statement a school) against the ORM queries the pages list
    conversations with: read, half-read and never-read threads, one's own messages, a class
    letter, another family's child, a link that ended, read and unread notices, two schools."""
    a, b, parent = world.a, world.b, world.parent
    link_parent(a, parent, a.pupils[1])
    with schema_context(a.school.schema_name):
        about_child = diary.start_thread(
            school=a.school, by=a.class_teacher, subject="Справка", text="1", pupil=a.pupils[0]
        )
        diary.post_message(about_child, school=a.school, by=parent, text="Принесём")
        diary.post_message(about_child, school=a.school, by=a.class_teacher, text="2")
        ThreadMember.objects.filter(thread=about_child, user=parent).update(last_read_at=timezone.now())
        diary.post_message(about_child, school=a.school, by=a.class_teacher, text="3")  # the one unread
        diary.start_thread(
            school=a.school, by=a.class_teacher, subject="Собрание", text="В четверг", school_class=a.school_class
        )
        diary.start_thread(school=a.school, by=a.class_teacher, subject="Чужой", text="!", pupil=a.pupils[2])
        ended = diary.start_thread(school=a.school, by=a.class_teacher, subject="Закрыто", text="!", pupil=a.pupils[1])
        journal.end_guardianship(
            Guardian.objects.get(user=parent, pupil=a.pupils[1], ended_at=None),
            reason="Решение суда № 2-15",
            by=a.admin,
        )
        lesson = lesson_of(a, world.calendar_a)
        journal.add_remark(lesson, pupil=a.pupils[0], text="Забыл форму", by=a.class_teacher)
        shown = Notification.objects.filter(recipient=parent).earliest("pk")
        journal.add_remark(lesson, pupil=a.pupils[0], text="Нет сменной обуви", by=a.class_teacher)
        Notification.objects.filter(pk=shown.pk).update(read_at=timezone.now())
    with schema_context(b.school.schema_name):
        trip = diary.start_thread(school=b.school, by=b.class_teacher, subject="Экскурсия", text="!", pupil=b.pupils[1])
        diary.post_message(trip, school=b.school, by=parent, text="Хорошо")  # read by its writer

    def as_the_pages_count(user, school=None):
        if school is not None:
            with schema_context(school.schema_name):
                return {"messages": sum(t.unread for t in mailbox.threads_for(user))}
        counts = {"messages": 0, "notifications": 0}
        for found in parent_schools(user):
            with schema_context(found.schema_name):
                counts["messages"] += sum(t.unread for t in mailbox.family_threads(user))
                counts["notifications"] += Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        return counts

    counted = mailbox.unread_counts(parent)
    assert counted == as_the_pages_count(parent)
    # The half-read thread's last message and the class letter; not the ended link's.
    assert counted["messages"] == 2 and counted["notifications"] >= 1
    with schema_context(a.school.schema_name):
        assert ended.pk in [t.pk for t in mailbox.threads_for(parent)]  # still a member, no longer counted
    for user in (world.other_parent, world.official):
        assert mailbox.unread_counts(user) == as_the_pages_count(user)
    for user, school in (
        (a.class_teacher, a.school),
        (parent, a.school),
        (a.teacher, a.school),
        (b.class_teacher, b.school),
    ):
        with schema_context(school.schema_name):
            counted = mailbox.unread_counts(user, school)
        assert counted == as_the_pages_count(user, school)
    with schema_context(b.school.schema_name):
        assert mailbox.unread_counts(b.class_teacher, b.school) == {"messages": 1}  # the parent's answer


def test_a_pupil_writes_to_their_teacher_and_the_teacher_hears_of_it(world, enter):
    a, b = world.a, world.b
    pupil = enter(a.pupil_user, a.host)
    chooser = pupil.get("/messages/new/").content.decode()
    assert a.class_teacher.full_name in chooser and a.admin.full_name not in chooser  # their teachers and heads
    sent = {"subject": "Домашнее задание", "text": "Не понял задачу № 5, можно спросить на перемене?"}
    assert pupil.post(f"/messages/new/?to={a.class_teacher.pk}", sent).status_code == 302
    with schema_context(a.school.schema_name):
        thread = Thread.objects.get(subject="Домашнее задание")
        members = set(ThreadMember.objects.filter(thread=thread).values_list("user_id", flat=True))
        assert members == {a.pupil_user.pk, a.class_teacher.pk}
        assert Notification.objects.filter(recipient=a.class_teacher, kind="message").exists()
    teacher_page = enter(a.class_teacher, a.host).get(f"/messages/{thread.pk}/").content.decode()
    assert "Не понял задачу № 5" in teacher_page
    # Nobody outside their school: another school's teacher is not on the list and gets nothing.
    pupil.post(f"/messages/new/?to={b.class_teacher.pk}", sent | {"subject": "Чужой"})
    with schema_context(a.school.schema_name):
        assert not Thread.objects.filter(subject="Чужой").exists()
