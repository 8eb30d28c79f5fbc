"""The help pages (справка): Markdown files in guide/texts/, one per role and one per main page,
which a district edits without touching the code. Rendered as CommonMark with raw HTML off, so a
text can hold no script or markup of its own."""

from functools import cache
from pathlib import Path

from django.http import Http404
from django.utils.translation import get_language
from markdown_it import MarkdownIt

from accounts.models import Role

TEXTS = Path(__file__).resolve().parent / "texts"
PAGES = {  # the main pages' help, by the name of their routes (the «?» in the header leads there)
    "lesson": ("lesson",),
    "journal": ("journal", "journal_list"),
    "diary": ("child", "child_marks", "child_attendance", "diary", "diary_marks", "diary_attendance"),
    "messages": ("messages", "message_new", "thread"),
    "quality": ("quality", "quality_school", "quality_school_month", "control"),
    "billing": ("billing", "billing_payer", "billing_invoices", "billing_payments", "billing_plans"),
}
OF_ROUTE = {route: page for page, routes in PAGES.items() for route in routes}
# A person with several roles reads the first of theirs in this order.
ROLES = [
    Role.TEACHER,
    Role.CLASS_TEACHER,
    Role.DEPUTY,
    Role.DIRECTOR,
    Role.SCHOOL_ADMIN,
    Role.CLERK,
    Role.PUPIL,
    Role.PARENT,
    Role.DISTRICT_OFFICIAL,
    Role.DISTRICT_OPERATOR,
]

_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})


@cache
def help_page(slug, language="ru"):
    """(title, HTML) of a help page in a language: Russian in texts/, another in texts/<code>/ (the
    Russian one while a district has not written it); an unknown one is a 404 (kept per process:
    the files are the release's)."""
    if slug not in {*PAGES, *ROLES}:
        raise Http404
    path = TEXTS / language / f"{slug}.md"
    text = (path if language != "ru" and path.exists() else TEXTS / f"{slug}.md").read_text(encoding="utf-8")
    title = text.splitlines()[0].lstrip("# ").strip()
    return title, _markdown.render(text)


def help_for(route, roles):
    """The help page for a page (by its route's name), else for the person's first role."""
    if route in OF_ROUTE:
        return OF_ROUTE[route]
    return next((role.value for role in ROLES if role in roles), None)


def contents(roles):
    """The index: the person's roles first, then every role's page and every main page's."""
    own = [role.value for role in ROLES if role in roles]
    language = get_language()
    return {
        "own": [(slug, help_page(slug, language)[0]) for slug in own],
        "roles": [(role.value, help_page(role.value, language)[0]) for role in ROLES if role.value not in own],
        "pages": [(slug, help_page(slug, language)[0]) for slug in PAGES],
    }
