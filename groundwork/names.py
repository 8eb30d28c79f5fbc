"""People's names as a sentence needs them: «замена за Лебедеву О. М.». Declined with Petrovich
(the rules of Russian surnames, first names and patronymics); the gender is read from the
patronymic, else from the first name."""

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
