"""Names and words as a sentence needs them: «замена за Лебедеву О. М.» (people's names declined
with Petrovich, the rules of Russian surnames, first names and patronymics; the gender read from
the patronymic, else from the first name) and «3 журнала, 5 тем» (a word agreed with its number
by pymorphy3's dictionary)."""

from functools import cache

import pymorphy3
from petrovich.enums import Case, Gender
from petrovich.main import Petrovich

CASES = {
    "genitive": Case.GENITIVE,
    "dative": Case.DATIVE,
    "accusative": Case.ACCUSATIVE,
    "instrumental": Case.INSTRUMENTAL,
    "prepositional": Case.PREPOSITIONAL,
}
_petrovich = Petrovich()


def gender_of(first_name, middle_name=""):
    if middle_name.endswith(("вна", "чна", "шна", "кызы")):
        return Gender.FEMALE
    if middle_name.endswith(("вич", "ич", "оглы")):
        return Gender.MALE
    return (
        Gender.FEMALE
        if first_name.endswith(("а", "я")) and first_name not in ("Илья", "Никита", "Фома")
        else Gender.MALE
    )


def short_name_in(person, case):
    """«Лебедеву О. М.»: the surname declined, the initials as they are."""
    gender = gender_of(person.first_name, person.middle_name)
    last = _petrovich.lastname(person.last_name, CASES[case], gender) if person.last_name else ""
    initials = " ".join(f"{part[0]}." for part in (person.first_name, person.middle_name) if part)
    return f"{last} {initials}".strip()


@cache
def _morph():
    return pymorphy3.MorphAnalyzer()  # loads its dictionary once, on first use


def counted(number, word):
    """«1 журнал», «3 журнала», «5 журналов»: the word in the form its number asks for."""
    return f"{number} {_morph().parse(word)[0].make_agree_with_number(abs(number)).word}"
