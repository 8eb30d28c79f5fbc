"""The payer's documents: счёт на оплату and акт оказанных услуг (PDF), the invoice as XLSX, the
month's registry for the payer's accounting (CSV in UTF-8)."""

import csv
import io
from xml.sax.saxutils import escape

from django.conf import settings
from openpyxl import Workbook
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, TableStyle

from groundwork.days import date_in_words, month_name
from groundwork.pdf import Table, cyrillic_font, printed, render
from groundwork.spreadsheets import row as spreadsheet_row
from groundwork.spreadsheets import workbook_bytes

from .models import rub

UNITS = [
    ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
    ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"],
]
TEENS = "десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать".split()
TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]
ORDERS = [  # (forms for 1, 2–4, 5+), feminine
    (("рубль", "рубля", "рублей"), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
    (("миллиард", "миллиарда", "миллиардов"), False),
]


def _form(n, forms):
    if 11 <= n % 100 <= 14:
        return forms[2]
    return forms[0] if n % 10 == 1 else forms[1] if 2 <= n % 10 <= 4 else forms[2]


def in_words(amount):
    """Сумма прописью: 1234.50 → «Одна тысяча двести тридцать четыре рубля 50 копеек»."""
    rubles, kopecks = int(amount), int(round((amount - int(amount)) * 100))
    words, n = [], rubles
    for index, (forms, feminine) in enumerate(ORDERS):
        part, n = n % 1000, n // 1000
        if part or index == 0:
            chunk = [HUNDREDS[part // 100]]
            if 10 <= part % 100 <= 19:
                chunk.append(TEENS[part % 100 - 10])
            else:
                chunk += [TENS[part % 100 // 10], UNITS[feminine][part % 10]]
            words = [w for w in chunk if w] + [_form(part, forms)] + words
    if rubles == 0:
        words.insert(0, "ноль")
    text = " ".join(words)
    return f"{text[0].upper()}{text[1:]} {kopecks:02d} {_form(kopecks, ('копейка', 'копейки', 'копеек'))}"


def _party(label, name, inn, kpp, address, bank="", bik="", account="", corr=""):
    text = f"<b>{label}:</b> {escape(name)}, ИНН {inn}" + (f", КПП {kpp}" if kpp else "")
    if address:
        text += f", {escape(address)}"
    if account:
        text += f"; р/с {account} в {escape(bank)}, БИК {bik}" + (f", к/с {corr}" if corr else "")
    return text


def _vat_line(invoice):
    plan = invoice.plan
    if plan.vat_rate is None:
        return f"Без НДС ({plan.vat_note})" if plan.vat_note else "Без НДС"
    return f"В том числе НДС {plan.vat_rate}%: {rub(invoice.vat)} ₽"


def payment_code(invoice):
    """The payment's details as bank apps read them from a QR code (ГОСТ Р 56042-2014: "ST0001",
    "2" for UTF-8, then Key=value pairs joined by "|", the sum in kopecks)."""
    us = settings.BILLING_SUPPLIER
    fields = {
        "Name": us["name"],
        "PersonalAcc": us["account"],
        "BankName": us["bank"],
        "BIC": us["bik"],
        "CorrespAcc": us["correspondent_account"],
        "PayeeINN": us["inn"],
        "KPP": us["kpp"],
        "Sum": str(int(round(invoice.total * 100))),
        "Purpose": f"Оплата по счёту № {invoice.number} от {invoice.issued_on:%d.%m.%Y}. {_vat_line(invoice)}",
        "PayerINN": invoice.payer.inn,
    }
    return "ST00012|" + "|".join(f"{key}={str(value).replace('|', ' ')}" for key, value in fields.items() if value)


def _qr(payload, size=30 * mm):
    widget = QrCodeWidget(payload, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    return drawing


def _bank_block(font):
    """The head of a Russian invoice: the payee's bank, its BIC and account, the payee's INN, KPP,
    account and name, in the usual grid."""
    us = settings.BILLING_SUPPLIER
    small = ParagraphStyle("b", fontName=font, fontSize=8, leading=10)
    rows = [
        [Paragraph(escape(us["bank"]), small), "БИК", us["bik"]],
        [Paragraph("Банк получателя", small), "Сч. №", us["correspondent_account"]],
        [f"ИНН {us['inn']}    КПП {us['kpp']}", "Сч. №", us["account"]],
        [Paragraph(escape(us["name"]), small), "", ""],
        [Paragraph("Получатель", small), "", ""],
    ]
    return Table(
        rows,
        colWidths=[80 * mm, 15 * mm, 50 * mm],
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8),
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("LINEAFTER", (0, 0), (1, -1), 0.4, colors.black),
                ("LINEBELOW", (0, 1), (-1, 1), 0.4, colors.black),
                ("LINEBELOW", (0, 2), (-1, 2), 0.4, colors.black),
                ("LINEBELOW", (1, 0), (-1, 0), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        ),
    )


@printed
def invoice_pdf(invoice, *, act=False):
    """The invoice (счёт на оплату) in the usual form — the payee's bank details on top, a QR
    code bank apps pay from — or, with `act`, the act of services rendered, on A4."""
    font = cyrillic_font()
    text = ParagraphStyle("t", fontName=font, fontSize=9, leading=12)
    title = ParagraphStyle("h", parent=text, fontSize=13, leading=17, spaceAfter=6)
    us, payer = settings.BILLING_SUPPLIER, invoice.payer
    if invoice.kind == invoice.Kind.CREDIT_NOTE:
        heading = f"Корректировочный документ № {invoice.number} от {invoice.issued_on:%d.%m.%Y} к счёту № {invoice.corrects.number}"
    elif act:
        heading = f"Акт оказанных услуг № {invoice.number} от {date_in_words(invoice.issued_on)}"
    else:
        heading = f"Счёт на оплату № {invoice.number} от {invoice.issued_on:%d.%m.%Y}"
    if invoice.kind == invoice.Kind.INVOICE and not act:
        heading = f"Счёт на оплату № {invoice.number} от {date_in_words(invoice.issued_on)}"
    story = []
    if invoice.kind == invoice.Kind.INVOICE and not act:
        code = Table(
            [[_bank_block(font), _qr(payment_code(invoice))]],
            colWidths=[147 * mm, 36 * mm],  # within the sheet's 185 mm
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]),
            hAlign="LEFT",
        )
        story += [
            code,
            Paragraph(
                "QR-код для оплаты в приложении банка (ГОСТ Р 56042-2014)", ParagraphStyle("q", parent=text, fontSize=7)
            ),
            Spacer(1, 4 * mm),
        ]
    story += [
        Paragraph(escape(heading), title),
        Paragraph(
            _party(
                "Исполнитель",
                us["name"],
                us["inn"],
                us["kpp"],
                us["address"],
                us["bank"],
                us["bik"],
                us["account"],
                us["correspondent_account"],
            ),
            text,
        ),
        Paragraph(
            _party("Заказчик", payer.name, payer.inn, payer.kpp, payer.address, payer.bank, payer.bik, payer.account),
            text,
        ),
        Paragraph(escape(f"Основание: договор {invoice.contract}. Период: {month_name(invoice.month)}."), text),
        Spacer(1, 4 * mm),
    ]
    head = ["№", "Услуга", "Кол-во", "Ед.", "Цена, ₽", "Сумма, ₽"]
    rows = [
        [
            str(n),
            Paragraph(escape(line.description), text),
            f"{line.quantity:.2f}".replace(".", ","),
            line.unit,
            rub(line.price),
            rub(line.amount),
        ]
        for n, line in enumerate(invoice.lines.all(), 1)
    ]
    table = Table(
        [head, *rows],
        colWidths=[8 * mm, 95 * mm, 18 * mm, 18 * mm, 20 * mm, 25 * mm],
        repeatRows=1,
        style=TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
            ]
        ),
    )
    story += [
        table,
        Spacer(1, 3 * mm),
        Paragraph(f"Итого: {rub(invoice.total)} ₽. {escape(_vat_line(invoice))}.", text),
        Paragraph(
            f"Всего {'оказано услуг' if act else 'наименований'} {len(rows)}, на сумму {rub(invoice.total)} руб.", text
        ),
        Paragraph(
            f"Всего {'к оплате' if not act else 'оказано услуг на сумму'}: {escape(in_words(abs(invoice.total)))}.",
            text,
        ),
    ]
    if invoice.kind == invoice.Kind.INVOICE and not act:
        story.append(
            Paragraph(f"Оплатить до {invoice.due_on:%d.%m.%Y}. В назначении платежа укажите номер счёта.", text)
        )
    if act:
        story += [
            Paragraph(
                "Услуги оказаны полностью и в срок. Заказчик претензий по объёму, качеству и срокам не имеет.", text
            ),
            Spacer(1, 12 * mm),
            Paragraph(
                "Исполнитель ____________________ / ____________ /          Заказчик ____________________ / ____________ /",
                text,
            ),
            Spacer(1, 4 * mm),
            Paragraph(
                "М. П.                                                                                   М. П.", text
            ),
        ]
    else:
        story += [
            Spacer(1, 12 * mm),
            Paragraph("Руководитель ____________________          Бухгалтер ____________________", text),
        ]
    return render(story, title=heading, margins=(15, 10, 12, 12))


def invoice_xlsx(invoice):
    book = Workbook()
    sheet = book.active
    sheet.title = f"Счёт {invoice.number}"
    sheet.append(
        spreadsheet_row(
            [str(invoice), invoice.payer.name, f"ИНН {invoice.payer.inn}", f"за {month_name(invoice.month)}"]
        )
    )
    sheet.append(["№", "Услуга", "Количество", "Единица", "Цена", "Сумма"])
    for n, line in enumerate(invoice.lines.all(), 1):
        sheet.append(spreadsheet_row([n, line.description, line.quantity, line.unit, line.price, line.amount]))
    sheet.append(["", "Итого", "", "", "", invoice.total])
    sheet.append(["", _vat_line(invoice), "", "", "", invoice.vat])
    return workbook_bytes(book)


REGISTRY_HEAD = [
    "Вид",
    "Номер",
    "Дата",
    "Период",
    "Плательщик",
    "ИНН",
    "КПП",
    "Договор",
    "Сумма без НДС",
    "НДС",
    "Всего",
    "Срок оплаты",
    "К счёту",
]


def registry_csv(invoices):
    """One row per document: what the payer's accounting system loads (UTF-8, «;»)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(REGISTRY_HEAD)
    for invoice in invoices:
        writer.writerow(
            spreadsheet_row(
                [
                    invoice.get_kind_display(),
                    invoice.number,
                    f"{invoice.issued_on:%d.%m.%Y}",
                    f"{invoice.month:%m.%Y}",
                    invoice.payer.name,
                    invoice.payer.inn,
                    invoice.payer.kpp,
                    str(invoice.contract),
                    f"{invoice.net:.2f}".replace(".", ","),
                    f"{invoice.vat:.2f}".replace(".", ","),
                    f"{invoice.total:.2f}".replace(".", ","),
                    f"{invoice.due_on:%d.%m.%Y}",
                    invoice.corrects.number if invoice.corrects_id else "",
                ]
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
