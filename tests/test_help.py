"""Help inside the product (Регламент оказания помощи): a help page for every role and main page,
reached from the «?» of every page, and a question that lands in the school's ЭЖ administrator's
«Сообщения»."""

import re
from pathlib import Path

from django.conf import settings
from django_tenants.utils import schema_context

from accounts.models import Role
from diary.models import Thread
from guide.selectors import PAGES, ROLES, TEXTS, help_page
from notifications.models import Notification

HELP_LINK = re.compile(r'<a class="help" href="([^"]+)"')


def help_link(page):
    return HELP_LINK.search(page.content.decode()).group(1)


def test_every_role_and_main_page_has_its_help(enter):
    anyone = enter()
    assert {path.stem for path in TEXTS.glob("*.md")} == {*PAGES, *(role.value for role in Role)}
    for slug in [*PAGES, *ROLES]:
        page = anyone.get(f"/help/{slug}/")
        body = page.content.decode()
        assert page.status_code == 200 and "<h1>" in body and "<h2>" in body and "<ol>" in body, slug
    assert enter().get("/help/nothing/").status_code == 404


def test_the_question_mark_leads_to_the_pages_help_or_the_persons_role(world, enter, lesson):
    a = world.a
    teacher = enter(a.class_teacher, a.host)
    assert help_link(teacher.get(f"/lessons/{lesson.pk}/")) == "/help/lesson/"
    assert help_link(teacher.get("/")) == "/help/teacher/"  # a page without its own help
    assert help_link(enter(a.admin, a.host).get("/")) == "/help/school_admin/"
    assert help_link(enter(world.parent).get(f"/children/{a.school.slug}/{a.pupils[0].pk}/")) == "/help/diary/"
    assert help_link(enter(world.official).get("/district/reports/")) == "/help/district_official/"
    assert help_link(enter().get("/login/")) == "/help/"
    index = enter(world.parent).get("/help/").content.decode()
    assert index.index("Родителю") < index.index("Учителю")  # their own role first


def test_a_help_text_shows_no_markup_of_its_own():
    """A district edits the texts: raw HTML in them is shown as text, never run."""
    help_page.cache_clear()
    original = (TEXTS / "pupil.md").read_text(encoding="utf-8")
    try:
        (TEXTS / "pupil.md").write_text(original + '\n<script>alert(1)</script> <a href="javascript:x">x</a>\n')
        _, html = help_page("pupil")
        assert "<script>" not in html and "&lt;script&gt;" in html and 'href="javascript' not in html
    finally:
        (TEXTS / "pupil.md").write_text(original, encoding="utf-8")
        help_page.cache_clear()


def test_every_label_a_help_text_quotes_is_on_the_product_s_pages():
    """«Сохранить урок» in a help text is a button somewhere: a renamed one fails here."""
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for pattern in ("*/templates/**/*.html", "templates/*.html", "*/views*.py", "*/views/*.py", "*/services.py")
        for path in Path(settings.BASE_DIR).glob(pattern)
    ).lower()
    quoted = {label for path in TEXTS.glob("*.md") for label in re.findall(r"«([^»]+)»", path.read_text("utf-8"))}
    assert quoted and not [label for label in sorted(quoted) if label.lower() not in sources]


def test_every_help_text_has_its_english_and_quotes_the_english_pages_labels(settings, enter):
    """texts/en/ holds the same pages; a “label” it quotes is an English text of the catalogue
    (or another help page's title), so a label renamed in English fails here too."""
    assert {path.stem for path in (TEXTS / "en").glob("*.md")} == {path.stem for path in TEXTS.glob("*.md")}
    english = (Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    english += "\n".join(path.read_text(encoding="utf-8").splitlines()[0] for path in (TEXTS / "en").glob("*.md"))
    english = english.lower()
    quoted = {
        " ".join(label.split())
        for path in (TEXTS / "en").glob("*.md")
        for label in re.findall(r"“([^”]+)”", path.read_text("utf-8"))
    }
    assert len(quoted) > 40 and not [label for label in sorted(quoted) if label.lower() not in english]
    reader = enter()
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = reader.get("/help/teacher/").content.decode()
    assert "<h1>For a teacher</h1>" in page and "Save the lesson" in page
    assert "For a parent (guardian)" in reader.get("/help/").content.decode()


def test_a_teachers_question_lands_in_the_admins_messages_only_of_that_school(world, enter):
    a, b = world.a, world.b
    teacher = enter(a.teacher, a.host)
    form = teacher.get("/help/ask/?about=Страница урока").content.decode()
    assert 'name="text"' in form and "Страница урока" in form
    response = teacher.post("/help/ask/", {"about": "Страница урока", "text": "Не сохраняется файл к заданию"})
    assert response.status_code == 302
    with schema_context(a.school.schema_name):
        thread = Thread.objects.get(subject="Вопрос по работе в ЭЖ: Страница урока")
        assert {m.user_id for m in thread.members.all()} == {a.teacher.pk, a.admin.pk}
        assert Notification.objects.filter(recipient=a.admin, text__contains="вопрос по работе в ЭЖ").exists()
    admin = enter(a.admin, a.host)
    assert "Вопрос по работе в ЭЖ" in admin.get("/messages/").content.decode()
    assert "Не сохраняется файл" in admin.get(f"/messages/{thread.pk}/").content.decode()
    admin.post(f"/messages/{thread.pk}/", {"text": "Файл больше 10 МБ: уменьшите его."})
    assert "уменьшите" in teacher.get(f"/messages/{thread.pk}/").content.decode()
    assert "Вопрос по работе в ЭЖ" not in enter(b.admin, b.host).get("/messages/").content.decode()
    assert enter(b.admin, b.host).get(f"/messages/{thread.pk}/").status_code == 404


def test_a_parent_asks_about_a_child_and_reads_the_answer_on_the_portal(world, enter):
    a = world.a
    parent = enter(world.parent)
    form = parent.get("/help/ask/").content.decode()
    assert f'value="{a.school.slug}:{a.pupils[0].pk}"' in form
    # Another family's child is not a choice: the question is refused and nothing is sent.
    refused = parent.post("/help/ask/", {"child": f"{a.school.slug}:{a.pupils[2].pk}", "text": "Вопрос"}, follow=True)
    assert "Выберите, о каком ребёнке" in refused.content.decode()
    parent.post("/help/ask/", {"child": f"{a.school.slug}:{a.pupils[0].pk}", "text": "Не приходят уведомления"})
    with schema_context(a.school.schema_name):
        thread = Thread.objects.get(subject="Вопрос по работе в ЭЖ")
        assert thread.pupil_id == a.pupils[0].pk
        assert {m.user_id for m in thread.members.all()} == {world.parent.pk, a.admin.pk}
    assert "Вопрос по работе в ЭЖ" in parent.get("/messages/").content.decode()
    assert "Вопрос по работе в ЭЖ" not in enter(world.other_parent).get("/messages/").content.decode()


def test_an_empty_question_is_refused_in_russian_and_sends_nothing(world, enter):
    a = world.a
    page = enter(a.pupil_user, a.host).post("/help/ask/", {"text": "  "}, follow=True)
    assert re.search(
        r'<ul class="messages" role="status" aria-live="polite"><li class="error" role="alert">Опишите вопрос',
        page.content.decode(),
    )  # read out by a screen reader
    with schema_context(a.school.schema_name):
        assert not Thread.objects.filter(subject__startswith="Вопрос по работе").exists()


def test_the_districts_people_are_shown_their_operator(world, enter):
    page = enter(world.official).get("/help/ask/").content.decode()
    assert world.operator.full_name in page and 'name="text"' not in page
