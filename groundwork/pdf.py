"""The one font every PDF uses (DejaVu Sans has Cyrillic; ReportLab's built-in fonts do not), and
the PDF/A marks of archived documents."""

import functools
import io
import re
import struct
from decimal import Decimal
from html import unescape
from pathlib import Path
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate
from reportlab.platypus import Table as ReportLabTable

from .language import in_russian

FONT_PATHS = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/dejavu/DejaVuSans.ttf")]


def cyrillic_font():
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_PATHS if p.exists()), None)
        if path is None:
            raise ImproperlyConfigured(
                _("Для PDF нужен шрифт DejaVu Sans с кириллицей: apt-get install fonts-dejavu-core.")
            )
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(path)))
    return "DejaVuSans"


def number(value):
    """A number as a Russian document writes it: a decimal comma and thin spaces between
    thousands (12 345,6); other values as they are."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    grouped = abs(value) >= 10000  # four digits stay together (2026, 1500)
    return (f"{value:,}" if grouped else f"{value}").replace(",", "\u202f").replace(".", ",")


class Table(ReportLabTable):
    """Every document's table: its rows may split across pages (a row holding a long typed text is
    otherwise taller than a page, and the document cannot be made at all: ReportLab's
    LayoutError); numbers are written with a decimal comma; a wrapped cell (a Paragraph) breaks
    between words, never inside one: where a cell's longest word is wider than its column, that
    cell's type gets smaller until it fits (a heading of «Обучающихся» in a narrow column)."""

    def __init__(self, data, colWidths=None, *args, **kwargs):  # noqa: N803 (ReportLab's name)
        kwargs.setdefault("splitInRow", 1)
        data = [[number(cell) for cell in row] for row in data]
        if colWidths is not None:
            padding = _padding(kwargs.get("style"))
            data = [
                [_fitted(cell, width, padding) for cell, width in zip(row, colWidths, strict=False)] for row in data
            ]
        super().__init__(data, colWidths, *args, **kwargs)


def _padding(style):
    """The cells' left and right padding the table's style sets for every cell (ReportLab's 6 and 6
    unless it says otherwise), and a point to spare."""
    sides = {"LEFTPADDING": 6, "RIGHTPADDING": 6}
    for command in getattr(style, "getCommands", lambda: [])():
        if command[0] in sides and command[1] == (0, 0) and command[2] == (-1, -1):
            sides[command[0]] = command[3]
    return sum(sides.values()) + 1


def _fitted(cell, width, padding):
    if not isinstance(cell, Paragraph) or width is None or not isinstance(width, int | float):
        return cell
    style = cell.style
    words = re.sub(r"<[^>]+>", " ", cell.text).split()
    if not words:
        return cell
    widest = max(stringWidth(unescape(word), style.fontName, style.fontSize) for word in words)
    room = width - padding
    if widest <= room:
        return cell
    size = max(4.5, style.fontSize * room / widest)
    smaller = ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size, leading=size * 1.15)
    return Paragraph(cell.text, smaller)


def printed(build):
    """A printed document (a form of the regulations, a report handed to a family or the
    district) is in the product's language, Russian, whatever language the page that asked for
    it is read in."""

    @functools.wraps(build)
    def built_in_russian(*args, **kwargs):
        with in_russian():
            return build(*args, **kwargs)

    return built_in_russian


def render(story, *, title, pagesize=A4, margins=(10, 10, 10, 12), page_label="", school="", author=""):
    """A platypus story as PDF bytes; margins in mm (left, right, top, bottom). Every page is framed
    the same way: above, the school and the document's title, and who made it (`author`, when a
    person did); below, "<page_label>Страница N из M". No timestamp or random id inside: the same
    content gives the same bytes (the archive's manifest relies on it)."""
    left, right, top, bottom = (m * mm for m in margins)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        invariant=True,
    ).build(story, canvasmaker=_numbered_canvas(page_label, " — ".join(filter(None, [school, title])), author))
    return buffer.getvalue()


def _numbered_canvas(label, heading="", author=""):
    class NumberedCanvas(canvas.Canvas):
        """Keeps each page until the end, when the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(cyrillic_font(), 8)
                self.drawRightString(
                    self._pagesize[0] - 10 * mm,
                    6 * mm,
                    _("%(label)sСтраница %(page)s из %(pages)s")
                    % {"label": label, "page": self._pageNumber, "pages": len(self._pages)},
                )
                if heading or author:  # the frame's head, on every page but in the margin
                    width, top = self._pagesize[0], self._pagesize[1] - 6 * mm
                    self.setFont(cyrillic_font(), 7)
                    self.setFillGray(0.35)
                    self.drawString(10 * mm, top, heading[:150])
                    if author:
                        self.drawRightString(width - 10 * mm, top, _("Сформировал(а): %(author)s") % {"author": author})
                    self.setFillGray(0)
                super().showPage()
            super().save()

    return NumberedCanvas


def as_pdfa(data, *, title, dated):
    """The PDF marked as PDF/A-2b for the archive: XMP identification, an sRGB output intent, the
    dates fixed to `dated` (so the same records give the same bytes). ReportLab already embeds
    the fonts (subsets) and uses neither transparency nor encryption. Not checked by a validator
    here (veraPDF is not installable on these machines)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    stamp = f"D:{dated:%Y%m%d}000000+00'00'"
    iso = f"{dated:%Y-%m-%d}T00:00:00+00:00"
    writer.add_metadata({"/Title": title, "/CreationDate": stamp, "/ModDate": stamp, "/Producer": "ReportLab"})
    profile = StreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(profile),
        }
    )
    xmp = StreamObject()
    xmp.set_data(XMP.format(title=escape(title), date=iso).encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def srgb_profile():
    """LittleCMS's sRGB profile with its creation time fixed (ICC header bytes 24–35) and no
    profile id (bytes 84–99, zero means "not computed"): the same bytes on every export."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
    data[84:100] = bytes(16)
    return bytes(data)


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
<dc:format>application/pdf</dc:format>
<xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate>
<pdf:Producer>ReportLab</pdf:Producer>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""
