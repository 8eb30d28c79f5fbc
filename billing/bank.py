"""1C's bank exchange format (1CClientBankExchange, version 1.03): read a bank statement's
incoming payments; write payment orders a payer's accounting loads into its bank client."""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

HEADER = "1CClientBankExchange"
PAYMENT_FIELDS = ("Номер", "Дата", "Сумма", "ПлательщикИНН")  # a payment's fields we need


def _decode(content):
    """1C writes Windows-1251 (Кодировка=Windows) or DOS 866; some banks UTF-8 with a BOM."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        head = content[:400].decode("cp1251")
    except UnicodeDecodeError:
        head = ""
    return content.decode("cp866" if "Кодировка=DOS" in head else "cp1251", errors="strict")


def _date(text, where):
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise ValidationError(
            _("%(where)s: дата «%(text)s» не в формате ДД.ММ.ГГГГ.") % {"where": where, "text": text}
        ) from None


# What a payment's amount column holds: 12 digits of roubles and kopecks.
LARGEST = Decimal("999999999999.99")


def _amount(text, where):
    """Roubles and kopecks, more than nothing and no more than the record holds: not NaN, not
    1E+30, not sixteen digits."""
    shown = text[:40]
    try:
        amount = Decimal(text.strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError(
            _("%(where)s: сумма «%(shown)s» — не число.") % {"where": where, "shown": shown}
        ) from None
    if not amount.is_finite() or not Decimal(0) < amount <= LARGEST or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            _("%(where)s: сумма «%(shown)s» — не сумма в рублях с копейками (до %(LARGEST)s ₽).")
            % {"where": where, "shown": shown, "LARGEST": format(LARGEST, ",.2f")}
        )
    return amount.quantize(Decimal("0.01"))


def read_statement(content):
    """The statement's payments to us: [{number, date, amount, payer_inn, payer_name, purpose}].
    Anything malformed is refused as a whole, naming the document."""
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise ValidationError(_("Файл не в кодировке Windows-1251, DOS или UTF-8: это не выписка 1С.")) from None
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    if not lines or lines[0] != HEADER:
        raise ValidationError(
            _("Это не файл обмена с банком 1С: первая строка должна быть «%(HEADER)s».") % {"HEADER": HEADER}
        )
    if "КонецФайла" not in lines:
        raise ValidationError(_("Файл выписки оборван: нет строки «КонецФайла»."))
    ours = settings.BILLING_SUPPLIER["inn"]
    found, current = [], None
    for number, line in enumerate(lines, 1):
        if line.startswith("СекцияДокумент="):
            current = {"_line": number}
        elif line == "КонецДокумента":
            if current is None:
                raise ValidationError(
                    _("Строка %(number)s: «КонецДокумента» без начала документа.") % {"number": number}
                )
            found.append(current)
            current = None
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current[key] = value
    if current is not None:
        raise ValidationError(
            _("Документ со строки %(value)s не закончен («КонецДокумента»).") % {"value": current["_line"]}
        )
    payments = []
    for doc in found:
        where = _("Документ со строки %(value)s") % {"value": doc["_line"]}
        if doc.get("ПолучательИНН") != ours:
            continue  # not a payment to us (an outgoing one, or another account's)
        missing = [key for key in PAYMENT_FIELDS if not doc.get(key)]
        if missing:
            raise ValidationError(
                _("%(where)s: нет полей %(fields)s.") % {"where": where, "fields": ", ".join(missing)}
            )
        amount = _amount(doc["Сумма"], where)
        if not re.fullmatch(r"\d{10}|\d{12}", doc["ПлательщикИНН"]):
            raise ValidationError(
                _("%(where)s: ИНН плательщика «%(value)s» — не 10 и не 12 цифр.")
                % {"where": where, "value": doc["ПлательщикИНН"]}
            )
        payments.append(
            {
                "number": doc["Номер"][:20],
                "date": _date(doc.get("ДатаПоступило") or doc["Дата"], where),
                "amount": amount,
                "payer_inn": doc["ПлательщикИНН"],
                # Kept as long as the record holds them: a long name is no reason to refuse a statement.
                "payer_name": (doc.get("Плательщик1") or doc.get("Плательщик", ""))[:300],
                "purpose": doc.get("НазначениеПлатежа", "")[:500],
            }
        )
    return payments


def payment_orders(invoices, *, first_number=1, day=None):
    """Payment orders for the invoices, from their payer to us, in Windows-1251: the file a
    payer's accounting loads into its bank client (and, paid, comes back in our statement)."""
    day = day or timezone.localdate()
    us = settings.BILLING_SUPPLIER
    out = [
        HEADER,
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        "Отправитель=Электронный журнал",
        f"ДатаСоздания={day:%d.%m.%Y}",
        f"ДатаНачала={day:%d.%m.%Y}",
        f"ДатаКонца={day:%d.%m.%Y}",
        "Документ=Платежное поручение",
    ]
    for n, invoice in enumerate(invoices, first_number):
        payer = invoice.payer
        vat = f"В т.ч. НДС {invoice.vat:.2f} руб." if invoice.plan.vat_rate is not None else "Без НДС"
        out += [
            "СекцияДокумент=Платежное поручение",
            f"Номер={n}",
            f"Дата={day:%d.%m.%Y}",
            f"Сумма={invoice.owed:.2f}",
            f"ПлательщикСчет={payer.account}",
            f"ПлательщикИНН={payer.inn}",
            f"ПлательщикКПП={payer.kpp}",
            f"Плательщик1={payer.name}",
            f"ПлательщикБИК={payer.bik}",
            f"ПолучательСчет={us['account']}",
            f"ПолучательИНН={us['inn']}",
            f"ПолучательКПП={us['kpp']}",
            f"Получатель1={us['name']}",
            f"ПолучательБИК={us['bik']}",
            "ВидОплаты=01",
            "Очередность=5",
            f"НазначениеПлатежа=Оплата по счёту № {invoice.number} от {invoice.issued_on:%d.%m.%Y} "
            f"за услуги ЭЖ и ЭД. {vat}",
            "КонецДокумента",
        ]
    out.append("КонецФайла")
    return ("\r\n".join(out) + "\r\n").encode("cp1251")
