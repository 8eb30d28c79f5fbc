"""The one font every PDF uses (DejaVu Sans has Cyrillic; ReportLab's built-in fonts do not), and
the PDF/A marks of archived documents."""

import io
import struct
from pathlib import Path
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Table as ReportLabTable

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


class Table(ReportLabTable):
    """Every document's table: its rows may split across pages. A row holding a long typed text
    (a homework, a topic, a reason) is otherwise taller than a page, and the document cannot be
    made at all (ReportLab's LayoutError): a published report or a journal's copy must always print."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("splitInRow", 1)
        super().__init__(*args, **kwargs)


def render(story, *, title, pagesize=A4, margins=(10, 10, 10, 12), page_label=None):
    """A platypus story as PDF bytes; margins in mm (left, right, top, bottom). With `page_label`
    every page ends "<label>Страница N из M" (a bound copy's numbering). No timestamp or random id
    inside: the same content gives the same bytes (the archive's manifest relies on it)."""
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
    ).build(story, canvasmaker=canvas.Canvas if page_label is None else _numbered_canvas(page_label))
    return buffer.getvalue()


def _numbered_canvas(label):
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
                    self._pagesize[0] - 10 * mm, 6 * mm, f"{label}Страница {self._pageNumber} из {len(self._pages)}"
                )
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
