"""Typed text as the records keep it."""


def one_line(text, limit=None):
    """The words of a typed text on one line, single-spaced (None as empty), cut to `limit`."""
    squeezed = " ".join((text or "").split())
    return squeezed if limit is None else squeezed[:limit]
