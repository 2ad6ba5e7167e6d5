"""Seed 001's users have a first and a last name and a free-text gender; our customers have one name."""

# Spellings of our three genders; any other non-empty value (the original took free text) is "other".
GENDER_SPELLINGS = {
    "": "",
    "m": "male",
    "male": "male",
    "man": "male",
    "f": "female",
    "female": "female",
    "woman": "female",
}


def name_join(first_name: str, last_name: str) -> str:
    """``first_name last_name``, either may be blank."""
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part)


def name_split(name: str) -> tuple[str, str]:
    """The first word is the first name, the rest the last name (``Mary Ann Smith`` -> ``Mary``, ``Ann Smith``)."""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def gender_value(raw: str) -> str:
    return GENDER_SPELLINGS.get(raw.strip().lower(), "other")
