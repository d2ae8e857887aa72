"""Dialogue teams: an instrument from a template, sessions, paper entry, double entry, CSV,
results against a hand-computed fixture, and the trygghetsvandring protocol."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pages import error_for, parse_page
from sqlalchemy import func, select

from feedback.models import Report
from surveys import services
from surveys.models import DialogueSession, Instrument, SheetResponse

SURVEY_QUESTIONS = 16  # the local safety survey template


@pytest.fixture
def team(create_user, login, kommuner):
    first = create_user("dialog")
    second = create_user("dialog")
    login(first)
    return {"first": first, "second": second}


@pytest.fixture
def instrument(client, team, session):
    response = client.post(
        "/dialog/vanersborg/enkater", data={"template": "lokal_trygghet", "name": "Torpa 2026"}
    )
    assert response.status_code == 303
    return session.scalar(select(Instrument))


def new_session(client, instrument, **fields):
    data = {
        "instrument": str(instrument.id),
        "held_on": "2026-11-14",
        "place": "Torget, lördagsmarknad",
        "method": "gatuenkat",
        "team": "Anna\nOmar",
        "people_reached": "41",
        "double_entry": "none",
        "sample_percent": "20",
    } | fields
    response = client.post("/dialog/vanersborg/dialoger/ny", data=data)
    assert response.status_code == 303, response.data[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def sheet_data(number, **answers):
    """A typed sheet: question code -> what the typist types."""
    data = {"sheet_number": str(number)}
    data.update({f"q-{code}": typed for code, typed in answers.items()})
    return data


def count_sheets(session, session_id, entry_pass=1):
    return session.scalar(
        select(func.count())
        .select_from(SheetResponse)
        .where(SheetResponse.session_id == session_id, SheetResponse.entry_pass == entry_pass)
    )


def test_an_instrument_from_a_template_is_edited_into_a_new_version(client, instrument, session):
    assert instrument.name == "Torpa 2026" and instrument.template == "lokal_trygghet"
    assert len(instrument.current.questions) == SURVEY_QUESTIONS
    page = parse_page(client.get(f"/dialog/enkater/{instrument.id}").data)
    assert page.select_one("#q0-text")["value"].startswith("Om du går ut ensam")

    edits = {
        "q0-text": "Hur trygg känner du dig ute sent en kväll?",
        "q15-remove": "y",  # kön goes
        "new-code": "skola",
        "new-type": "single",
        "new-text": "Vilken skola går du i?",
        "new-options": "Nordstan\nTorpa",
        "new-order": "1",
    }
    assert client.post(f"/dialog/enkater/{instrument.id}", data=edits).status_code == 303
    session.expire_all()
    questions = session.get(Instrument, instrument.id).current.questions
    assert [q["code"] for q in questions][:2] == ["skola", "trygg_kvall"]
    assert questions[1]["text"] == "Hur trygg känner du dig ute sent en kväll?"
    assert "kon" not in [q["code"] for q in questions]
    assert session.get(Instrument, instrument.id).current.number == 1  # unused: edited in place

    new_session(client, session.get(Instrument, instrument.id))
    assert (
        client.post(f"/dialog/enkater/{instrument.id}", data={"q0-text": "Skola?"}).status_code
        == 303
    )
    session.expire_all()
    again = session.get(Instrument, instrument.id)
    assert [v.number for v in again.versions] == [1, 2]
    assert again.versions[0].questions[0]["text"] == "Vilken skola går du i?"  # kept as collected
    assert again.current.questions[0]["text"] == "Skola?"

    broken = client.post(
        f"/dialog/enkater/{instrument.id}",
        data={"new-code": "Fel Kod", "new-type": "single", "new-text": "?", "new-options": "a"},
    )
    assert broken.status_code == 400
    summary = parse_page(broken.data).select_one("#error-summary").get_text()
    assert "Koden Fel Kod går inte" in summary and "minst två svarsalternativ" in summary


def test_sheets_are_entered_corrected_and_places_become_reports(
    client, instrument, session, kommuner
):
    session_id = new_session(client, instrument)
    page = parse_page(client.get(f"/dialog/dialoger/{session_id}/inmatning").data)
    assert page.select_one("#sheet_number")["value"] == "1"
    assert page.select_one("#q-trygg_kvall")["data-one-key"] == "6"
    assert page.select_one("#q-trygg_kvall").has_attr("autofocus")

    typed = {
        "trygg_kvall": "4",
        "undvikit": "1",
        "otrygg_plats": "Torget",
        "alder": "3",
        "kon": "1",
        "gora": "Mer ljus, ring 070-123 45 67",
    }
    saved = client.post(f"/dialog/dialoger/{session_id}/inmatning", data=sheet_data(1, **typed))
    assert saved.status_code == 303
    next_page = parse_page(client.get(saved.headers["Location"]).data)
    assert next_page.select_one("#sheet_number")["value"] == "2"
    assert "1 blad inmatat" in next_page.select_one("#running-count").get_text()

    stored = session.scalar(select(SheetResponse))
    assert stored.answers["trygg_kvall"] == "4" and stored.answers["alder"] == "25-34"
    assert stored.answers["oro_inbrott"] is None
    report = session.get(Report, stored.report_id)
    assert report.source == "survey" and report.landmark.name == "Torget"

    bad = client.post(
        f"/dialog/dialoger/{session_id}/inmatning",
        data=sheet_data(2, trygg_kvall="9", gora="Det jag skrev", otrygg_plats="Månen"),
    )
    assert bad.status_code == 400
    page = parse_page(bad.data)
    assert page.select_one("#q-gora")["value"] == "Det jag skrev"  # nothing typed is lost
    assert page.select_one("#q-trygg_kvall")["aria-invalid"] == "true"
    assert len(page.select("#error-summary li")) == 2
    assert count_sheets(session, session_id) == 1

    # A place clicked on the map arrives as "lat, lon": inside the kommun only.
    outside = client.post(
        f"/dialog/dialoger/{session_id}/inmatning",
        data=sheet_data(2, trygg_kvall="1", otrygg_plats="57.70890, 11.97460"),
    )
    assert outside.status_code == 400
    clicked = client.post(
        f"/dialog/dialoger/{session_id}/inmatning",
        data=sheet_data(2, trygg_kvall="1", otrygg_plats="58.38070, 12.32270"),
    )
    assert clicked.status_code == 303
    on_map = services.sheet(session, session.get(DialogueSession, session_id), 2)
    map_report = session.get(Report, on_map.report_id)
    assert map_report.location_method == "map" and map_report.lat == 58.3807
    assert client.post(f"/dialog/dialoger/{session_id}/blad/2/ta-bort").status_code == 303
    session.expire_all()
    assert session.get(Report, map_report.id).hidden  # undone: out of the hot spots too

    # Correcting sheet 1: the place is taken back, and its report leaves the hot spots.
    edit = parse_page(client.get(f"/dialog/dialoger/{session_id}/inmatning?blad=1").data)
    assert edit.select_one("#q-trygg_kvall")["value"] == "4"
    assert edit.select_one("#q-otrygg_plats")["value"] == "Torget"
    fixed = client.post(
        f"/dialog/dialoger/{session_id}/inmatning?blad=1",
        data=sheet_data(1, **(typed | {"trygg_kvall": "3", "otrygg_plats": "0"})),
    )
    assert fixed.status_code == 303
    session.expire_all()
    assert session.scalar(select(SheetResponse)).answers["trygg_kvall"] == "3"
    assert session.get(Report, stored.report_id).hidden
    assert count_sheets(session, session_id) == 1


def test_double_entry_with_a_disagreement(client, instrument, session, team, login):
    session_id = new_session(client, instrument, double_entry="all")
    for number, answer in ((1, "2"), (2, "3")):
        client.post(
            f"/dialog/dialoger/{session_id}/inmatning",
            data=sheet_data(number, trygg_kvall=answer, undvikit="2"),
        )
    # The same person may not check their own sheets.
    own = client.post(
        f"/dialog/dialoger/{session_id}/kontroll", data=sheet_data(1, trygg_kvall="2", undvikit="2")
    )
    assert own.status_code == 400
    assert "någon annan" in error_for(parse_page(own.data), "sheet_number")

    login(team["second"])
    page = parse_page(client.get(f"/dialog/dialoger/{session_id}/kontroll").data)
    assert page.select_one("#sheet_number")["value"] == ""  # typed from the paper
    assert "Väntar: blad 1, 2" in page.get_text()
    client.post(
        f"/dialog/dialoger/{session_id}/kontroll", data=sheet_data(1, trygg_kvall="2", undvikit="2")
    )
    client.post(  # a slip: 4 where the sheet says 3
        f"/dialog/dialoger/{session_id}/kontroll", data=sheet_data(2, trygg_kvall="4", undvikit="2")
    )
    dsession = session.get(DialogueSession, session_id)
    check = services.double_entry(session, dsession)
    assert check.compared_sheets == 2 and check.compared_answers == 2 * SURVEY_QUESTIONS
    assert check.agreement == pytest.approx((2 * SURVEY_QUESTIONS - 1) / (2 * SURVEY_QUESTIONS))
    assert [(d.sheet_number, d.code, d.first, d.second) for d in check.disagreements] == [
        (2, "trygg_kvall", "3", "4")
    ]

    page = parse_page(client.get(f"/dialog/dialoger/{session_id}/avvikelser").data)
    row = page.select_one("#sheet-2-title").find_parent("form")
    assert "Ganska otrygg" in row.get_text() and "Mycket otrygg" in row.get_text()
    resolved = client.post(
        f"/dialog/dialoger/{session_id}/avvikelser",
        data={"sheet": "2", "val-2-trygg_kvall": "first"},
    )
    assert resolved.status_code == 303
    session.expire_all()
    check = services.double_entry(session, session.get(DialogueSession, session_id))
    assert check.disagreements == [] and check.agreement == 1.0
    sheets = services.sheets(session, session.get(DialogueSession, session_id))
    assert all(s.verified_at is not None for s in sheets)
    assert sheets[1].answers["trygg_kvall"] == "3"


def test_a_sample_of_sheets_needs_a_second_entry():
    dsession = DialogueSession(double_entry="sample", sample_percent=20)
    picked = [n for n in range(1, 101) if dsession.needs_second_entry(n)]
    assert len(picked) == 20
    assert not DialogueSession(double_entry="none").needs_second_entry(1)


def _csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_csv_import_with_bad_rows_then_good(client, instrument, session):
    session_id = new_session(client, instrument)
    bad = _csv(
        [
            ["blad", "Fråga 1", "undvikit", "otrygg_plats"],
            ["1", "2", "1", "Torget"],
            ["2", "7", "1", ""],
            ["x", "1", "2", ""],
            ["1", "1", "2", ""],
            ["5", "Mycket otrygg", "ja", "Månen"],
        ]
    )
    form = {"sheet_column": "blad", "mapping": "Fråga 1 = trygg_kvall", "dry_run": "y"}
    response = client.post(
        f"/dialog/dialoger/{session_id}/import",
        data=form | {"file": (io.BytesIO(bad), "svar.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    errors = [li.get_text() for li in parse_page(response.data).select("#import-errors li")]
    assert errors == [
        "Rad 3, kolumnen Fråga 1: ”7” är inget av svarsalternativen. Skriv alternativets "
        "nummer (1–6) eller dess text, eller lämna rutan tom.",
        "Rad 4: bladnumret i kolumnen blad ska vara ett heltal från 1, men där står ”x”.",
        "Rad 5: blad 1 finns redan, i filen eller bland de inmatade.",
        "Rad 6, kolumnen otrygg_plats: ”Månen” finns inte bland kommunens platser. Skriv "
        "platsens namn som i listan, eller lämna rutan tom.",
    ]
    help_text = parse_page(response.data).select_one("main").get_text()
    assert "nyckel" not in help_text and "(place)" not in help_text
    # Not even the good rows were stored, dry run or not.
    response = client.post(
        f"/dialog/dialoger/{session_id}/import",
        data=form | {"dry_run": "", "file": (io.BytesIO(bad), "svar.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and count_sheets(session, session_id) == 0

    broken = client.post(
        f"/dialog/dialoger/{session_id}/import",
        data=form | {"file": (io.BytesIO(b'blad;x\n1;"' + b"a" * 140_000 + b'"\n'), "svar.csv")},
        content_type="multipart/form-data",
    )
    assert broken.status_code == 400
    assert "kunde inte läsas som CSV" in error_for(parse_page(broken.data), "file")
    latin = client.post(
        f"/dialog/dialoger/{session_id}/import",
        data=form | {"file": (io.BytesIO("blad;Fråga 1\n1;2\n".encode("latin-1")), "svar.csv")},
        content_type="multipart/form-data",
    )
    assert latin.status_code == 400 and "UTF-8" in error_for(parse_page(latin.data), "file")

    good = _csv([["blad", "Fråga 1", "undvikit"], ["1", "2", "1"], ["2", "Mycket otrygg", "nej"]])
    dry = client.post(
        f"/dialog/dialoger/{session_id}/import",
        data=form | {"file": (io.BytesIO(good), "svar.csv")},
        content_type="multipart/form-data",
    )
    assert dry.status_code == 200 and count_sheets(session, session_id) == 0
    assert "alla 2 rader kan importeras" in dry.get_data(as_text=True)
    done = client.post(
        f"/dialog/dialoger/{session_id}/import",
        data=form | {"dry_run": "", "file": (io.BytesIO(good), "svar.csv")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 200 and "2 blad importerade" in done.get_data(as_text=True)
    answers = [
        s.answers["trygg_kvall"]
        for s in services.sheets(session, session.get(DialogueSession, session_id))
    ]
    assert answers == ["2", "4"]

    exported = client.get(f"/dialog/dialoger/{session_id}/svar.csv")
    rows = list(
        csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert rows[0][:5] == ["blad", "datum", "inmatad", "kontrollerad", "trygg_kvall"]
    assert [r[1] for r in rows[1:]] == ["2026-11-14", "2026-11-14"]  # the dialogue's day
    assert [r[4] for r in rows[1:]] == ["2", "4"]
    codebook = client.get(f"/dialog/dialoger/{session_id}/kodbok.csv").get_data(as_text=True)
    assert (
        "trygg_kvall;single;" in codebook
        and "problem_klotter;single;Klotter;4;I stor utsträckning;6" in codebook
    )


def test_results_match_a_hand_computed_fixture(client, instrument, session, app):
    app.config["SURVEY_MIN_GROUP"] = 3
    session_id = new_session(client, instrument)
    # trygg_kvall, problem_klotter, kön for eight sheets.
    sheets = [
        ("1", "1", "1"),
        ("2", "2", "1"),
        ("3", "3", "1"),
        ("4", "4", "1"),
        ("5", "4", "2"),
        ("3", "3", "2"),
        ("2", "1", "2"),
        ("6", "", "3"),
    ]
    for number, (trygg, klotter, kon) in enumerate(sheets, start=1):
        gang = "4" if number == 1 else ""  # one sheet also answers another problem question
        client.post(
            f"/dialog/dialoger/{session_id}/inmatning",
            data=sheet_data(
                number, trygg_kvall=trygg, problem_klotter=klotter, problem_gang=gang, kon=kon
            ),
        )
    dsession = session.get(DialogueSession, session_id)
    result = services.results(
        dsession.version, [s.answers for s in services.sheets(session, dsession)], 3
    )
    by_code = {r.question["code"]: r for r in result.questions}
    headline = by_code["trygg_kvall"].headline  # 3, 4, 5: sheets 3, 4, 5, 6 -> 4 of 8
    assert (headline.value, headline.n) == (0.5, 8)
    klotter = by_code["problem_klotter"].index  # scores 0, 2, 4, 6, 6, 4, 0 -> 22 / 7
    assert klotter.n == 7 and klotter.value == pytest.approx(22 / 7)
    # The total index averages each sheet's own mean: sheet 1 is (0 + 6) / 2 = 3, the rest
    # answered klotter only: (3 + 2 + 4 + 6 + 6 + 4 + 0) / 7.
    assert result.indices["problem"].value == pytest.approx(25 / 7)
    assert result.indices["problem"].n == 7
    groups = dict(by_code["trygg_kvall"].groups)
    assert groups["Kvinna"].value == 0.5 and groups["Kvinna"].n == 4  # sheets 1–4: 3, 4
    assert groups["Man"].value == pytest.approx(2 / 3)  # sheets 5–7: 5, 3
    assert groups["Annat"] is None  # one answer: under the minimum, not shown

    page = parse_page(client.get(f"/dialog/dialoger/{session_id}/resultat").data)
    headline_text = page.select_one("#headline-trygg_kvall").get_text()
    assert headline_text.startswith(
        "Andel otrygga: ganska otrygg + mycket otrygg + går ej ut på kvällen av oro"
    )
    assert "50,0\xa0%" in headline_text and "n = 8" in headline_text
    assert "få svar" in headline_text  # n = 8 is small: the interval is rough
    index_text = page.select_one("#index-problem").get_text()
    assert "3,57" in index_text
    low, high = (
        float(x.replace(",", "."))
        for x in index_text.split("KI ")[1].split(",  n")[0].split(", n")[0].split("\u2013")
    )
    assert 0 <= low < 25 / 7 < high <= 6  # inside the 0–6 scale
    assert "för få svar" in page.get_text()

    earlier = new_session(client, instrument, held_on="2025-11-14", place="Torget 2025")
    client.post(f"/dialog/dialoger/{earlier}/inmatning", data=sheet_data(1, trygg_kvall="1"))
    compared = parse_page(
        client.get(f"/dialog/dialoger/{session_id}/resultat?jamfor={earlier}").data
    )
    assert "tidigare 0,0\xa0%" in compared.select_one("#headline-trygg_kvall").get_text()
    period = parse_page(
        client.get(
            f"/dialog/vanersborg/resultat?instrument={instrument.id}&date_from=2026-01-01"
        ).data
    )
    assert "8 blad" in period.select_one("#sheet-total").get_text()
    # The overview's link carries no filter: the first questionnaire's results, no error.
    opened = client.get("/dialog/vanersborg/resultat")
    assert opened.status_code == 200
    first = parse_page(opened.data)
    assert not first.select(".error-message, #error-summary")
    assert "9 blad" in first.select_one("#sheet-total").get_text()  # 2025's sheet too


def test_a_walk_protocol_with_decisions_is_published(client, instrument, session, kommuner):
    walk = client.post(
        "/dialog/vanersborg/enkater", data={"template": "trygghetsvandring", "name": "Vandring"}
    )
    walk_instrument = session.scalar(select(Instrument).where(Instrument.name == "Vandring"))
    assert walk.status_code == 303
    session_id = new_session(
        client, walk_instrument, method="trygghetsvandring", route="Resecentrum – Torget"
    )
    torget = next(lm for lm in kommuner["Vänersborg"].landmarks if lm.name == "Torget")
    refused = client.post(
        f"/dialog/dialoger/{session_id}/stopp",
        data={"number": "1", "place": "Gångtunneln", "decision": "genomfors_ej"},
    )
    assert refused.status_code == 400
    assert "varför" in error_for(parse_page(refused.data), "decision_reason")
    assert parse_page(refused.data).select_one("#place")["value"] == "Gångtunneln"
    stop = {
        "number": "1",
        "place": "Gångtunneln under järnvägen",
        "landmark": str(torget.id),
        "reasons": ["place.dark", "place.tunnel"],
        "observations": "Två av fyra lampor trasiga.",
        "action": "Byta armaturer",
        "owner": "Gatuenheten",
        "decision": "genomfors",
        "deadline": "2027-03-31",
    }
    assert client.post(f"/dialog/dialoger/{session_id}/stopp", data=stop).status_code == 303
    assert (
        client.post(
            f"/dialog/dialoger/{session_id}/stopp",
            data=stop | {"place": "Parkeringen", "decision": "utreds"},
        ).status_code
        == 400
    )  # number 1 is taken
    dsession = session.get(DialogueSession, session_id)
    public_url = f"/k/vanersborg/trygghetsvandringar/{session_id}"
    assert client.get(public_url).status_code == 404  # not yet published
    assert public_url not in client.get("/k/vanersborg/loften").get_data(as_text=True)

    protocol = parse_page(client.get(f"/dialog/dialoger/{session_id}/protokoll").data)
    assert "Byta armaturer" in protocol.get_text() and "Genomförs" in protocol.get_text()
    assert client.post(f"/dialog/dialoger/{session_id}/publicera").status_code == 303
    client.get("/inloggning")  # any page; the public one needs no login
    public = parse_page(client.get(public_url).data)
    assert "Gångtunneln under järnvägen" in public.get_text()
    assert "Gatuenheten" in public.get_text() and "Belysning saknas" in public.get_text()
    assert public_url in client.get("/k/vanersborg/loften").get_data(as_text=True)
    assert dsession.stops[0].lat == torget.lat


def test_other_kommuner_and_roles(client, instrument, session, create_user, login, kommuner):
    session_id = new_session(client, instrument)
    other = create_user("dialog", ("Arboga",))
    login(other)
    assert client.get(f"/dialog/dialoger/{session_id}").status_code == 404
    assert client.get("/dialog/vanersborg/").status_code == 403
    login(create_user("rapportor"))
    assert client.get("/dialog/arboga/").status_code == 403


def test_cli_import_with_a_dry_run(runner, client, instrument, session, tmp_path):
    session_id = new_session(client, instrument)
    path = tmp_path / "svar.csv"
    path.write_bytes(_csv([["blad", "F1"], ["1", "1"], ["2", "9"]]))
    args = ["surveys", "import", str(session_id), str(path), "--map", "F1 = trygg_kvall"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "line 3: F1: '9'" in refused.output
    path.write_bytes(_csv([["blad", "F1"], ["1", "1"], ["2", "6"]]))
    dry = runner.invoke(args=[*args, "--dry-run"])
    assert dry.exit_code == 0 and "all 2 rows" in dry.output
    assert count_sheets(session, session_id) == 0
    done = runner.invoke(args=args)
    assert done.exit_code == 0 and "Imported 2 sheets" in done.output
    assert count_sheets(session, session_id) == 2


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_stop_photo_is_for_staff_only(client, instrument, session, app, create_user, login):
    walk_id = new_session(client, instrument, method="trygghetsvandring")
    stop = {"number": "1", "place": "Tunneln", "decision": "utreds"}
    fake = client.post(
        f"/dialog/dialoger/{walk_id}/stopp",
        data=stop | {"photo": (io.BytesIO(b"<script>alert(1)</script>"), "bild.jpg")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 400
    assert "JPEG eller PNG" in error_for(parse_page(fake.data), "photo")
    saved = client.post(
        f"/dialog/dialoger/{walk_id}/stopp",
        data=stop | {"photo": (io.BytesIO(PNG), "tunneln.png")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303
    walk = session.get(DialogueSession, walk_id)
    photo_url = f"/dialog/dialoger/{walk_id}/stopp/{walk.stops[0].id}/foto"
    served = client.get(photo_url)
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    served.close()
    assert photo_url in client.get(f"/dialog/dialoger/{walk_id}/protokoll").get_data(as_text=True)
    client.post(f"/dialog/dialoger/{walk_id}/publicera")
    public = client.get(f"/k/vanersborg/trygghetsvandringar/{walk_id}").get_data(as_text=True)
    assert "Tunneln" in public and "foto" not in public

    stored = Path(app.instance_path) / "uploads" / "walks" / walk.stops[0].photo
    assert stored.read_bytes() == PNG
    removed = client.post(
        f"/dialog/dialoger/{walk_id}/stopp/{walk.stops[0].id}", data=stop | {"remove_photo": "y"}
    )
    assert removed.status_code == 303 and not stored.exists()
    assert client.get(photo_url).status_code == 404

    login(create_user("dialog", ("Arboga",)))
    assert client.get(photo_url).status_code == 404
