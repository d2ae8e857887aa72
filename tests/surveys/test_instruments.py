"""Reading typed answers, the templates, and the intervals (pure Python)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from surveys import instruments
from surveys.instruments import AnswerError, parse_answer, typed_form
from surveys.stats import mean, share

SINGLE = {
    "code": "q",
    "type": "single",
    "text": "?",
    "options": [{"key": "1", "label": "Ja"}, {"key": "2", "label": "Nej"}],
}
MULTI = {
    "code": "m",
    "type": "multi",
    "text": "?",
    "options": [{"key": str(i), "label": f"Alt {i}"} for i in range(1, 6)],
}
TORGET = SimpleNamespace(id=7, name="Torget", lat=58.38, lon=12.32)
TORPA = SimpleNamespace(id=8, name="Torpa centrum", lat=58.37, lon=12.30)
TORPA_SKOLA = SimpleNamespace(id=9, name="Torpa skola", lat=58.36, lon=12.31)
LANDMARKS = {"torget": TORGET}


@pytest.mark.parametrize(
    ("question", "typed", "value"),
    [
        (SINGLE, "1", "1"),
        (SINGLE, " 2 ", "2"),
        (SINGLE, "nej", "2"),
        (SINGLE, "0", None),
        (SINGLE, "", None),
        (MULTI, "135", ["1", "3", "5"]),
        (MULTI, "3 1 3", ["3", "1"]),
        (MULTI, "1;4", ["1", "4"]),
        ({"code": "n", "type": "number", "text": "?", "min": 0, "max": 120}, "42", 42),
        ({"code": "t", "type": "text", "text": "?"}, "Mörkt vid ån", "Mörkt vid ån"),
        ({"code": "a", "type": "age_band", "text": "?"}, "3", "25-34"),
        ({"code": "g", "type": "gender", "text": "?"}, "1", "kvinna"),
        (
            {"code": "p", "type": "place", "text": "?"},
            "TORGET",
            {"landmark_id": 7, "name": "Torget", "lat": 58.38, "lon": 12.32},
        ),  # fmt: skip
    ],
)
def test_typed_answers_are_read(question, typed, value):
    assert parse_answer(question, typed, LANDMARKS) == value
    if value is not None:
        assert parse_answer(question, typed_form(question, value), LANDMARKS) == value


@pytest.mark.parametrize(
    ("question", "typed"),
    [
        (SINGLE, "3"),
        (SINGLE, "kanske"),
        (MULTI, "16"),
        ({"code": "n", "type": "number", "text": "?", "min": 0, "max": 120}, "121"),
        ({"code": "n", "type": "number", "text": "?"}, "4,5"),
        ({"code": "t", "type": "text", "text": "?"}, "x" * 2001),
        ({"code": "p", "type": "place", "text": "?"}, "Månen"),
    ],
)
def test_answers_that_do_not_fit_are_refused(question, typed):
    with pytest.raises(AnswerError):
        parse_answer(question, typed, LANDMARKS)


def test_a_partial_landmark_name_matches_when_only_one_fits():
    place = {"code": "p", "type": "place", "text": "?"}
    index = {"torget": TORGET, "torpa centrum": TORPA}
    assert parse_answer(place, "Torpa", index)["name"] == "Torpa centrum"
    assert parse_answer(place, "centrum", index)["name"] == "Torpa centrum"
    assert parse_answer(place, "torget", index)["name"] == "Torget"  # exact wins
    both = index | {"torpa skola": TORPA_SKOLA}
    with pytest.raises(AnswerError, match="ambiguous"):
        parse_answer(place, "Torpa", both)
    with pytest.raises(AnswerError):
        parse_answer(place, "To", index)  # too short to mean one place


def test_a_place_clicked_on_the_map_is_a_point_inside_the_kommun():
    place = {"code": "p", "type": "place", "text": "?"}
    inside = lambda lat, lon: 58 < lat < 59  # noqa: E731
    value = parse_answer(place, "58.38070, 12.32270", LANDMARKS, inside)
    assert value == {
        "landmark_id": None,
        "name": "58.38070, 12.32270",
        "lat": 58.3807,
        "lon": 12.3227,
    }
    assert parse_answer(place, typed_form(place, value), LANDMARKS, inside) == value
    with pytest.raises(AnswerError, match="outside"):
        parse_answer(place, "57.70890, 11.97460", LANDMARKS, inside)
    with pytest.raises(AnswerError):
        parse_answer(place, "58.3807, NaN", LANDMARKS, inside)


def test_templates_are_usable_and_one_key_where_possible():
    for template in instruments.TEMPLATES.values():
        assert instruments.check_questions(template.questions) == []
    survey = instruments.TEMPLATES["lokal_trygghet"].questions
    assert survey[0]["headline"] == ["3", "4", "5"]  # NTU: ganska/mycket otrygg, går ej ut av oro
    problems = [q for q in survey if q.get("index") == "problem"]
    assert len(problems) == 7 and all(
        q["scores"] == {"1": 0, "2": 2, "3": 4, "4": 6} for q in problems
    )
    assert instruments.one_key(survey[0]) and not instruments.one_key(survey[-3])  # text


def test_broken_questions_are_named():
    problems = instruments.check_questions(
        [
            {"code": "Bad Code", "type": "single", "text": "?", "options": []},
            {"code": "x", "type": "nonsense", "text": "?"},
            {"code": "x", "type": "text", "text": "?"},
        ]
    )
    assert ("Bad Code", "code") in problems and ("Bad Code", "options") in problems
    assert ("x", "type") in problems and ("x", "twice") in problems
    assert instruments.check_questions([]) == [("", "none")]


def test_wilson_interval_by_hand():
    estimate = share(3, 10)
    assert estimate.value == pytest.approx(0.3)
    # Wilson 95 %: (0.3 + 1.92/10) / 1.384 ± 1.96 sqrt(0.021 + 0.0096) / 1.384
    assert estimate.low == pytest.approx(0.1078, abs=1e-4)
    assert estimate.high == pytest.approx(0.6032, abs=1e-4)
    assert share(0, 0) is None
    assert estimate.small and not share(30, 100).small


def test_an_index_interval_stays_inside_the_scale():
    # Skewed, small: Student's t gives 95 % KI −0.42–4.99 here, below the scale's 0.
    skewed = [0.0, 0.0, 0.0, 0.0, 6.0, 0.0, 6.0, 0.0]
    estimate = mean(skewed)
    assert estimate.value == pytest.approx(1.5)
    assert 0.0 <= estimate.low < estimate.value < estimate.high <= 6.0
    assert estimate.small
    assert mean(skewed) == estimate  # the same sheets give the same interval
    spread = mean([2.0, 4.0, 6.0])
    assert 2.0 <= spread.low < 4.0 < spread.high <= 6.0
    assert mean([5.0]).low == 5.0 and mean([3.0, 3.0]).high == 3.0
    large = mean([float(i % 7) for i in range(3000)])  # chunked: bounded memory
    assert large.high - large.low == pytest.approx(2 * 1.96 * 2 / 3000**0.5, rel=0.15)
    assert not large.small
