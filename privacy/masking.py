"""Mask personal details in residents' free text before staff lists show it.

Pure Python, no Flask. What is masked (DOMAIN.md, section 4): personnummer and
samordningsnummer, Swedish phone numbers, e-mail addresses and Swedish number plates. Names
cannot be found reliably by patterns, so :func:`may_name_person` only *flags* text for a
coordinator to read with care; it masks nothing.

Limits, on purpose:
- Masking errs on the side of hiding: a ten-digit number that passes the Luhn check is taken
  for a personnummer, any other ten digits starting with 0 for a phone number.
- Number plates are matched in capitals ("ABC 123", "ABC 12A") or written together in any case
  ("abc123"); "abc 123" in lower case is too close to ordinary words followed by numbers.
- Foreign phone numbers other than +46 and numbers split by dots are not recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERSONNUMMER = "personnummer"
PHONE = "telefonnummer"
EMAIL = "e-post"
PLATE = "registreringsnummer"

PLACEHOLDERS = {
    PERSONNUMMER: "[personnummer]",
    PHONE: "[telefonnummer]",
    EMAIL: "[e-post]",
    PLATE: "[registreringsnummer]",
}

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

# Day 01-31, or 61-91 for a samordningsnummer.
_DAY = r"(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
_PERSONNUMMER = re.compile(
    rf"(?<![\d+-])(?P<century>19|20)?(?P<date>\d{{2}}{_MONTH}{_DAY})"
    rf"(?P<sep>[-+]|\s)?(?P<tail>\d{{4}})(?!\d)"
)

# +46 / 0046 / 0, then an area code or 7x for mobiles, 7-9 more digits with spaces or dashes.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+46|0046)[\s-]?(?:\(0\)[\s-]?)?[1-9](?:[\s-]?\d){6,8}(?!\d)"
    r"|(?<![\w+])0[1-9](?:[\s-]?\d){6,8}(?!\d)"
)

# Three letters (not I, Q, V, Å, Ä, Ö), two digits and a digit or a letter (not O).
_PLATE = re.compile(
    r"(?<![\w])(?:[A-HJ-PR-UW-Z]{3}[ ]?\d{2}[\dA-HJ-NP-UW-Z]"
    r"|(?i:[a-hj-pr-uw-z]{3}\d{2}[\da-hj-np-uw-z]))(?!\w)"
)


@dataclass(frozen=True)
class Masked:
    """Masked text and the kinds of details that were found in it (in order, unique)."""

    text: str
    kinds: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def luhn_ok(digits: str) -> bool:
    """The control digit of a ten-digit personnummer (YYMMDDNNNC)."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _is_personnummer(match: re.Match[str]) -> bool:
    # With a century or a separator it is written as a personnummer; bare ten digits
    # are one only when the control digit adds up (otherwise they are likely a phone number).
    if match.group("century") or match.group("sep") in {"-", "+"}:
        return True
    return luhn_ok(match.group("date") + match.group("tail"))


def mask(text: str | None) -> Masked:
    """Replace personal details by placeholders such as "[telefonnummer]"."""
    if not text:
        return Masked("", ())
    found: list[str] = []

    def replace(kind: str) -> str:
        if kind not in found:
            found.append(kind)
        return PLACEHOLDERS[kind]

    text = _EMAIL.sub(lambda _m: replace(EMAIL), text)
    text = _PERSONNUMMER.sub(
        lambda m: replace(PERSONNUMMER) if _is_personnummer(m) else m.group(0), text
    )
    text = _PHONE.sub(lambda _m: replace(PHONE), text)
    text = _PLATE.sub(lambda _m: replace(PLATE), text)
    return Masked(text, tuple(found))


# --- names ------------------------------------------------------------------------------

_CUES = re.compile(
    r"\b(?:heter|hette|kallas|kallad|kallade|känd som|vet vem|vet vad (?:han|hon) heter"
    r"|han som|hon som|killen som|tjejen som|mannen som|kvinnan som|snubben som"
    r"|sonen till|dottern till)\b",
    re.IGNORECASE,
)
# "familjen Svensson", "grannen Kalle": a relation followed by a capitalised word.
_RELATION_NAME = re.compile(r"\b(?:[Ff]amiljen|[Gg]rannen|[Kk]illen|[Tt]jejen) [A-ZÅÄÖ][a-zåäö]+")
_CAPITALISED_PAIR = re.compile(
    r"(?<![\w-])([A-ZÅÄÖÉ][a-zåäöéüß]+(?:-[A-ZÅÄÖÉ][a-zåäöéüß]+)?)"
    r"\s+([A-ZÅÄÖÉ][a-zåäöéüß]+(?:-[A-ZÅÄÖÉ][a-zåäöéüß]+)?)(?![\w-])"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"”“(]\s*)$")

# Words that are capitalised at the start of a sentence or that start names of places and
# organisations rather than of people.
_NOT_FIRST_NAMES = frozenset(
    """
    jag du han hon hen vi ni de den det där här när som och men eller att om på i vid
    utanför bakom framför mellan nära efter under över från till mot genom runt bland
    på sedan innan alla många några ingen inga varje hela mycket ofta ibland alltid aldrig
    kvällar nätter helger dessutom också tyska ett en min mitt mina vår vårt våra
    måndag tisdag onsdag torsdag fredag lördag söndag
    januari februari mars april maj juni juli augusti september oktober november december
    stora lilla östra västra norra södra nya gamla övre nedre sankt s:t
    polisen kommunen region kommun polis ica coop willys lidl hemköp pressbyrån
    """.split()
)
_PLACE_WORDS = frozenset(
    """
    torget torg gatan gata vägen väg parken park centrum station stationen skolan skola
    kyrkan kyrka hallen hall plan platsen gården bron hamnen hamn backe backen allé
    resecentrum centralstation busstation köpcentrum skogen ängen sjön ån kommun län
    """.split()
)


def may_name_person(text: str | None) -> bool:
    """Flag text that may name a person, for a coordinator to check before sharing it.

    A heuristic with known limits: it looks for phrases such as "heter" or "han som" and for
    two capitalised words in a row (a first and a last name) that are not a common word at the
    start of a sentence or the name of a place ("Stora Torget"). It misses a first name on its
    own and names written in lower case, and it flags two-word names of places it does not
    know. It never masks anything: names must be judged by a person.
    """
    if not text:
        return False
    if _CUES.search(text) or _RELATION_NAME.search(text):
        return True
    for match in _CAPITALISED_PAIR.finditer(text):
        first, second = match.group(1), match.group(2)
        if first.lower() in _NOT_FIRST_NAMES or second.lower() in _PLACE_WORDS:
            continue
        if second.lower() in _NOT_FIRST_NAMES:
            continue
        at_start = bool(_SENTENCE_START.search(text[: match.start()]))
        if at_start and len(first) <= 3:
            continue  # short capitalised words at a sentence start are seldom names
        return True
    return False
