"""A promise names the medborgardialoger it came from, and a survey index from them is an
evaluation indicator: the problem index of the dialogue before the promise against the same
questionnaire asked again during it."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from promise_dialogues.services import INDEX_LABELS, dialogues_of, known_indices
from promises.indicators import FocusInput, focus_results, save_evaluation
from promises.models import FocusArea, Promise
from surveys.models import DialogueSession, SheetResponse
from tests.pages import parse_page

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> set[str]:
    """Every module a package's files import, at the top or inside functions."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
    return found


def test_promises_and_surveys_do_not_import_each_other():
    assert not {m for m in _imports("promises") if m.split(".")[0] == "surveys"}
    assert not {m for m in _imports("surveys") if m.split(".")[0] == "promises"}
    assert not {m for m in _imports("promises") | _imports("surveys") if "promise_dialogues" in m}


def test_every_index_of_the_built_in_questionnaires_has_an_indicator():
    assert known_indices() == set(INDEX_LABELS)


@pytest.fixture
def torpa(session, kommuner):
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Tryggare Torpa",
        lokalpolisomrade="Östra Fyrbodal",
        status="undertecknat",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        signed_on=date(2024, 12, 20),
        signatories="Kommunstyrelsens ordförande",
    )
    promise.focus_areas.append(FocusArea(title="Torpa", theme="bostadsomrade"))
    session.add(promise)
    session.commit()
    return promise


def _sheets(session, dialogue, *answers):
    for number, value in enumerate(answers, start=1):
        session.add(
            SheetResponse(
                session_id=dialogue.id,
                sheet_number=number,
                answers={"problem_skadegorelse": value, "problem_klotter": value},
            )
        )
    session.commit()


def test_a_coordinator_links_the_dialogues_and_the_public_sees_them(
    client, app, session, kommuners_dialogues, torpa, create_user, login
):
    before, _again, arboga = kommuners_dialogues
    login(create_user(kommun_names=("Vänersborg",)))
    url = f"/samordnare/loften/{torpa.id}/dialoger"
    page = parse_page(client.get(url).data)
    offered = {int(i["value"]) for i in page.select("input[name=dialogues]")}
    assert before.id in offered and arboga.id not in offered  # another kommun's is not offered

    # Another kommun's dialogue sent by hand is refused, and nothing is linked.
    assert client.post(url, data={"dialogues": [str(arboga.id)]}).status_code == 400
    assert dialogues_of(torpa, session) == []
    response = client.post(url, data={"dialogues": [str(before.id)]})
    assert response.status_code == 303
    assert [d.id for d in dialogues_of(torpa, session)] == [before.id]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "promise.dialogues"))
    assert event.details == {"added": [before.id], "removed": []}

    show = parse_page(client.get(f"/samordnare/loften/{torpa.id}").data)
    assert "Torpa skola" in show.select_one("section[aria-labelledby=dialogues-heading]").text
    public = parse_page(app.test_client().get(f"/k/vanersborg/loften/{torpa.id}").data)
    said = public.select_one("section[aria-labelledby=dialogues-title]").get_text(" ")
    assert "Torpa skola" in said and "Gatuenkät" in said

    assert client.post(url, data={}).status_code == 303  # unticking removes the link
    assert dialogues_of(torpa, session) == []


@pytest.fixture
def kommuners_dialogues(session, kommuner, create_dialogue):
    before = create_dialogue(kommuner["Vänersborg"], held_on=date(2024, 10, 5), place="Torpa skola")
    # The same questionnaire asked again during the promise.
    again = DialogueSession(
        kommun_id=before.kommun_id,
        version_id=before.version_id,
        held_on=date(2025, 10, 4),
        place="Torpa skola",
        method="gatuenkat",
    )
    session.add(again)
    session.commit()
    arboga = create_dialogue(kommuner["Arboga"], held_on=date(2024, 10, 5), place="Arboga torg")
    return before, again, arboga


def test_the_problem_index_is_compared_before_and_during_the_promise(
    session, app, kommuners_dialogues, torpa
):
    before, again, _arboga = kommuners_dialogues
    _sheets(session, before, "4", "4", "3")  # 6, 6 and 4 points: a big problem
    _sheets(session, again, "2", "1")  # 2 and 0 points
    [focus] = torpa.focus_areas
    with app.test_request_context():
        # Without a linked dialogue there is nothing to compare.
        save_evaluation(
            session,
            torpa,
            summary="Färre ser skadegörelse som ett stort problem.",
            inputs={focus.id: FocusInput("survey:problem", None, None, 3.0, "Målet nått.")},
            today=date(2026, 3, 1),
        )
        assert (focus.baseline, focus.result) == (None, None)

        from promise_dialogues.services import set_dialogues

        set_dialogues(session, torpa, {before.id})
        save_evaluation(
            session,
            torpa,
            summary="Färre ser skadegörelse som ett stort problem.",
            inputs={focus.id: FocusInput("survey:problem", None, None, 3.0, "Målet nått.")},
            today=date(2026, 3, 1),
        )
        session.commit()
        assert focus.baseline == pytest.approx(5.33, abs=0.01)
        assert focus.result == pytest.approx(1.0)
        [result] = focus_results(session, torpa, date(2026, 3, 1))
        assert result.met is True and result.decimals == 1

    page = parse_page(app.test_client().get(f"/k/vanersborg/loften/{torpa.id}").data)
    row = page.select_one(f"#result-{focus.id}").get_text(" ", strip=True)
    assert "Problemindex" in row and "5,3" in row and "1,0" in row and "Ja" in row
