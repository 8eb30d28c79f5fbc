"""Files people upload (homework, message attachments): one rule for what is taken. Documents,
tables, presentations and images only: nothing a browser would run (no HTML, no SVG). Files are
stored under a random name and served as attachments, after an access check."""

from django.core.exceptions import ValidationError

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
            {field: f"Файл «{upload.name}»: допустимы документы, таблицы, презентации и изображения."}
        )
    if upload.size > max_mb * 1024 * 1024:
        raise ValidationError({field: f"Файл «{upload.name}» больше {max_mb} МБ."})
    return extension
