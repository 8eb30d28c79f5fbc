"""The one font every PDF uses: DejaVu Sans has Cyrillic; ReportLab's built-in fonts do not."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PATHS = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/dejavu/DejaVuSans.ttf")]


def cyrillic_font():
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_PATHS if p.exists()), None)
        if path is None:
            raise ImproperlyConfigured(
                "Для PDF нужен шрифт DejaVu Sans с кириллицей: apt-get install fonts-dejavu-core."
            )
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(path)))
    return "DejaVuSans"
