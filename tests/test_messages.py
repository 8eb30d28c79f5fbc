"""Messages between the school and families: a teacher and a pupil's parents, the class teacher
and all parents of the class; unread counts; the heads can read their staff's threads."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from diary.models import Message, Thread


def thread_of(world, subject):
    with schema_context(world.a.school.schema_name):
        return Thread.objects.get(subject=subject)


def test_a_teacher_writes_to_a_pupils_parents_and_the_parent_answers(world, enter):
    a = world.a
    teacher = enter(a.class_teacher, a.host)
    response = teacher.post(
        f"/messages/new/?pupil={a.pupils[0].pk}", {"subject": "Контрольная", "text": "Пропущена контрольная."}
    )
    assert response.status_code == 302
    thread = thread_of(world, "Контрольная")
    portal = enter(world.parent)
    listing = portal.get("/messages/").content.decode()
    assert "Контрольная" in listing and "<strong>1</strong>" in listing  # one unread
    page = portal.get(f"/messages/{a.school.slug}/{thread.pk}/").content.decode()
    assert "Пропущена контрольная." in page
    assert "<strong>1</strong>" not in portal.get("/messages/").content.decode()  # read now
    portal.post(f"/messages/{a.school.slug}/{thread.pk}/", {"text": "Перепишем в четверг."})
    assert "Перепишем в четверг." in teacher.get(f"/messages/{thread.pk}/").content.decode()
    # Another family and another school see nothing of it.
    assert enter(world.other_parent).get(f"/messages/{a.school.slug}/{thread.pk}/").status_code == 404
    assert "Контрольная" not in enter(world.other_parent).get("/messages/").content.decode()
    assert enter(world.b.class_teacher, world.b.host).get(f"/messages/{thread.pk}/").status_code == 404


def test_the_class_teacher_writes_to_all_parents_of_the_class(world, enter):
    a = world.a
    enter(a.class_teacher, a.host).post(
        f"/messages/new/?class={a.school_class.pk}", {"subject": "Родительское собрание", "text": "В пятницу в 18:00."}
    )
    thread = thread_of(world, "Родительское собрание")
    with schema_context(a.school.schema_name):
        members = set(thread.members.values_list("user_id", flat=True))
    assert members == {a.class_teacher.pk, world.parent.pk, world.other_parent.pk}
    refused = enter(a.teacher, a.host).post(
        f"/messages/new/?class={a.school_class.pk}", {"subject": "Не мой класс", "text": "x"}, follow=True
    )
    assert "пишет классный руководитель" in refused.content.decode()


def test_a_parent_writes_only_to_the_childs_teachers_and_heads(world, enter):
    a, b = world.a, world.b
    portal = enter(world.parent)
    page = portal.get(f"/messages/{a.school.slug}/new/{a.pupils[0].pk}/").content.decode()
    assert a.class_teacher.full_name in page and a.director.full_name in page and b.teacher.full_name not in page
    outsider = portal.post(
        f"/messages/{a.school.slug}/new/{a.pupils[0].pk}/",
        {"to": b.teacher.pk, "subject": "Вопрос", "text": "?"},
        follow=True,
    )
    assert "только учителям и администрации школы ребёнка" in outsider.content.decode()
    assert (
        portal.post(f"/messages/{a.school.slug}/new/{a.pupils[2].pk}/", {"to": a.class_teacher.pk}).status_code == 404
    )
    portal.post(
        f"/messages/{a.school.slug}/new/{a.pupils[0].pk}/",
        {"to": a.class_teacher.pk, "subject": "Справка", "text": "Принесём справку завтра."},
    )
    assert thread_of(world, "Справка").created_by == world.parent


def test_the_heads_read_staff_threads_but_teachers_only_their_own(world, enter):
    a = world.a
    enter(a.class_teacher, a.host).post(f"/messages/new/?pupil={a.pupils[0].pk}", {"subject": "Поведение", "text": "…"})
    thread = thread_of(world, "Поведение")
    assert "Поведение" in enter(a.director, a.host).get("/messages/?all=1").content.decode()
    assert enter(a.deputy, a.host).get(f"/messages/{thread.pk}/").status_code == 200
    assert enter(a.teacher, a.host).get(f"/messages/{thread.pk}/").status_code == 404
    reply = enter(a.director, a.host).post(f"/messages/{thread.pk}/", {"text": "Я не участник"}, follow=True)
    assert "не участник" in reply.content.decode()


def test_oversized_unsafe_or_too_frequent_messages_are_refused(world, enter, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = world.a
    teacher = enter(a.class_teacher, a.host)
    teacher.post(f"/messages/new/?pupil={a.pupils[0].pk}", {"subject": "Файлы", "text": "Начало"})
    thread = thread_of(world, "Файлы")
    unsafe = teacher.post(
        f"/messages/{thread.pk}/", {"text": "вложение", "attachment": SimpleUploadedFile("run.exe", b"MZ")}, follow=True
    )
    assert "допустимы документы" in unsafe.content.decode()
    big = teacher.post(f"/messages/{thread.pk}/", {"text": "x" * 5001}, follow=True)
    assert "длиннее 5000" in big.content.decode()
    ok = teacher.post(
        f"/messages/{thread.pk}/", {"text": "план", "attachment": SimpleUploadedFile("план.pdf", b"%PDF")}
    )
    assert ok.status_code == 302
    with schema_context(a.school.schema_name):
        attached = Message.objects.get(thread=thread, attachment_name="план.pdf")
    assert enter(world.parent).get(f"/messages/{a.school.slug}/{thread.pk}/files/{attached.pk}/").status_code == 200
    assert (
        enter(world.other_parent).get(f"/messages/{a.school.slug}/{thread.pk}/files/{attached.pk}/").status_code == 404
    )
    for n in range(18):  # 2 already sent; the limit is 20 in 10 minutes
        teacher.post(f"/messages/{thread.pk}/", {"text": f"сообщение {n}"})
    limited = teacher.post(f"/messages/{thread.pk}/", {"text": "ещё одно"}, follow=True)
    assert "Слишком много сообщений" in limited.content.decode()
    with schema_context(a.school.schema_name):
        assert Message.objects.filter(thread=thread).count() == 20


def test_the_portal_api_gives_a_parent_their_threads_and_notifications(world, enter):
    a = world.a
    enter(a.class_teacher, a.host).post(f"/messages/new/?pupil={a.pupils[0].pk}", {"subject": "API", "text": "Вопрос"})
    thread = thread_of(world, "API")
    api = enter(world.parent)
    listed = api.get("/api/v1/messages/").json()["results"]
    assert [(t["subject"], t["unread"]) for t in listed] == [("API", 1)]
    answer = api.post(
        f"/api/v1/messages/{a.school.slug}/{thread.pk}/",
        {"text": "Ответ из приложения"},
        content_type="application/json",
    ).json()
    assert [m["text"] for m in answer["messages"]] == ["Вопрос", "Ответ из приложения"]
    empty = api.post(f"/api/v1/messages/{a.school.slug}/{thread.pk}/", {"text": ""}, content_type="application/json")
    assert empty.status_code == 400 and empty.json()["error"]["fields"]["text"]
    assert enter(world.other_parent).get(f"/api/v1/messages/{a.school.slug}/{thread.pk}/").status_code == 404
    assert enter(world.other_parent).get("/api/v1/messages/").json()["results"] == []
    assert api.get("/api/v1/notifications/").status_code == 200
    assert enter(a.class_teacher, a.host).get("/api/v1/notifications/").status_code == 404  # not a school route


def test_every_inbox_starts_a_new_message_and_recipients_say_who_they_are(world, enter):
    a, cal = world.a, world.calendar_a
    teacher = enter(a.teacher, a.host)
    inbox = teacher.get("/messages/").content.decode()
    assert 'href="/messages/new/"' in inbox and "Новое сообщение" in inbox
    choose = teacher.get("/messages/new/").content.decode()
    assert "— заместитель директора" in choose
    assert "учитель: Математика; классный руководитель 5А" in choose  # the class teacher
    portal = enter(world.parent)
    assert f"/messages/{a.school.slug}/new/{a.pupils[0].pk}/" in portal.get("/messages/").content.decode()
    new = portal.get(f"/messages/{a.school.slug}/new/{a.pupils[0].pk}/").content.decode()
    # For the child's class: only what they teach in 5А (the teacher's 6Б maths is not listed).
    assert f"{a.teacher.full_name} — учитель: Русский язык; классный руководитель 6Б</option>" in new
    assert "классный руководитель 5А" in new and "Бета" not in new
    pupil = enter(a.pupil_user, a.host).get("/messages/new/").content.decode()
    assert "учитель: Русский язык" in pupil and cal.math.name in pupil
