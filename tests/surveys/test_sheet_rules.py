"""A typist's slips named by question, partial landmark names, the dialogue's date on what
was said, and one person never making both entries of a sheet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pages import error_for, parse_page

from feedback.models import Report
from surveys import services
from surveys.models import DialogueSession


@pytest.fixture
def dialogue(create_dialogue, kommuner):
    return create_dialogue(kommuner["Vänersborg"], double_entry="all")


@pytest.fixture
def typists(create_user, login):
    first, second = create_user("dialog"), create_user("dialog")
    login(first)
    return first, second


def entry(client, dialogue_id, number, path="inmatning", **answers):
    data = {"sheet_number": str(number)} | {f"q-{k}": v for k, v in answers.items()}
    return client.post(f"/dialog/dialoger/{dialogue_id}/{path}", data=data)


def test_the_error_summary_names_the_question_that_is_wrong(client, dialogue, typists):
    refused = entry(client, dialogue.id, 1, trygg_kvall="1", otrygg_plats="Månen")
    assert refused.status_code == 400
    links = parse_page(refused.data).select("#error-summary li a")
    assert [(a["href"], a.get_text()) for a in links] == [
        ("#q-otrygg_plats", "Fråga 13: svaret kan inte läsas.")
    ]


def test_a_partial_landmark_name_is_enough_when_it_fits_one(client, dialogue, typists, session):
    assert entry(client, dialogue.id, 1, otrygg_plats="Torpa").status_code == 303
    stored = services.sheet(session, session.get(DialogueSession, dialogue.id), 1)
    assert stored.answers["otrygg_plats"]["name"] == "Torpa centrum"
    assert entry(client, dialogue.id, 2, otrygg_plats="Tor").status_code == 400  # Torget too


def test_a_sheets_place_carries_the_dialogues_date(client, dialogue, typists, session):
    assert entry(client, dialogue.id, 1, otrygg_plats="Torget").status_code == 303
    stored = services.sheet(session, session.get(DialogueSession, dialogue.id), 1)
    report = session.get(Report, stored.report_id)
    # 14 November 2026, noon in Sweden (UTC+1), whatever day it was typed.
    assert report.created_at.replace(tzinfo=UTC) == datetime(2026, 11, 14, 11, tzinfo=UTC)


def test_one_person_never_makes_both_entries_of_a_sheet(client, dialogue, typists, login):
    first, second = typists
    assert entry(client, dialogue.id, 1, trygg_kvall="2").status_code == 303
    own = entry(client, dialogue.id, 1, "kontroll", trygg_kvall="2")
    assert own.status_code == 400
    assert "någon annan" in error_for(parse_page(own.data), "sheet_number")

    login(second)
    assert entry(client, dialogue.id, 1, "kontroll", trygg_kvall="3").status_code == 303
    # The control typist may not then "correct" the first entry into their own.
    taken = client.post(
        f"/dialog/dialoger/{dialogue.id}/inmatning?blad=1",
        data={"sheet_number": "1", "q-trygg_kvall": "3"},
    )
    assert taken.status_code == 400
    assert "någon annan" in error_for(parse_page(taken.data), "sheet_number")


def test_the_service_refuses_a_control_entry_by_the_first_typist(session, dialogue, create_user):
    typist = create_user("dialog")
    services.save_sheet(session, dialogue, 1, {"trygg_kvall": "1"}, typist.id)
    with pytest.raises(services.SameTypistError):
        services.save_sheet(session, dialogue, 1, {"trygg_kvall": "1"}, typist.id, entry_pass=2)
    with pytest.raises(services.SurveyError):
        services.save_sheet(session, dialogue, 2, {}, typist.id, entry_pass=2)  # no first entry
