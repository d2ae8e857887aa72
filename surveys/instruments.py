"""Survey instruments: question types, the built-in templates, and reading typed answers.

Pure Python. A question is a dict, stored as JSON in the instrument version it belongs to:

    {"code": "trygg_kvall", "type": "single", "text": "…",
     "options": [{"key": "1", "label": "Mycket trygg"}, …],
     "headline": ["3", "4", "5"],          # optional: the share reported as the indicator
     "headline_name": "Andel otrygga",     # optional: what that share is called
     "scores": {"1": 0, "2": 2, …},        # optional: points of an index (0–6 model)
     "index": "problem"}                    # optional: the index the scores add to

Answers are typed from paper the way a dialogue team reads a sheet: the option's number for a
choice (0 or nothing for no answer), the numbers run together for several choices ("135"),
the number itself, the text itself, or a landmark's name for a place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.text import is_odd

TYPES = ("single", "multi", "number", "text", "age_band", "gender", "area", "place")
CHOICE_TYPES = frozenset({"single", "age_band", "gender", "area"})
AGE_BANDS = ("16-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
GENDERS = (("kvinna", "Kvinna"), ("man", "Man"), ("annat", "Annat"))
TEXT_MAX = 2000
NO_ANSWER = frozenset({"", "0", "-"})
ODD_TEXT = "odd-text"  # an AnswerError: characters that are never stored (core.text)

Question = dict[str, Any]


class AnswerError(ValueError):
    """A typed answer that does not fit its question; the message is for the typist."""


def options(question: Question) -> list[dict[str, str]]:
    """The numbered options of a choice question, including the built-in demographic ones."""
    kind = question["type"]
    if kind == "age_band":
        return [{"key": band, "label": band} for band in AGE_BANDS]
    if kind == "gender":
        return [{"key": key, "label": label} for key, label in GENDERS]
    return list(question.get("options") or [])


def _choice(question: Question, typed: str) -> str:
    """The option key for a typed number (1-based) or a typed key or label."""
    choices = options(question)
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1]["key"]
    for choice in choices:
        if typed.casefold() in (choice["key"].casefold(), choice["label"].casefold()):
            return choice["key"]
    raise AnswerError(f"1–{len(choices)}")


def _multi(question: Question, typed: str) -> list[str]:
    if len(options(question)) <= 9 and re.fullmatch(r"[1-9]+", typed):
        parts = list(typed)
    else:
        parts = [p for p in re.split(r"[\s,;]+", typed) if p]
    return list(dict.fromkeys(_choice(question, part) for part in parts))


def _number(question: Question, typed: str) -> int:
    if not re.fullmatch(r"-?\d{1,9}", typed):
        raise AnswerError("number")
    value = int(typed)
    low, high = question.get("min"), question.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        raise AnswerError(f"{low}–{high}")
    return value


def _text(_question: Question, typed: str) -> str:
    if len(typed) > TEXT_MAX:
        raise AnswerError(f"max {TEXT_MAX}")
    return typed


_POINT = re.compile(r"(-?\d{1,3}\.\d+)\s*[,;\s]\s*(-?\d{1,3}\.\d+)")


PARTIAL_MIN = 3  # a shorter fragment of a landmark's name is not a guess worth making


def _landmark(typed: str, landmarks: dict[str, Any]) -> Any:
    """A landmark by its name, or by the start of one of its words ("Torpa" for "Torpa
    centrum") when exactly one landmark fits; AnswerError("ambiguous") when several do."""
    wanted = typed.casefold()
    if wanted in landmarks:
        return landmarks[wanted]
    if len(wanted) < PARTIAL_MIN:
        return None
    fits = [
        landmark
        for name, landmark in landmarks.items()
        if name.startswith(wanted) or any(word.startswith(wanted) for word in name.split())
    ]
    if len(fits) > 1:
        raise AnswerError("ambiguous")
    return fits[0] if fits else None


def _place(typed: str, landmarks: dict[str, Any], contains: Any) -> dict[str, Any]:
    """A landmark by name, or "lat, lon" (as a click on the entry screen's map writes it)."""
    found = _landmark(typed, landmarks)
    if found is not None:
        return {"landmark_id": found.id, "name": found.name, "lat": found.lat, "lon": found.lon}
    point = _POINT.fullmatch(typed)
    if point is None:
        raise AnswerError("place")
    lat, lon = float(point.group(1)), float(point.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (contains and not contains(lat, lon)):
        raise AnswerError("outside")
    return {"landmark_id": None, "name": f"{lat:.5f}, {lon:.5f}", "lat": lat, "lon": lon}


def parse_answer(
    question: Question, raw: str | None, landmarks: dict[str, Any], contains: Any = None
) -> Any:
    """The stored value of a typed answer, None for no answer; AnswerError if it cannot be.

    contains(lat, lon) tells whether a point typed for a place question is in the kommun.
    """
    typed = (raw or "").strip()
    if is_odd(typed):
        raise AnswerError(ODD_TEXT)
    if typed in NO_ANSWER:
        return None
    kind = question["type"]
    if kind in CHOICE_TYPES:
        return _choice(question, typed)
    if kind == "place":
        return _place(typed, landmarks, contains)
    readers = {"multi": _multi, "number": _number, "text": _text}
    if kind not in readers:
        raise AnswerError(kind)
    return readers[kind](question, typed)


def typed_form(question: Question, value: Any) -> str:
    """How a stored value is typed back into the entry screen (for editing a sheet)."""
    if value is None:
        return ""
    kind = question["type"]
    if kind in CHOICE_TYPES or kind == "multi":
        keys = [choice["key"] for choice in options(question)]
        values = value if isinstance(value, list) else [value]
        numbers = [str(keys.index(v) + 1) for v in values if v in keys]
        return ("" if len(keys) <= 9 else " ").join(numbers)
    if kind == "place":
        return str(value.get("name", ""))
    return str(value)


def label_of(question: Question, value: Any) -> str:
    """A stored value in words, for results and disagreements."""
    if value is None:
        return "–"
    if question["type"] in CHOICE_TYPES or question["type"] == "multi":
        labels = {c["key"]: c["label"] for c in options(question)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(str(labels.get(v, v)) for v in values)
    if question["type"] == "place":
        return str(value.get("name", ""))
    return str(value)


def headline_counts(question: Question) -> str:
    """What a headline share counts, in the options' words: "ganska otrygg + mycket otrygg"."""
    labels = {c["key"]: c["label"] for c in options(question)}
    words = [labels[key] for key in question.get("headline") or [] if key in labels]
    return " + ".join(word[:1].lower() + word[1:] for word in words)


def one_key(question: Question) -> bool:
    """Whether one digit answers the question (the entry screen moves on after it)."""
    return question["type"] in CHOICE_TYPES and len(options(question)) <= 9


PROBLEM_KINDS = ("none", "code", "twice", "type", "options")


def check_questions(questions: list[Question]) -> list[tuple[str, str]]:
    """What is wrong with a list of questions, as (question code, kind of problem) pairs.

    The kinds: "none" (no questions), "code" (not small letters, digits and _), "twice" (a
    code used twice), "type" (an unknown type), "options" (a choice with fewer than two).
    """
    problems = []
    codes = [q.get("code", "") for q in questions]
    if not questions:
        problems.append(("", "none"))
    for q in questions:
        code = q.get("code", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            problems.append((code, "code"))
        if codes.count(code) > 1:
            problems.append((code, "twice"))
        if q.get("type") not in TYPES:
            problems.append((code, "type"))
        if q.get("type") in {"single", "multi", "area"} and len(q.get("options") or []) < 2:
            problems.append((code, "options"))
    return sorted(set(problems))


def _scale(*labels: str) -> list[dict[str, str]]:
    return [{"key": str(i), "label": label} for i, label in enumerate(labels, start=1)]


_PROBLEM_SCALE = _scale(
    "Inte alls", "I liten utsträckning", "I ganska stor utsträckning", "I stor utsträckning"
)
# Index enligt modell: 0 (närmast obefintligt problem) … 6 (alarmerande påtagligt problem).
_PROBLEM_SCORES = {"1": 0, "2": 2, "3": 4, "4": 6}
_WORRY_SCALE = _scale("Aldrig", "Någon gång", "Ganska ofta", "Mycket ofta")
_YES_NO = _scale("Ja", "Nej")


def _problem(code: str, text: str) -> Question:
    return {
        "code": code,
        "type": "single",
        "text": text,
        "options": _PROBLEM_SCALE,
        "headline": ["4"],
        "headline_name": "Andel som ser ett stort problem",
        "scores": _PROBLEM_SCORES,
        "index": "problem",
    }


def _worry(code: str, text: str) -> Question:
    return {
        "code": code,
        "type": "single",
        "text": text,
        "options": _WORRY_SCALE,
        "headline": ["3", "4"],
        "headline_name": "Andel som oroar sig ofta",
    }


LOCAL_SAFETY_SURVEY: list[Question] = [
    {
        "code": "trygg_kvall",
        "type": "single",
        "text": "Om du går ut ensam sent en kväll i ditt eget bostadsområde, hur trygg eller "
        "otrygg känner du dig då?",
        "options": _scale(
            "Mycket trygg",
            "Ganska trygg",
            "Ganska otrygg",
            "Mycket otrygg",
            "Går ej ut på kvällen av oro för att utsättas för brott",
            "Går ej ut på kvällen av andra orsaker",
        ),
        "headline": ["3", "4", "5"],
        "headline_name": "Andel otrygga",
    },
    _worry("oro_misshandel", "Hur ofta oroar du dig för att bli överfallen eller misshandlad?"),
    _worry("oro_inbrott", "Hur ofta oroar du dig för inbrott i din bostad?"),
    _worry("oro_stold", "Hur ofta oroar du dig för att bli bestulen?"),
    {
        "code": "undvikit",
        "type": "single",
        "text": "Har du under det senaste året valt en annan väg eller avstått från en "
        "aktivitet för att du var orolig att utsättas för brott?",
        "options": _YES_NO,
        "headline": ["1"],
        "headline_name": "Andel som undvikit",
    },
    _problem("problem_skadegorelse", "Skadegörelse"),
    _problem("problem_klotter", "Klotter"),
    _problem("problem_fortkorning", "Fortkörning"),
    _problem("problem_storande_korning", "Störande körning (moped, MC, A-traktor)"),
    _problem("problem_paverkade", "Alkohol- eller drogpåverkade personer utomhus"),
    _problem("problem_gang", "Gäng som uppehåller sig i området"),
    _problem("problem_narkotika", "Öppen narkotikahandel"),
    {
        "code": "otrygg_plats",
        "type": "place",
        "text": "Finns det en plats där du känner dig otrygg? Var?",
    },
    {"code": "gora", "type": "text", "text": "Vad borde polisen och kommunen göra?"},
    {"code": "alder", "type": "age_band", "text": "Ålder"},
    {"code": "kon", "type": "gender", "text": "Kön"},
]

_RATING = _scale("0 – dåligt", "1", "2", "3 – bra")


def _rating(code: str, text: str) -> Question:
    return {"code": code, "type": "single", "text": text, "options": _RATING}


WALK_PROTOCOL: list[Question] = [
    _rating("belysning", "Belysning"),
    _rating("oppenhet", "Öppenhet, att se långt"),
    _rating("insyn", "Insyn, ögon på gatan"),
    _rating("manniskor", "Människor i rörelse"),
    _rating("gangvag", "Gångväg"),
    _rating("kollektivtrafik", "Närhet till kollektivtrafik"),
    {
        "code": "kansla",
        "type": "single",
        "text": "Hur känns platsen?",
        "options": _scale("Mycket trygg", "Ganska trygg", "Ganska otrygg", "Mycket otrygg"),
        "headline": ["3", "4"],
        "headline_name": "Andel otrygga",
    },
    {"code": "iakttagelser", "type": "text", "text": "Iakttagelser"},
]


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    description: str
    questions: list[Question]


TEMPLATES = {
    "lokal_trygghet": Template(
        "lokal_trygghet",
        "Lokal trygghetsenkät",
        "Trygghet sena kvällar, oro, undvikande och problem i området (som NTU och "
        "polisens trygghetsmätning; index enligt modell 0–6), en plats, ålder och kön.",
        LOCAL_SAFETY_SURVEY,
    ),
    "trygghetsvandring": Template(
        "trygghetsvandring",
        "Trygghetsvandring, per plats",
        "Betyg 0–3 på belysning, öppenhet, insyn, människor, gångväg och kollektivtrafik, "
        "och hur platsen känns.",
        WALK_PROTOCOL,
    ),
}
