"""Odd input: NUL bytes, control characters and broken UTF-8 are refused everywhere, with the
same translated message and nothing stored, on SQLite and PostgreSQL alike.

The walk finds every form the app shows (every GET page, as a resident, an admin and a
rapportör), fills every field it has with odd text and sends it: each form must answer 400
with core.text's message, never 500 and never store the text. A POST endpoint that no page
offers a form for must be listed in API_POSTS, so a new endpoint cannot slip past.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import JSON, String, Text, select
from werkzeug.exceptions import MethodNotAllowed, NotFound

import db
from accounts.services import create_user as create_account
from accounts.services import invitation_token
from core.text import MESSAGE, is_odd
from feedback.models import Questionnaire, Report
from mail import tokens
from mail.models import OutgoingMail
from open311.keys import create_key
from open311.models import Forwarding, ForwardTarget
from promises.models import (
    Activity,
    Agreement,
    ContactPerson,
    FocusArea,
    FollowUp,
    Organisation,
    Promise,
    PromiseSubscription,
)
from surveys import services as surveys
from surveys.models import WalkStop
from tests.helpers import STAFF_PASSWORD, VANERSBORG_TORGET, square_around

LAT, LON = VANERSBORG_TORGET
NUL = "Före\x00efter"
BASE = "/open311/v2"
BROKEN = "%ED%A0%80"  # a lone surrogate, as broken UTF-8 percent-encoded
# Posts that no page shows a form for: programs send them (tested below), and an old address
# that reads nothing from a post but drops the receipt code from the address.
API_POSTS = {"open311.post_request", "feedback.status_by_code"}
# POSTs that read nothing of their body: RFC 8058's one-click unsubscribe must work with
# whatever a mail program sends, and stores nothing it was sent.
# The scan upload takes only files (PDFs and photos hold any bytes); no typed text is stored.
IGNORES_BODY = {"resident_mail.unsubscribe", "surveys.scan_sheets"}


def message() -> str:
    return str(MESSAGE)


def api_key(session, kommuner) -> str:
    _key, raw = create_key(session, "Trygghetsappen", kommun=kommuner["Vänersborg"])
    session.commit()
    return raw


@pytest.fixture
def world(app, kommuner, session, create_report_at, create_user, create_dialogue):
    """One of everything a form can act on, in Vänersborg."""
    vanersborg = kommuner["Vänersborg"]
    # A phone number to mask (a "Visa original" form), and a duplicate (a "split" form).
    report = create_report_at(vanersborg, LAT, LON, description="Ring 070-123 45 67")
    for i in range(8):  # a hot spot away from the rest, so the map offers its rename form
        create_report_at(vanersborg, LAT - 0.0063 + (i % 3) * 0.00012, LON + (i // 3) * 0.0002)
    duplicate = create_report_at(vanersborg, LAT, LON)
    duplicate.merged_into_id = report.id
    admin = create_user("admin", ("Vänersborg",))
    other = create_user("coordinator", ("Vänersborg",))
    rapportor = create_user("rapportor", ("Vänersborg",))
    invited = create_account(
        session, email="ny@kommun.example", name="Ny", role="coordinator", kommuner=[vanersborg]
    )
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Löfte",
        lokalpolisomrade="Vänersborg",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        signed_on=date(2026, 1, 1),
    )
    promise.focus_areas.append(FocusArea(title="Torget", polygon=square_around(LAT, LON, 0.001)))
    promise.activities.append(Activity(title="Belysning", owners=["Ljus AB"]))
    session.add(promise)
    _key, _raw = create_key(session, "Appen", kommun=vanersborg)
    target = ForwardTarget(
        kommun_id=vanersborg.id, name="Felanmälan", endpoint="http://127.0.0.1:9", api_key="k"
    )
    session.add(target)
    session.flush()
    session.add(
        Forwarding(report_id=report.id, target_id=target.id, service_code="x", state="failed")
    )
    survey = create_dialogue(vanersborg, double_entry="all")
    walk = create_dialogue(vanersborg, "trygghetsvandring")
    stop = WalkStop(session_id=walk.id, number=1, place="Tunneln")
    session.add(stop)
    session.flush()
    # Two entries of sheet 1 that disagree, so the page for settling them has its form.
    surveys.save_sheet(session, survey, 1, {"gora": "Mer ljus"}, other.id)
    surveys.save_sheet(session, survey, 1, {"gora": "Mer folk"}, rapportor.id, entry_pass=2)
    # A follow-up to correct, a draft to delete, an ended promise to evaluate and archive.
    follow_up = FollowUp(
        promise_id=promise.id, period_start=date(2026, 1, 1), done_on=date(2026, 3, 1), text="Gjort"
    )
    draft = Promise(
        kommun_id=vanersborg.id,
        title="Utkast",
        lokalpolisomrade="Vänersborg",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    ended = Promise(
        kommun_id=vanersborg.id,
        title="Förra löftet",
        lokalpolisomrade="Vänersborg",
        status="undertecknat",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        signed_on=date(2024, 1, 1),
        evaluated_on=date(2025, 2, 1),
    )
    # The resident's mail pages: a questionnaire, a follow to confirm, a failed mail to retry.
    questionnaire = Questionnaire(report_id=report.id, trigger_status="avslutad")
    subscription = PromiseSubscription(promise_id=promise.id, email="bo@exempel.se")
    failed = OutgoingMail(key="f" * 32, kind="receipt", kommun_id=vanersborg.id, state="failed")
    agreement = Agreement(
        kommun_id=vanersborg.id,
        title="Samverkansöverenskommelse",
        parties="Kommunen\nPolisen",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    # An organisation with a contact person (its page has forms to correct both).
    forening = Organisation(kommun_id=vanersborg.id, name="Föreningen Trygg")
    forening.contacts.append(ContactPerson(name="Eva Ek"))
    session.add(forening)
    # A partner whose organisation owns the activity (its follow-up page has a form).
    partner = create_user("partner", ("Vänersborg",), organisation="Ljus AB")
    session.add_all([follow_up, draft, ended, questionnaire, subscription, failed, agreement])
    session.commit()
    with app.app_context():
        token = invitation_token(invited)
        mail_pages = [
            f"/epost/enkat/{tokens.sign('questionnaire', q=questionnaire.id)}?svar=tryggare",
            f"/epost/folj/{tokens.sign('subscribe', s=subscription.id)}",
            f"/epost/avregistrera/{tokens.sign('unsubscribe', r=report.id)}",
        ]
    return {
        "receipt": report.receipt_code,
        "admin": admin,
        "partner": partner,
        "rapportor": rapportor,
        "values": [
            {
                "slug": "vanersborg",
                "report_id": report.id,
                "user_id": other.id,
                "promise_id": promise.id,
                "focus_id": promise.focus_areas[0].id,
                "instrument_id": survey.version.instrument_id,
                "dialogue_id": survey.id,
                "stop_id": stop.id,
                "number": 1,
                "token": token,
                "activity_id": promise.activities[0].id,
                "follow_up_id": follow_up.id,
                "mail_id": failed.id,
                "agreement_id": agreement.id,
                "organisation_id": forening.id,
            },
            {"promise_id": draft.id},
            {"promise_id": ended.id},
            {"dialogue_id": walk.id, "instrument_id": walk.version.instrument_id},
            {"report_id": duplicate.id},
        ],
        # Pages in a state only a query string reaches: a sheet opened for editing.
        "extra_urls": [f"/dialog/dialoger/{survey.id}/inmatning?blad=1", *mail_pages],
    }


def _clients(app, world, login) -> dict[str, Any]:
    clients = {"resident": app.test_client()}
    clients["resident"].post("/status", data={"code": world["receipt"]})  # opens its page
    for role in ("admin", "rapportor", "partner"):
        clients[role] = app.test_client()
        login(world[role], on=clients[role])
    return clients


def _urls(app, world) -> list[str]:
    """Every GET page the values can build, skipping files and API documents."""
    urls: set[str] = set()
    base = world["values"][0]
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in {"static", "vendor.vendor"}:
            continue
        if rule.endpoint.startswith("open311.") or rule.rule.endswith((".csv", ".json", ".atom")):
            continue
        for values in world["values"]:
            merged = base | values
            if rule.arguments <= merged.keys():
                urls.add(rule.build({a: merged[a] for a in rule.arguments})[1])
    return sorted(urls | set(world["extra_urls"]))


def _forms(app, clients, urls) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(endpoint, method, who) -> the form's action, fields and encoding, from every page."""
    adapter = app.url_map.bind("localhost")
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for who, client in clients.items():
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = BeautifulSoup(response.data, "html.parser")
            for form in page.select("form"):
                method = (form.get("method") or "get").upper()
                action = urlsplit(urljoin(url, form.get("action") or url))
                try:
                    endpoint, _args = adapter.match(action.path, method=method)
                except (NotFound, MethodNotAllowed):
                    continue
                fields = {
                    el["name"]
                    for el in form.select("input[name], textarea[name], select[name]")
                    if el.get("type") not in {"submit", "button"}
                }
                entry = found.setdefault(
                    (endpoint, method, who),
                    {"path": action.path, "fields": set(), "multipart": False},
                )
                entry["fields"] |= fields
                entry["multipart"] |= form.get("enctype") == "multipart/form-data"
    return found


def _send(client, method: str, form: dict[str, Any], value: str) -> Any:
    names = sorted(form["fields"])
    if value == BROKEN:
        raw = "&".join(f"{name}={BROKEN}" for name in names)
        if method == "GET":
            return client.get(form["path"], query_string=raw)
        return client.post(form["path"], data=raw, content_type="application/x-www-form-urlencoded")
    data: dict[str, Any] = {name: value for name in names}
    if method == "GET":
        return client.get(form["path"] + "?" + urlencode(data))
    if form["multipart"]:
        for name in names:
            if name in {"file", "photo"}:
                data[name] = (_odd_file(), "blad.csv")
        return client.post(form["path"], data=data, content_type="multipart/form-data")
    return client.post(form["path"], data=data)


def _odd_file() -> Any:
    import io

    return io.BytesIO("blad;gora\n1;Före\x00efter\n".encode())


def _odd_rows(session) -> list[str]:
    """Every stored text (and JSON) value holding odd characters, or broken UTF-8 kept raw."""
    bad = []
    for table in db.Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        for row in session.execute(select(*columns)) if columns else []:
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else repr(value)
                if is_odd(text) or "\\x00" in text or BROKEN in text:
                    bad.append(f"{table.name}.{column.name}: {text[:60]!r}")
    return bad


def test_every_form_refuses_odd_text(app, world, login, session):
    clients = _clients(app, world, login)
    forms = _forms(app, clients, _urls(app, world))
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    offered = {endpoint for endpoint, method, _who in forms if method == "POST"}
    assert posts - offered == API_POSTS, f"no page offers a form for {posts - offered - API_POSTS}"
    checked, failed = [], []
    for (endpoint, method, who), form in sorted(forms.items()):
        if endpoint in IGNORES_BODY:
            continue
        if not form["fields"]:
            continue  # a button alone (with CSRF off here): nothing typed, nothing to refuse
        for value in (NUL, BROKEN):
            response = _send(clients[who], method, form, value)
            body = response.get_data(as_text=True)
            where = f"{method} {form['path']} as {who} with {value!r}: {response.status_code}"
            if response.status_code != 400 or message() not in body:
                failed.append(where)
            checked.append(endpoint)
    assert failed == [], "\n".join(failed)
    assert len(set(checked)) >= 30, sorted(set(checked))
    session.expire_all()
    assert _odd_rows(session) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "body",
    [
        {"description": NUL},
        {"description": "Mörkt\x1b[31m"},
        {"address_string": "Torget\x00"},
        {"email": "a\x00@b.se"},
    ],
)
def test_open311_posts_refuse_odd_text(client, kommuner, session, fmt, body):
    key = api_key(session, kommuner)
    data = {"api_key": key, "service_code": "place.dark", "lat": LAT, "long": LON} | body
    response = client.post(f"{BASE}/requests.{fmt}", data=data)
    assert response.status_code == 400 and message() in response.get_data(as_text=True)
    assert session.scalar(select(Report.id)) is None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_posts_refuse_broken_utf8(client, kommuners_ready, session, fmt):
    key = api_key(session, kommuners_ready)
    raw = f"api_key={key}&service_code=place.dark&lat={LAT}&long={LON}&description=Ljus{BROKEN}"
    response = client.post(
        f"{BASE}/requests.{fmt}", data=raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and message() in response.get_data(as_text=True)
    query = client.get(f"{BASE}/requests.{fmt}?status={BROKEN}")
    assert query.status_code == 400 and message() in query.get_data(as_text=True)
    assert session.scalar(select(Report.id)) is None


@pytest.fixture
def kommuners_ready(kommuner):
    return kommuner


def test_the_resident_sees_the_text_back_without_the_odd_characters(client, kommuners_ready):
    from tests.helpers import valid_form
    from tests.pages import error_for, parse_page, textarea_value

    response = client.post(
        "/k/vanersborg/", data=valid_form(description="Mörkt\x00 vid\x07 torget")
    )
    assert response.status_code == 400
    page = parse_page(response.data)
    assert error_for(page, "description") == "Fel: " + message()
    assert textarea_value(page, "description") == "Mörkt vid torget"


def test_pages_refuse_broken_utf8_in_the_address(client, kommuners_ready):
    response = client.get(f"/k/vanersborg/?lang={BROKEN}")
    assert response.status_code == 400 and message() in response.get_data(as_text=True)


def test_a_staff_password_with_odd_characters_is_refused(client, world):
    response = client.post(
        "/inloggning", data={"email": world["admin"].email, "password": STAFF_PASSWORD + "\x00"}
    )
    assert response.status_code == 400 and message() in response.get_data(as_text=True)
