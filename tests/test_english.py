"""The English interface is whole: every page of every role, at both addresses, read with the
language switch on English shows no Russian but the school's own data (names, subjects, class
letters); every text in the code and the templates is marked for translation; every marked text
has its English. A new untranslated string fails one of them (docs/english.md)."""

import ast
import re
import shutil
import subprocess
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, models, transaction
from django_tenants.utils import schema_context

from journal.models import ExamValue, FinalValue
from notifications.models import Notification

from .test_access_matrix import (
    PORTAL_PEOPLE,
    SCHOOL_PEOPLE,
    browsers,  # noqa: F401 (fixtures)
    cast,  # noqa: F401
    portal_get_cases,
    school_get_cases,
)
from .test_documents import pages_of

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES"
RUSSIAN = re.compile(r"[А-Яа-яЁё]+")

# Code whose Russian is not interface text, with the reason.
RUSSIAN_BY_DESIGN = {
    "demo/": "the demo district's people, schools and lessons: data",
    "deploy/": "stand-ins for the outside services",
    "config/": "settings: the supplier's requisites; a language's name in that language",
    "/management/commands/": "the operator's commands on the server",
    "journal/documents.py": "printed forms of the regulations (ведомость, табель): Russian documents; "
    "the headings the pages share are marked with gettext_noop and translated there",
    "billing/documents.py": "счёт, акт, the amount in words: accounting documents, in Russian",
    "journal/archive.py": "the year's archive: a record kept in Russian",
    "groundwork/names.py": "the grammar of Russian names",
    "journal/rulebook.py": "the rule book's summary for the README (English, with the regulations' terms)",
}
# Top-level names whose Russian is a file format or a stored code, not text to translate.
FORMATS = {
    "billing/bank.py": {"PAYMENT_FIELDS", "payment_orders"},  # 1С's exchange format
    "billing/services.py": {"INVOICE_NUMBER"},  # a pattern in a payment's purpose
    "groundwork/days.py": {"MONTHS", "OF_MONTHS", "date_in_words"},  # Russian month names, used when Russian
    "journal/imports.py": {"COLUMNS", "REQUIRED", "STAFF_ROLES", "DAYS", "CLASS_NAME"},  # the CSV's columns
    "journal/models.py": {"EXAM_FAILED"},  # stored codes of marks
    # marks' codes; the package's titles; the import's rows (a class, a pupil, a parent)
    "journal/oneroster.py": {"PASS_FAIL", "Package", "add_school", "contingent"},
    "journal/selectors.py": {"FAILING", "PASSING"},
}
MARKERS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# Calls whose first argument is data (a key, a prefix, a pattern); a default after it is text.
DATA_CALLS = {"get", "pop", "setdefault", "startswith", "endswith", "split", "strip", "index", "count"}
DATA_CALLS |= {"compile", "match", "search", "fullmatch", "sub", "findall", "finditer", "removeprefix"}
# Calls whose every argument is data: journal.imports._required names the columns a row must fill.
DATA_ARGS = {"replace", "_required"}


def _unmarked(path, tree):
    """Russian string literals of one module that are neither marked nor data: a docstring, a
    compared value, a key, a pattern, a stored choice's value, or a name of FORMATS."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = {
        node.body[0].value
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
        if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    formats = FORMATS.get(path, set())

    def is_data(node):
        child, parent = node, parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.Call):
                name = getattr(parent.func, "id", None) or getattr(parent.func, "attr", None)
                if name in MARKERS or (name in DATA_ARGS and child in parent.args):
                    return True
                if name in DATA_CALLS and parent.args and child is parent.args[0]:
                    return True
            if isinstance(parent, (ast.Compare, ast.Set, ast.FormattedValue)):
                return True
            if (isinstance(parent, ast.Subscript) and child is parent.slice) or (
                isinstance(parent, ast.Dict) and child in parent.keys
            ):
                return True
            if isinstance(parent, ast.Tuple) and len(parent.elts) == 2 and parent.elts[0] is child is node:
                if isinstance(parents.get(parent), (ast.List, ast.Tuple, ast.Assign)):
                    return True  # a choice's stored value: ("зч", _("зачёт"))
            if parents.get(parent) is tree:
                targets = getattr(parent, "targets", None) or [getattr(parent, "target", None)]
                named = {getattr(t, "id", None) for t in targets} | {getattr(parent, "name", None)}
                return bool(named & formats)
            child, parent = parent, parents.get(parent)
        return False

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and RUSSIAN.search(node.value):
            if node in docstrings or isinstance(parents.get(node), ast.JoinedStr) or is_data(node):
                continue
            if 'lang="ru"' not in node.value:  # a part marked Russian on purpose, as on the pages
                yield f"{path}:{node.lineno}: {node.value[:60]!r}"
        elif isinstance(node, ast.JoinedStr) and not is_data(node):
            if any(isinstance(v, ast.Constant) and RUSSIAN.search(v.value) for v in node.values):
                yield f"{path}:{node.lineno}: an f-string with Russian (a marked text with %(name)s instead)"


def test_every_russian_text_in_the_code_is_marked_for_translation():
    found = []
    for file in sorted(ROOT.glob("*/**/*.py")):
        path = file.relative_to(ROOT).as_posix()
        if path.split("/")[0] in ("tests", "bench", ".venv", "var") or "/migrations/" in path:
            continue
        if any(part in path or path.startswith(part) for part in RUSSIAN_BY_DESIGN):
            continue
        found += _unmarked(path, ast.parse(file.read_text()))
    assert not found, "Russian text not marked for translation:\n" + "\n".join(found)


def test_every_russian_text_in_the_templates_is_marked_for_translation():
    """Outside {% translate %}, {% blocktranslate %}, _("…") and comments a template holds no
    Russian, but for a part marked lang="ru" on purpose."""
    found = []
    for file in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" in file.parts:
            continue
        text = file.read_text()
        for marked in (
            r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}",
            r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}",
            r"{#.*?#}",
            r"{%\s*trans(?:late)?\s+(?:\"[^\"]*\"|'[^']*').*?%}",
            r"_\((?:\"[^\"]*\"|'[^']*')\)",
            r"<(\w+)[^>]*\blang=\"ru\"[^>]*>.*?</\1>",
        ):
            text = re.sub(marked, "", text, flags=re.S)
        found += [
            f"{file.relative_to(ROOT)}: {line.strip()[:80]}" for line in text.splitlines() if RUSSIAN.search(line)
        ]
    assert not found, "Russian in templates outside a translation:\n" + "\n".join(found)


def _entries(po_text):
    """(msgid, msgstr, fuzzy) of a .po file's entries, the header left out."""
    entries = []
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            keyword = re.match(r'(msgid_plural|msgid|msgstr(?:\[\d\])?|msgctxt) "', line)
            if keyword:
                current = keyword.group(1)
                fields[current] = ""
                line = line[len(current) + 1 :]
            if current:
                fields[current] += ast.literal_eval(line.strip())
        if fields.get("msgid"):
            strings = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((fields["msgid"], strings, fuzzy))
    return entries


def test_every_marked_text_has_its_english(tmp_path, settings, monkeypatch):
    """makemessages run afresh over the code and templates finds no text the committed
    catalogue lacks, none left fuzzy, none empty; and the compiled catalogue is the same."""
    # On copies: makemessages writes into the locale/ beside the files it reads, and a
    # template's text as a .py file beside the template while it reads it (which the test of
    # the code, on the other worker, would read). About 3 MB.
    source = tmp_path / "source"
    for part in ROOT.iterdir():
        if (
            part.is_dir()
            and part.name not in {"locale", "tests", "bench", "var", "docs"}
            and not part.name.startswith(".")
        ):
            shutil.copytree(part, source / part.name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    po = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"
    po.write_bytes((CATALOGUE / "django.po").read_bytes())
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["en"], verbosity=0)
    entries = _entries(po.read_text())
    assert len(entries) > 1000
    missing = [msgid for msgid, strings, fuzzy in entries if fuzzy or not all(strings)]
    assert not missing, f"{len(missing)} texts without English, e.g.: {missing[:10]}"
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        english = GNUTranslations(compiled)
    stale = [msgid for msgid, strings, _ in entries if "\x00" not in msgid and english.gettext(msgid) != strings[0]]
    assert not stale, f"django.mo is older than django.po (make messages): {stale[:5]}"


def test_the_catalogue_compiles_cleanly(tmp_path):
    """msgfmt --check: placeholders of every English text match the Russian's."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "x.mo"), str(CATALOGUE / "django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# --- The pages, read in English ----------------------------------------------------------------


def _data_words(world):
    """Every word of Russian stored in the test world's tables: names, subjects, class letters,
    topics. A page may show these in English; any other Russian word on it is untranslated."""
    words = set()
    for schema in ("public", world.a.school.schema_name, world.b.school.schema_name):
        with schema_context(schema):
            for model in apps.get_models():
                texts = [
                    f.name
                    for f in model._meta.concrete_fields
                    if isinstance(f, (models.CharField, models.TextField, models.JSONField))
                ]
                if not texts or model._meta.app_label in ("sessions", "admin"):
                    continue
                try:
                    with transaction.atomic():
                        rows = list(model.objects.values_list(*texts))
                except DatabaseError:  # a table of the other kind of schema
                    continue
                for row in rows:
                    words.update(w.lower() for value in row for w in RUSSIAN.findall(str(value)))
    return words


# The journal's own notation (зч, нз, н/а, осв., н/я), shown as it is written in the record,
# like "5"; the English help explains it.
MARK_CODES = [v for v, _ in FinalValue.choices + ExamValue.choices if not v.isdigit()] + ["н", "оп"]  # absent, late
MARK_CODES = "|".join(re.escape(code) for code in MARK_CODES)
MARK_CODES = rf"(?<!\w)(?:{MARK_CODES})(?!\w)"


def _visible_russian(html, data_words):
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # A part marked Russian on purpose (WCAG 3.1.2): an import file's column names, which the
    # file must carry in Russian, are shown so, and a screen reader reads them as Russian.
    text = re.sub(r"<(\w+)[^>]*\blang=\"ru\"[^>]*>.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*\blang=\"ru\"[^>]*>", " ", text)
    # What a person reads or hears: the text, and the attributes a browser shows or a screen
    # reader says (a button's value, not an option's: that is what the form sends).
    said = r"(?:title|alt|placeholder|aria-label|content)=\"([^\"]*)\""
    shown = re.sub(r"<[^>]*?\b" + said + r"[^>]*>", r" \1 ", text)
    shown = re.sub(r"<input[^>]*type=\"(?:submit|button)\"[^>]*value=\"([^\"]*)\"[^>]*>", r" \1 ", shown)
    shown = re.sub(r"<[^>]+>", " ", shown)
    shown = re.sub(r"\b[А-ЯЁ]\.", " ", shown)  # a name's initials (Родителева М.)
    shown = re.sub(MARK_CODES, " ", shown)
    return sorted({w for w in RUSSIAN.findall(shown) if w.lower() not in data_words})


# Pages whose content differs by role; any other page is read as the first person it serves.
EVERY_ROLE = {"/", "/help/", "/help/ask/", "/account/", "/messages/", "/messages/new/"}


def _pages(open_as, cases, people, host):
    for path, allowed in cases:
        readers = [who for who in people if who in allowed]
        for who in readers if path in EVERY_ROLE else readers[:1]:
            browser = open_as(who, host)
            browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            response = browser.get(path)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                yield who, path, response.content.decode()


@pytest.mark.parametrize("address", ["school", "portal"])
def test_every_page_of_every_role_reads_in_english(world, browsers, cast, address):  # noqa: F811
    _, objects = cast
    data_words = _data_words(world)
    if address == "school":
        pages = _pages(browsers, school_get_cases(objects), SCHOOL_PEOPLE, world.a.host)
    else:
        pages = _pages(browsers, portal_get_cases(objects, world), PORTAL_PEOPLE, "localhost")
    read, untranslated = 0, {}
    for who, path, html in pages:
        read += 1
        assert '<html lang="en"' in html, (who, path)
        for word in _visible_russian(html, data_words):
            untranslated.setdefault(word, f"{who} {path}")
    assert read > 40
    assert not untranslated, "Russian on English pages (word: first seen at):\n" + "\n".join(
        f"{word}: {where}" for word, where in sorted(untranslated.items())
    )


def test_a_printed_document_stays_russian_for_an_english_reader(world, enter, tmp_path):
    """The forms of the regulations are documents of the state language: the summary sheet a
    class teacher reading in English prints is the Russian one, its footer included."""
    a = world.a
    reader = enter(a.class_teacher, a.host)
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en"' in reader.get(f"/classes/{a.school_class.pk}/summary/").content.decode()
    text = "\n".join(pages_of(reader.get(f"/classes/{a.school_class.pk}/summary.pdf").content, tmp_path))
    assert "Сводная ведомость" in text and "Страница 1 из" in text and "Page" not in text


def test_a_notice_caused_by_a_teacher_reading_in_english_reaches_the_family_in_russian(world, enter, lesson):
    """The teacher's page is English and so is the refusal they get; the notice of the changed
    mark is the family's, and Russian."""
    a, cal = world.a, world.calendar_a
    teacher = enter(a.class_teacher, a.host)
    teacher.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    mark = {"lesson": lesson.pk, "pupil": a.pupils[0].pk, "value": "4", "work_type": cal.answer.pk}
    refused = teacher.post("/api/v1/marks/", {**mark, "value": "7"}, content_type="application/json")
    assert refused.status_code == 400 and "Mark: 5, 4, 3, 2, 1" in refused.content.decode()
    made = teacher.post("/api/v1/marks/", mark, content_type="application/json")
    changed = teacher.patch(f"/api/v1/marks/{made.json()['id']}/", {"value": "5"}, content_type="application/json")
    assert changed.status_code == 200
    with schema_context(a.school.schema_name):
        notice = Notification.objects.filter(recipient=world.parent, kind="mark").latest("pk")
    assert "отметка изменена с 4 на 5" in notice.text, notice.text
