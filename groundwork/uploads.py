"""Files people upload (homework, message attachments): one rule for what is taken. Documents,
tables, presentations and images only: nothing a browser would run (no HTML, no SVG). Files are
stored under a random name and served as attachments, after an access check."""

import threading

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

FILE_TYPES = {
    "pdf",
    "doc",
    "docx",
    "odt",
    "rtf",
    "txt",
    "xls",
    "xlsx",
    "ods",
    "ppt",
    "pptx",
    "odp",
    "jpg",
    "jpeg",
    "png",
}


def check_upload(upload, *, field, max_mb):
    """The upload's extension, or a refusal naming the file (beside `field` on the form)."""
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in FILE_TYPES:
        raise ValidationError(
            {
                field: _("Файл «%(name)s»: допустимы документы, таблицы, презентации и изображения.")
                % {"name": upload.name}
            }
        )
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError(
            {field: _("Файл «%(name)s» больше %(max_mb)s МБ.") % {"name": upload.name, "max_mb": max_mb}}
        )
    return extension


_uncommitted = threading.local()


def store(name, content):
    """Saves a file a row of this transaction will name. Storage is not transactional: if the
    transaction (or the savepoint around the row) rolls back, the file is removed once the
    outermost transaction is over (UncommittedFilesMiddleware, after each request), so no upload
    outlives a record that was never written."""
    stored = default_storage.save(name, content)
    if transaction.get_connection().in_atomic_block:
        names = _uncommitted.__dict__.setdefault("names", set())
        names.add(stored)
        transaction.on_commit(lambda: names.discard(stored))  # dropped by a rollback, so the name stays
    return stored


def remove_uncommitted():
    if transaction.get_connection().in_atomic_block:
        return  # still inside the outermost transaction (a test's): its end decides
    for name in _uncommitted.__dict__.pop("names", ()):
        default_storage.delete(name)


class UncommittedFilesMiddleware:
    """After the view's transaction (ATOMIC_REQUESTS wraps only the view) has committed or not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            remove_uncommitted()
