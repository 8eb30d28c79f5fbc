"""Warnings on a school's card in the district console that other apps know of (billing: a school
no contract covers). The apps register them in their AppConfig.ready, so `tenants` imports none."""

WARNINGS = []


def register(warning):
    """`warning(school)` runs in public and returns a sentence for the operator, or None."""
    WARNINGS.append(warning)
    return warning


def warnings_of(school):
    return [text for text in (warning(school) for warning in WARNINGS) if text]
