"""Bad input, case by case: every one answered 4xx with a Swedish message, no 500, nothing stored.

Two kinds of case. Refused: input that cannot be right (coordinates that are not numbers or
lie outside the kommun, choices not offered, text over its limit, broken UTF-8, forged ids,
wrong methods and content types, oversize bodies, missing or forged CSRF tokens, other
kommuners' objects). Kept and escaped: text that may well be what a resident wrote, markup
and SQL included; it is stored as written and every page that shows it escapes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

import db
from app import create_app
from feedback.models import Report
from hotspots.services import compute_run
from promises.models import PlaceFeeling, Promise
from review.models import ReportNote
from tests.helpers import VANERSBORG_TORGET, valid_form
from tests.helpers import signed_promise as make_signed_promise
from tests.pages import parse_page

LAT, LON = VANERSBORG_TORGET
SCRIPT = "<script>alert('x')</script>"
INJECTIONS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1",
    "'; DROP TABLE report; --",
    "../../../../etc/passwd",
    "%00",
    "\u202eevil",
    "{{7*7}}",
    "${jndi:ldap://x}",
]
NOT_NUMBERS = ["NaN", "nan", "inf", "-Infinity", "1e999", "abc", "58,38", "0x3A", SCRIPT, "1;2"]
OUT_OF_RANGE = ["91", "-90.5", "181", "-180.01", "59.3293", "57.7089"]  # Stockholm, Göteborg
# English text in a response would mean a message escaped translation.
ENGLISH = re.compile(r"Not a valid|This field is required|Invalid (input|value)|CSRF token", re.I)


def _reports(session: Any) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count(Report.id))))


def assert_refused(response: Any, session: Any, before: int) -> Any:
    """Check a refusal; the page parsed (None for JSON), for the caller's further checks."""
    assert 400 <= response.status_code < 500, response.status_code
    text = response.get_data(as_text=True)
    page = None
    if response.is_json:
        assert response.json["error"]
    else:
        assert 'lang="sv"' in text
        page = parse_page(response.data)
        assert page.select_one("#error-summary") or page.select_one("h1"), text[:300]
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert _reports(session) == before
    return page


# --- the resident's form --------------------------------------------------------------------

RESIDENT_CASES: list[tuple[str, dict[str, Any]]] = []
for field in ("lat", "lon"):
    for value in NOT_NUMBERS + OUT_OF_RANGE:
        RESIDENT_CASES.append((f"{field}={value!r}", {field: value}))
for field in ("kind", "unsafe_level", "own_experience", "age_band", "gender", "landmark"):
    for value in INJECTIONS[:6] + ["99", "-1"]:
        RESIDENT_CASES.append((f"{field}={value!r}", {field: value}))
for field in ("reasons", "times", "day_types"):
    for value in INJECTIONS[:6] + ["place.nonexistent"]:
        RESIDENT_CASES.append((f"{field}={value!r}", {field: [value]}))
for value in [
    "not-an-email",
    "a@b",
    SCRIPT + "@x.se",
    "a@b.se\r\nBcc: x@y.se",
    "x" * 250 + "@b.se",
]:
    RESIDENT_CASES.append((f"email={value[:20]!r}", {"email": value, "consent": "y"}))
RESIDENT_CASES += [
    ("description too long", {"description": "å" * 2001}),
    ("place_description too long", {"place_description": "x" * 301, "lat": "", "lon": ""}),
    ("email without consent", {"email": "a@b.se"}),
    ("no place at all", {"lat": "", "lon": ""}),
    ("no reasons", {"reasons": []}),
    ("honeypot", {"webbplats": "https://spam.example"}),
    ("lat without lon", {"lon": ""}),
]
for value in ["x", "0" * 31, "g" * 32, SCRIPT, "' OR 1=1 --", "0" * 33]:
    RESIDENT_CASES.append((f"submission_id={value[:12]!r}", {"submission_id": value}))


@pytest.mark.parametrize(
    "overrides", [c[1] for c in RESIDENT_CASES], ids=[c[0] for c in RESIDENT_CASES]
)
def test_resident_form_refuses(client, kommuner, session, overrides):
    response = client.post("/k/vanersborg/", data=valid_form(**overrides))
    page = assert_refused(response, session, 0)
    assert response.status_code == 400
    if "description" not in overrides:  # what was typed is still there
        kept = page.select_one("#description").get_text().strip()
        assert kept.startswith("Mörkt och stökigt")


REQUEST_CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "broken UTF-8",
        {
            "data": b"kind=otrygg&description=%FF%FE%FD",
            "content_type": "application/x-www-form-urlencoded",
        },
    ),
    ("JSON body", {"json": valid_form()}),
    ("text body", {"data": "kind=otrygg", "content_type": "text/plain"}),
    ("empty body", {"data": b"", "content_type": "application/x-www-form-urlencoded"}),
    ("oversize body", {"data": {"description": "x" * 300_000}}),
    ("XML body", {"data": "<report/>", "content_type": "application/xml"}),
]


@pytest.mark.parametrize("kwargs", [c[1] for c in REQUEST_CASES], ids=[c[0] for c in REQUEST_CASES])
def test_resident_form_refuses_broken_requests(client, kommuners_ready, session, kwargs):
    assert_refused(client.post("/k/vanersborg/", **kwargs), session, 0)


@pytest.fixture
def kommuners_ready(kommuner):
    return kommuner


METHOD_CASES = [
    (method, path)
    for method in ("PUT", "DELETE", "PATCH")
    for path in ("/k/vanersborg/", "/status", "/inloggning", "/k/vanersborg/loften")
]


@pytest.mark.parametrize("method,path", METHOD_CASES)
def test_wrong_methods(client, kommuners_ready, session, method, path):
    response = client.open(path, method=method, data={"x": "1"})
    assert response.status_code == 405
    assert_refused(response, session, 0)


FORGED_CODES = INJECTIONS + ["0000-0000-0000", "A" * 200, "ABCD-EFGH-JKMN-PQRS", " ", "..."]


@pytest.mark.parametrize("code", FORGED_CODES)
def test_forged_receipt_codes(client, kommuners_ready, session, create_report_at, code):
    create_report_at(kommuners_ready["Vänersborg"], LAT, LON)
    for path in (f"/kvitto/{code}", f"/status/{code}"):
        response = client.get(path)
        if response.status_code == 308:  # a path with a trailing space or dot, normalised
            continue
        assert_refused(response, session, 1)
    lookup = client.post("/status", data={"code": code})
    assert lookup.status_code in (400, 404) and not ENGLISH.search(lookup.get_data(as_text=True))
    erase = client.post(f"/status/{code}", data={"confirm": "y"})
    assert 400 <= erase.status_code < 500
    unopened = client.post("/status/mitt-forslag", data={"confirm": "y"})
    assert unopened.status_code == 303 and unopened.headers["Location"] == "/status"
    session.expire_all()
    assert session.scalar(select(Report.erasure_requested_at)) is None


NEARBY_CASES = [(lat, str(LON)) for lat in NOT_NUMBERS + OUT_OF_RANGE] + [
    (str(LAT), lon) for lon in NOT_NUMBERS[:6]
]


@pytest.mark.parametrize("lat,lon", NEARBY_CASES)
def test_nearby_api_refuses_bad_coordinates(client, kommuners_ready, session, lat, lon):
    response = client.get("/api/k/vanersborg/nara", query_string={"lat": lat, "lon": lon})
    assert 400 <= response.status_code < 500 and response.is_json
    assert response.json["error"] and not ENGLISH.search(response.json["error"])


# --- staff pages ----------------------------------------------------------------------------


STAFF_GET_CASES = [
    ("/samordnare/vanersborg/", {"status": SCRIPT}),
    ("/samordnare/vanersborg/", {"reason": "' OR 1=1"}),
    ("/samordnare/vanersborg/", {"date_from": "2026-13-45"}),
    ("/samordnare/vanersborg/", {"bbox": "NaN,0,1,2"}),
    ("/samordnare/vanersborg/", {"bbox": "59,12,58,13"}),
    ("/samordnare/vanersborg/", {"sort": "id; DROP TABLE report"}),
    ("/samordnare/vanersborg/", {"page": "-1"}),
    ("/samordnare/vanersborg/", {"hotspot": SCRIPT}),
    ("/samordnare/vanersborg/karta", {"radius_m": "NaN"}),
    ("/samordnare/vanersborg/karta", {"radius_m": "100000"}),
    ("/samordnare/vanersborg/karta", {"min_reports": "1"}),
    ("/samordnare/vanersborg/karta", {"window_days": "9999"}),
    ("/samordnare/vanersborg/karta", {"reason": SCRIPT}),
    ("/samordnare/vanersborg/karta", {"source": "hackers"}),
    ("/samordnare/vanersborg/karta", {"time_of_day": "midnatt"}),
    ("/samordnare/vanersborg/lagesbild", {"kind": "decade"}),
    ("/samordnare/vanersborg/lagesbild", {"day": "igår"}),
    ("/samordnare/vanersborg/export/fil", {"what": "passwords", "crs": "4326"}),
    ("/samordnare/vanersborg/export/fil", {"what": "reports-csv", "crs": "900913"}),
    (
        "/samordnare/vanersborg/export/fil",
        {"what": "reports-csv", "crs": "4326", "date_from": SCRIPT},
    ),
    ("/samordnare/arboga/", {}),
    ("/samordnare/arboga/karta", {}),
    ("/samordnare/arboga/lagesbild", {}),
    ("/samordnare/arboga/export", {}),
    ("/samordnare/arboga/loften", {}),
    ("/samordnare/rapport/999999", {}),
    ("/samordnare/loften/999999", {}),
    ("/samordnare/atlantis/", {}),
]


@pytest.mark.parametrize("path,args", STAFF_GET_CASES, ids=[f"{p}?{a}" for p, a in STAFF_GET_CASES])
def test_staff_pages_refuse_bad_filters_and_other_kommuner(
    client, kommuners_ready, session, create_user, login, path, args
):
    login(create_user())
    response = client.get(path, query_string=args)
    assert_refused(response, session, 0)


@pytest.fixture
def staff_report(kommuners_ready, create_report_at, create_user, login):
    report = create_report_at(kommuners_ready["Vänersborg"], LAT, LON)
    login(create_user())
    return report


CORRECT = {"correct-lat": str(LAT), "correct-lon": str(LON), "correct-reasons": ["place.dark"]}
STAFF_POST_CASES = [
    ("status", {"status-status": SCRIPT}),
    ("status", {"status-status": "avslutad"}),  # closing needs a reason
    ("status", {"status-status": "vidarebefordrad", "status-forwarded_to": "' OR 1=1"}),
    ("anteckning", {"note-text": ""}),
    ("anteckning", {"note-text": "x" * 5001}),
    ("rattelse", CORRECT | {"correct-lat": "NaN"}),
    ("rattelse", CORRECT | {"correct-lat": "59.3293", "correct-lon": "18.0686"}),  # Stockholm
    ("rattelse", CORRECT | {"correct-lat": SCRIPT, "correct-lon": SCRIPT}),
    ("rattelse", CORRECT | {"correct-reasons": ["place.nope"]}),
    ("rattelse", CORRECT | {"correct-reasons": []}),
    ("sammanfoga", {"merge-target": SCRIPT}),
    ("sammanfoga", {"merge-target": "0000-0000-000000"}),
]


@pytest.mark.parametrize(
    "action,data", STAFF_POST_CASES, ids=[f"{a}:{d}"[:60] for a, d in STAFF_POST_CASES]
)
def test_staff_actions_refuse_bad_values(client, staff_report, session, action, data):
    before = session.scalar(select(func.count(ReportNote.id)))
    response = client.post(f"/samordnare/rapport/{staff_report.id}/{action}", data=data)
    assert_refused(response, session, 1)
    session.expire_all()
    report = session.get(Report, staff_report.id)
    assert report.status == "ny" and report.merged_into_id is None
    assert (report.lat, report.lon) == (staff_report.lat, staff_report.lon)
    assert session.scalar(select(func.count(ReportNote.id))) == before


PROMISE_CASES = [
    (
        "loften",
        {"title": "", "lokalpolisomrade": "V", "starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    ),
    (
        "loften",
        {
            "title": "x" * 201,
            "lokalpolisomrade": "V",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    ),
    (
        "loften",
        {"title": "T", "lokalpolisomrade": "V", "starts_on": SCRIPT, "ends_on": "2026-12-31"},
    ),
    (
        "loften",
        {"title": "T", "lokalpolisomrade": "V", "starts_on": "2026-12-31", "ends_on": "2026-01-01"},
    ),
    (
        "loften",
        {
            "title": "T",
            "lokalpolisomrade": "V",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "hotspots": ["hs-forged"],
        },
    ),
]


@pytest.mark.parametrize("data", [c[1] for c in PROMISE_CASES])
def test_promise_drafts_refuse_bad_values(client, staff_report, session, data):
    response = client.post("/samordnare/vanersborg/loften", data=data)
    assert_refused(response, session, 1)
    assert session.scalar(select(func.count(Promise.id))) == 0


@pytest.fixture
def signed_promise(kommuners_ready, session):
    return make_signed_promise(session, kommuners_ready["Vänersborg"])


FEELING_ANSWERS = INJECTIONS[:6] + ["", "ja", "tryggare; DROP TABLE"]


@pytest.mark.parametrize("answer", FEELING_ANSWERS)
def test_feeling_answers_refuse_what_was_not_offered(client, signed_promise, session, answer):
    focus = signed_promise.focus_areas[0]
    response = client.post(
        f"/k/vanersborg/loften/plats/{focus.id}", data={f"f{focus.id}-answer": answer}
    )
    assert_refused(response, session, 0)
    assert session.scalar(select(func.count(PlaceFeeling.id))) == 0


# --- CSRF: the real app, with tokens on -----------------------------------------------------


@pytest.fixture
def csrf_client(migrated_url: str, tmp_path: Any) -> Iterator[Any]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": migrated_url,
            "SECRET_KEY": "csrf-test",
            "HOTSPOTS_RECOMPUTE": "off",
            "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        },
        instance_path=str(tmp_path),
    )
    yield app.test_client()
    db.get_engine(app).dispose()  # its pooled connections closed now rather than by GC (on
    # PostgreSQL the tests' shared pool keeps them for the next test; tests/speedups.py)


CSRF_CASES = [
    ("/k/vanersborg/", None),
    ("/k/vanersborg/", "forged"),
    ("/k/vanersborg/", "IjEyMyI.ZZZZ.forged-signature"),
    ("/status", None),
    ("/status", "forged"),
    ("/inloggning", None),
    ("/inloggning", "forged"),
]


@pytest.mark.parametrize("path,token", CSRF_CASES)
def test_missing_or_forged_csrf_tokens(csrf_client, kommuners_ready, session, path, token):
    data = valid_form() | ({"csrf_token": token} if token else {})
    if path == "/inloggning":
        data = {"email": "a@b.se", "password": "x"} | ({"csrf_token": token} if token else {})
    response = csrf_client.post(path, data=data)
    assert_refused(response, session, 0)
    assert "Formuläret hade gått ut" in response.get_data(as_text=True)


# --- text that is kept, and escaped wherever it is shown ------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("text", INJECTIONS)
def test_free_text_is_kept_as_written_and_escaped_everywhere(
    client, kommuners_ready, session, create_user, login, text
):
    response = client.post(
        "/k/vanersborg/",
        data=valid_form(description=f"Före {text} efter", place_description=text),
    )
    assert response.status_code == 303
    report = session.scalar(select(Report))
    assert report.description == f"Före {text} efter"
    receipt = client.get(response.headers["Location"])
    assert receipt.status_code == 200
    assert "<script>alert" not in receipt.get_data(as_text=True)
    assert "onerror=alert" not in receipt.get_data(as_text=True)
    for i in range(6):
        client.post("/k/vanersborg/", data=valid_form(lat=str(LAT + i * 0.0001)))
    compute_run(session, kommuners_ready["Vänersborg"])
    session.commit()
    login(create_user())
    # The queue and the report page show the text, escaped; the maps show none of it.
    for path, shown in (
        ("/samordnare/vanersborg/", True),
        (f"/samordnare/rapport/{report.id}", True),
        ("/samordnare/vanersborg/karta", False),
        ("/samordnare/vanersborg/lagesbild", False),
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        html = answer.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert (str(escape(text)) in html) == shown, path
    public = client.get("/k/vanersborg/loften")
    assert public.status_code == 200
    assert "Före" not in public.get_data(as_text=True)  # no free text on the public page


# --- fuzzing the resident's form ------------------------------------------------------------

FIELDS = [
    "kind",
    "lat",
    "lon",
    "landmark",
    "reasons",
    "times",
    "unsafe_level",
    "description",
    "email",
    "age_band",
    "gender",
    "place_description",
    "submission_id",
    "consent",
]


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(
            st.text(max_size=300),
            st.sampled_from(NOT_NUMBERS + OUT_OF_RANGE + INJECTIONS),
            st.floats(allow_nan=True, allow_infinity=True).map(str),
        ),
        max_size=8,
    )
)
def test_fuzzed_forms_never_fail_the_server(app, client, kommuners_ready, session, fuzz):
    app.config["REPORT_RATE_LIMIT"] = "10000 per minute"
    before = _reports(session)
    response = client.post("/k/vanersborg/", data=valid_form(**fuzz))
    assert response.status_code in (303, 400, 415), response.status_code
    if response.status_code == 303:
        stored = session.scalar(select(Report).order_by(Report.id.desc()))
        assert kommuners_ready["Vänersborg"].contains(stored.lat, stored.lon)
        assert len(stored.description) <= 2000
    else:
        assert _reports(session) == before
        assert not ENGLISH.search(response.get_data(as_text=True))


def test_the_suite_has_at_least_two_hundred_cases():
    cases = (
        len(RESIDENT_CASES)
        + len(REQUEST_CASES)
        + len(METHOD_CASES)
        + len(FORGED_CODES)
        + len(NEARBY_CASES)
        + len(STAFF_GET_CASES)
        + len(STAFF_POST_CASES)
        + len(PROMISE_CASES)
        + len(FEELING_ANSWERS)
        + len(CSRF_CASES)
        + len(INJECTIONS)
    )
    assert cases >= 200, cases
