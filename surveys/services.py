"""Instruments, sheets, double entry, results and CSV. Services flush; views commit."""

from __future__ import annotations

import copy
import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import LOCAL_ZONE, now
from core.text import is_odd
from feedback.models import Report
from feedback.services import ReportInput, insert_report
from kommun.models import Kommun, Landmark
from kommun.services import mark_hotspots_stale
from paper import codes
from privacy.masking import mask
from surveys import instruments
from surveys.instruments import AnswerError, Question
from surveys.models import (
    DialogueSession,
    Instrument,
    InstrumentVersion,
    PrintedSheet,
    SheetResponse,
)
from surveys.stats import Estimate, mean, share


class SurveyError(ValueError):
    """Something that cannot be done; the message is for the person doing it."""


class QuestionsError(SurveyError):
    """Questions that cannot be saved: (code, kind) pairs from instruments.check_questions."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{code}: {kind}" for code, kind in problems))
        self.problems = problems


class SameTypistError(SurveyError):
    """One person would make both entries of a sheet: the control entry must be someone else's."""


class CsvError(SurveyError):
    """A file that cannot be read as CSV."""


class OddCsvText(CsvError):
    """A file holding characters that are never stored (core.text)."""


def dialogue_moment(day: date) -> datetime:
    """When a dialogue's answers were given, as far as the sheets tell: noon of its day."""
    return datetime.combine(day, time(12), tzinfo=LOCAL_ZONE).astimezone(UTC)


# --- instruments ---------------------------------------------------------------------------


def copy_template(session: Session, kommun: Kommun, key: str, name: str = "") -> Instrument:
    template = instruments.TEMPLATES[key]
    instrument = Instrument(kommun=kommun, name=name.strip() or template.name, template=key)
    instrument.versions.append(
        InstrumentVersion(number=1, questions=copy.deepcopy(template.questions))
    )
    session.add(instrument)
    session.flush()
    return instrument


def version_in_use(session: Session, version: InstrumentVersion) -> bool:
    return (
        session.scalar(
            select(DialogueSession.id).where(DialogueSession.version_id == version.id).limit(1)
        )
        is not None
    )


def save_questions(
    session: Session, instrument: Instrument, questions: list[Question]
) -> InstrumentVersion:
    """Store edited questions: in place while no session uses them, else as a new version."""
    problems = instruments.check_questions(questions)
    if problems:
        raise QuestionsError(problems)
    current = instrument.current
    if current.questions == questions:
        return current
    if version_in_use(session, current):
        current = InstrumentVersion(number=current.number + 1, questions=questions)
        instrument.versions.append(current)
    else:
        current.questions = questions
    session.flush()
    return current


# --- sheets --------------------------------------------------------------------------------


def landmark_index(landmarks: Iterable[Landmark]) -> dict[str, Landmark]:
    return {lm.name.casefold(): lm for lm in landmarks}


@dataclass
class SheetInput:
    sheet_number: int | None
    typed: dict[str, str]
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_sheet(
    version: InstrumentVersion,
    typed: dict[str, str],
    landmarks: dict[str, Landmark],
    contains: Any = None,
) -> SheetInput:
    """Parse every typed answer of a sheet; errors name the question codes that failed."""
    sheet = SheetInput(None, typed)
    for question in version.questions:
        try:
            sheet.answers[question["code"]] = instruments.parse_answer(
                question, typed.get(question["code"]), landmarks, contains
            )
        except AnswerError as exc:
            sheet.errors[question["code"]] = str(exc)
    return sheet


def next_sheet_number(session: Session, dsession: DialogueSession) -> int:
    highest = session.scalar(
        select(func.max(SheetResponse.sheet_number)).where(
            SheetResponse.session_id == dsession.id, SheetResponse.entry_pass == 1
        )
    )
    return (highest or 0) + 1


def sheet(
    session: Session, dsession: DialogueSession, number: int, entry_pass: int = 1
) -> SheetResponse | None:
    return session.scalar(
        select(SheetResponse).where(
            SheetResponse.session_id == dsession.id,
            SheetResponse.sheet_number == number,
            SheetResponse.entry_pass == entry_pass,
        )
    )


def _place_question(version: InstrumentVersion) -> Question | None:
    return next((q for q in version.questions if q["type"] == "place"), None)


def _sync_place_report(
    session: Session, dsession: DialogueSession, response: SheetResponse
) -> None:
    """The sheet's place answer as a report with source "survey" (hidden when taken back)."""
    question = _place_question(dsession.version)
    place = response.answers.get(question["code"]) if question else None
    report = session.get(Report, response.report_id) if response.report_id else None
    if place is None:
        if report is not None:
            report.hidden = True
        return
    if report is not None:
        report.lat, report.lon = place["lat"], place["lon"]
        report.landmark_id, report.hidden = place["landmark_id"], False
        report.updated_at = now()
        return
    landmark = session.get(Landmark, place["landmark_id"]) if place["landmark_id"] else None
    report_id, _code = insert_report(
        session,
        dsession.kommun,
        ReportInput(
            lat=place["lat"],
            lon=place["lon"],
            location_method="landmark" if landmark else "map",
            landmark=landmark,
            source="survey",
            created_at=dialogue_moment(dsession.held_on),  # the day it was said, not typed
        ),
    )
    response.report_id = report_id
    mark_hotspots_stale(session, dsession.kommun_id)


def save_sheet(
    session: Session,
    dsession: DialogueSession,
    number: int,
    answers: dict[str, Any],
    user_id: int | None,
    *,
    entry_pass: int = 1,
    imported: bool = False,
) -> SheetResponse:
    """Store a typed sheet (a new one, or a correction of an earlier one)."""
    if number < 1:
        raise SurveyError("sheet number")
    _check_typists(session, dsession, number, user_id, entry_pass)
    response = sheet(session, dsession, number, entry_pass)
    if response is None:
        response = SheetResponse(
            session_id=dsession.id,
            sheet_number=number,
            entry_pass=entry_pass,
            entered_by_id=user_id,
            imported=imported,
        )
        session.add(response)
    elif entry_pass == 2 and response.entered_by_id != user_id:
        raise SurveyError("second entry by someone else")
    response.answers = answers
    response.updated_at = now()
    response.verified_at = None
    session.flush()
    if entry_pass == 1:
        _sync_place_report(session, dsession, response)
        session.flush()
    return response


def _check_typists(
    session: Session, dsession: DialogueSession, number: int, user_id: int | None, entry_pass: int
) -> None:
    """A control entry is only a control when someone other than the first typist makes it."""
    other = sheet(session, dsession, number, 2 if entry_pass == 1 else 1)
    if entry_pass == 2 and other is None:
        raise SurveyError("no first entry")
    if other is not None and user_id is not None and other.entered_by_id == user_id:
        raise SameTypistError("same typist")


def sheets(session: Session, dsession: DialogueSession, entry_pass: int = 1) -> list[Any]:
    return list(
        session.scalars(
            select(SheetResponse)
            .where(SheetResponse.session_id == dsession.id, SheetResponse.entry_pass == entry_pass)
            .order_by(SheetResponse.sheet_number)
        )
    )


def delete_sheet(session: Session, dsession: DialogueSession, number: int) -> None:
    """Take a sheet back (typed by mistake): both entries go, its place leaves the hot spots."""
    original = sheet(session, dsession, number, 1)
    if original is None:
        raise SurveyError("no such sheet")
    if original.report_id is not None:
        report = session.get(Report, original.report_id)
        if report is not None:
            report.hidden = True
            mark_hotspots_stale(session, dsession.kommun_id)
    again = sheet(session, dsession, number, 2)
    for response in (original, again):
        if response is not None:
            session.delete(response)
    session.flush()


# --- printed sheets ------------------------------------------------------------------------

PRINT_MAX = 500  # sheets in one PDF


def print_sheets(
    session: Session,
    dsession: DialogueSession,
    count: int,
    pages: int,
    language: str,
    user_id: int | None,
    place_names: list[str] | None = None,
) -> list[PrintedSheet]:
    """Number and store count new sheets for a dialogue, after every number printed or typed."""
    if not 1 <= count <= PRINT_MAX:
        raise SurveyError("count")
    highest = max(
        session.scalar(
            select(func.max(PrintedSheet.sheet_number)).where(
                PrintedSheet.session_id == dsession.id
            )
        )
        or 0,
        next_sheet_number(session, dsession) - 1,
    )
    numbers = range(highest + 1, highest + count + 1)
    fresh: set[str] = set()
    while len(fresh) < count:  # a clash with an earlier sheet's id is rare; draw again
        fresh |= {codes.new_code() for _ in range(count - len(fresh))}
        fresh -= set(session.scalars(select(PrintedSheet.code).where(PrintedSheet.code.in_(fresh))))
    printed = [
        PrintedSheet(
            code=code,
            session_id=dsession.id,
            version_id=dsession.version_id,
            sheet_number=number,
            pages=pages,
            language=language,
            place_names=list(place_names or []),
            printed_by_id=user_id,
        )
        for number, code in zip(numbers, sorted(fresh), strict=True)
    ]
    session.add_all(printed)
    session.flush()
    return printed


def printed_sheets(session: Session, dsession: DialogueSession) -> list[PrintedSheet]:
    return list(
        session.scalars(
            select(PrintedSheet)
            .where(PrintedSheet.session_id == dsession.id)
            .order_by(PrintedSheet.sheet_number)
        )
    )


# --- double entry --------------------------------------------------------------------------


@dataclass
class Disagreement:
    sheet_number: int
    code: str
    first: Any
    second: Any


@dataclass
class DoubleEntry:
    waiting: list[int]  # sheets that need a second entry and have none yet
    compared_sheets: int
    compared_answers: int
    agreeing_answers: int
    disagreements: list[Disagreement]
    # The same, for sheets whose first entry was read from a scan.
    scan_sheets: int = 0
    scan_compared: int = 0
    scan_agreeing: int = 0

    @property
    def scan_agreement(self) -> float | None:
        return self.scan_agreeing / self.scan_compared if self.scan_compared else None

    @property
    def agreement(self) -> float | None:
        if not self.compared_answers:
            return None
        return self.agreeing_answers / self.compared_answers


def double_entry(session: Session, dsession: DialogueSession) -> DoubleEntry:
    first = {r.sheet_number: r for r in sheets(session, dsession, 1)}
    second = {r.sheet_number: r for r in sheets(session, dsession, 2)}
    waiting = [n for n in first if dsession.needs_second_entry(n) and n not in second]
    compared = agreeing = 0
    disagreements = []
    for number, again in sorted(second.items()):
        original = first.get(number)
        if original is None:
            continue
        for question in dsession.version.questions:
            code = question["code"]
            compared += 1
            if original.answers.get(code) == again.answers.get(code):
                agreeing += 1
            elif original.verified_at is None:
                disagreements.append(
                    Disagreement(number, code, original.answers.get(code), again.answers.get(code))
                )
    compared_sheets = sum(1 for n in second if n in first)
    check = DoubleEntry(waiting, compared_sheets, compared, agreeing, disagreements)
    scanned = set(
        session.scalars(
            select(PrintedSheet.sheet_number).where(
                PrintedSheet.session_id == dsession.id, PrintedSheet.scanned_at.is_not(None)
            )
        )
    )
    for number in sorted(scanned & set(second) & set(first)):
        check.scan_sheets += 1
        for question in dsession.version.questions:
            code = question["code"]
            check.scan_compared += 1
            check.scan_agreeing += first[number].answers.get(code) == second[number].answers.get(
                code
            )
    return check


def mark_agreeing_verified(session: Session, dsession: DialogueSession) -> None:
    """Sheets whose second entry matches in every answer need no one's decision."""
    second = {r.sheet_number: r for r in sheets(session, dsession, 2)}
    for original in sheets(session, dsession, 1):
        again = second.get(original.sheet_number)
        if again is not None and original.verified_at is None and again.answers == original.answers:
            original.verified_at = now()
    session.flush()


def resolve(
    session: Session, dsession: DialogueSession, number: int, chosen: dict[str, str]
) -> SheetResponse:
    """Settle a sheet's disagreements: for each code, keep the "first" or the "second" entry."""
    original, again = sheet(session, dsession, number, 1), sheet(session, dsession, number, 2)
    if original is None or again is None:
        raise SurveyError("no such sheet")
    answers = dict(original.answers)
    for code, which in chosen.items():
        if which not in {"first", "second"} or dsession.version.question(code) is None:
            raise SurveyError("choice")
        if which == "second":
            answers[code] = again.answers.get(code)
    original.answers = answers
    again.answers = dict(answers)  # both entries now say the same: the sheet agrees
    original.verified_at = now()
    original.updated_at = now()
    session.flush()
    _sync_place_report(session, dsession, original)
    session.flush()
    return original


# --- results -------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    n: int  # sheets with an answer
    counts: list[tuple[str, int]]  # (label, count), for choice questions
    headline: Estimate | None = None
    index: Estimate | None = None
    groups: list[tuple[str, Estimate | None]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    numbers: Estimate | None = None


@dataclass
class Results:
    sheets: int
    questions: list[QuestionResult]
    indices: dict[str, Estimate]  # index name -> the mean of its questions' indices
    min_group: int


def _group_key(question: Question) -> str | None:
    return question["code"] if question["type"] in {"age_band", "gender", "area"} else None


def results(version: InstrumentVersion, answers: list[dict[str, Any]], min_group: int) -> Results:
    """Distributions, headline shares and model indices with their intervals, and breakdowns
    by age band, gender and area where every group shown has at least min_group answers."""
    group_questions = [q for q in version.questions if _group_key(q)]
    out = []
    for question in version.questions:
        code = question["code"]
        given = [a.get(code) for a in answers if a.get(code) is not None]
        result = QuestionResult(question, len(given), [])
        if question["type"] in instruments.CHOICE_TYPES or question["type"] == "multi":
            flat = Counter(
                v for value in given for v in (value if isinstance(value, list) else [value])
            )
            result.counts = [
                (c["label"], flat.get(c["key"], 0)) for c in instruments.options(question)
            ]
        if question.get("headline"):
            wanted = set(question["headline"])
            result.headline = share(sum(1 for v in given if v in wanted), len(given))
            result.groups = _breakdown(question, answers, group_questions, min_group)
        if question.get("scores"):
            scores = [float(question["scores"][v]) for v in given if v in question["scores"]]
            result.index = mean(scores)
        if question["type"] == "text":
            result.texts = [mask(v).text for v in given]
        if question["type"] == "number":
            result.numbers = mean([float(v) for v in given if v is not None])
        out.append(result)
    return Results(len(answers), out, _indices(version, answers), min_group)


def _indices(version: InstrumentVersion, answers: list[dict[str, Any]]) -> dict[str, Estimate]:
    """Each model index: every sheet's mean over the index's answered questions, averaged over
    the sheets (n = sheets), so the interval is a sampling interval of respondents."""
    members: dict[str, list[Question]] = {}
    for question in version.questions:
        if question.get("scores") and question.get("index"):
            members.setdefault(question["index"], []).append(question)
    indices = {}
    for name, questions in members.items():
        if (estimate := mean(_per_sheet(questions, answers))) is not None:
            indices[name] = estimate
    return indices


def sheet_indices(
    version: InstrumentVersion, answers: list[dict[str, Any]], name: str
) -> list[float]:
    """Each sheet's value of one model index (the mean of its answered questions' points)."""
    questions = [q for q in version.questions if q.get("scores") and q.get("index") == name]
    return _per_sheet(questions, answers) if questions else []


def _per_sheet(questions: list[Question], answers: list[dict[str, Any]]) -> list[float]:
    per_sheet = []
    for answer in answers:
        points = [
            float(q["scores"][answer[q["code"]]])
            for q in questions
            if answer.get(q["code"]) in q["scores"]
        ]
        if points:
            per_sheet.append(sum(points) / len(points))
    return per_sheet


def _breakdown(
    question: Question,
    answers: list[dict[str, Any]],
    group_questions: list[Question],
    min_group: int,
) -> list[tuple[str, Estimate | None]]:
    """The headline share per age band and per gender; a group under min_group shows no value."""
    wanted = set(question["headline"])
    rows: list[tuple[str, Estimate | None]] = []
    for group in group_questions:
        for option in instruments.options(group):
            members = [
                a.get(question["code"])
                for a in answers
                if a.get(group["code"]) == option["key"] and a.get(question["code"]) is not None
            ]
            if not members:
                continue
            estimate = share(sum(1 for v in members if v in wanted), len(members))
            rows.append((option["label"], estimate if len(members) >= min_group else None))
    return rows


# --- CSV -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why a CSV row cannot be imported. kind: "number" (no usable sheet number), "twice" (the
    number is used already) or "answer" (detail is the instruments.AnswerError's text)."""

    line: int
    kind: str
    column: str
    value: str
    detail: str = ""
    code: str = ""  # the question's, for an "answer"

    def __str__(self) -> str:
        if self.kind == "number":
            return f"{self.column}: {self.value or '–'}"
        if self.kind == "twice":
            return f"{self.column}: {self.value} ×2"
        return f"{self.column}: {self.value!r} ({self.detail})"


@dataclass
class ImportResult:
    rows: int
    errors: list[RowProblem]
    imported: int = 0


def read_csv(raw: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) of a CSV file: UTF-8 (with or without BOM), ; or , ."""
    text = raw.decode("utf-8-sig")
    if is_odd(text):
        raise OddCsvText("odd characters")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    try:
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        return header, [(reader.line_num, row) for row in reader]
    except csv.Error as exc:  # a NUL byte, a field too large, a broken quote
        raise CsvError(str(exc)) from None


def import_sheets(
    session: Session,
    dsession: DialogueSession,
    rows: list[tuple[int, dict[str, str]]],
    mapping: dict[str, str],
    sheet_column: str,
    user_id: int | None,
    *,
    dry_run: bool,
    progress: Any = None,
) -> ImportResult:
    """Check every row first; store all of them only if none is wrong (never half an import).

    mapping is question code -> CSV column. Values are typed as on the entry screen: the
    option's number, its key or its label; several choices separated by ; or spaces.
    """
    result = ImportResult(len(rows), [])
    index = landmark_index(
        session.scalars(select(Landmark).where(Landmark.kommun_id == dsession.kommun_id))
    )
    existing = {r.sheet_number for r in sheets(session, dsession, 1)}
    seen: set[int] = set()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        number_text = (row.get(sheet_column) or "").strip()
        if not number_text.isdigit() or int(number_text) < 1:
            result.errors.append(RowProblem(line, "number", sheet_column, number_text))
            continue
        number = int(number_text)
        if number in existing or number in seen:
            result.errors.append(RowProblem(line, "twice", sheet_column, str(number)))
            continue
        seen.add(number)
        typed = {code: row.get(column, "") or "" for code, column in mapping.items()}
        sheet_input = read_sheet(dsession.version, typed, index, dsession.kommun.contains)
        if sheet_input.errors:
            for code, problem in sheet_input.errors.items():
                result.errors.append(
                    RowProblem(
                        line, "answer", mapping.get(code, code), typed.get(code, ""), problem, code
                    )
                )
            continue
        parsed.append((number, sheet_input.answers))
    if result.errors or dry_run:
        return result
    for number, answers in parsed:
        save_sheet(session, dsession, number, answers, user_id, imported=True)
        result.imported += 1
        if progress is not None:
            progress(1)
    return result


def parse_mapping(text: str, codes: set[str]) -> tuple[dict[str, str], list[str]]:
    """'Kolumn = kod' lines -> {code: column}, and the lines that could not be read."""
    mapping, bad = {}, []
    for line in text.splitlines():
        if not line.strip():
            continue
        column, sep, code = line.rpartition("=")
        if not sep or code.strip() not in codes or not column.strip():
            bad.append(line.strip())
            continue
        mapping[code.strip()] = column.strip()
    return mapping, bad


def auto_mapping(header: list[str], version_questions: list[dict[str, Any]]) -> dict[str, str]:
    """Columns named as a question's code or its text map to that question."""
    mapping = {}
    for question in version_questions:
        for column in header:
            if column.casefold() in (question["code"].casefold(), question["text"].casefold()):
                mapping[question["code"]] = column
    return mapping


def export_rows(dsession: DialogueSession, responses: list[SheetResponse]) -> Iterator[list[str]]:
    """The sheets as rows: the sheet number, then each question's answer as its option keys."""
    questions = dsession.version.questions
    yield ["blad", "datum", "inmatad", "kontrollerad"] + [q["code"] for q in questions]
    for response in responses:
        cells = [
            str(response.sheet_number),
            dsession.held_on.isoformat(),
            response.entered_at.isoformat(timespec="minutes"),
            "ja" if response.verified_at else "",
        ]
        for question in questions:
            value = response.answers.get(question["code"])
            if value is None:
                cells.append("")
            elif isinstance(value, list):
                cells.append(";".join(value))
            elif question["type"] == "place":
                cells.append(value.get("name", ""))
            elif question["type"] == "text":
                cells.append(mask(value).text)
            else:
                cells.append(str(value))
        yield cells


def codebook_rows(version: InstrumentVersion) -> Iterator[list[str]]:
    """What each column and value means."""
    yield ["kod", "typ", "fråga", "värde", "betydelse", "poäng"]
    for question in version.questions:
        choices = instruments.options(question)
        if not choices:
            yield [question["code"], question["type"], question["text"], "", "", ""]
        for choice in choices:
            score = (question.get("scores") or {}).get(choice["key"], "")
            yield [
                question["code"],
                question["type"],
                question["text"],
                choice["key"],
                choice["label"],
                str(score),
            ]
