"""Every XML answer (the Atom feed, Open311 in .xml) parses, whatever text it carries.

Walks app.url_map: every GET route that answers XML is requested with markup in its query
string while the database holds ampersands, markup and control characters in every text a
feed or the API shows, and each answer must parse as XML with its text intact.
"""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

import pytest
from sqlalchemy import select, update

from feedback.models import Report
from kommun.models import Kommun
from open311.keys import create_key
from promises.models import Activity, FollowUp, Promise
from tests.helpers import VANERSBORG_TORGET

ATOM = "{http://www.w3.org/2005/Atom}"
XML_TYPES = {"text/xml", "application/xml", "application/atom+xml"}
HOSTILE_QUERY = {"q": '"><script>alert(1)</script>', "x": "Polis & kommun", "]]>": "<!--"}
# Text stored before input was checked may hold control characters; the output must cope.
OLD_TEXT = "Polis & kommun gick <b>runt</b> ]]> i\x0b kväll"


@pytest.fixture
def hostile(kommuner, session, create_report_at):
    vanersborg = kommuner["Vänersborg"]
    session.execute(
        update(Kommun).where(Kommun.id == vanersborg.id).values(name="Vänersborg & <Co>")
    )
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Polis & kommun <i>tillsammans</i>",
        lokalpolisomrade="Östra Fyrbodal & co",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        signed_on=date(2026, 1, 1),
    )
    activity = Activity(title="Ljus & <trygghet>")
    promise.activities.append(activity)
    session.add(promise)
    session.flush()
    for text in (OLD_TEXT, "Trygghetsvandring med polis & kommun"):
        session.add(
            FollowUp(
                promise_id=promise.id,
                activity_id=activity.id,
                period_start=date(2026, 1, 1),
                done_on=date(2026, 3, 1),
                text=text,
                progress=50,
            )
        )
    for i in range(6):  # a cell the public may see
        report = create_report_at(vanersborg, VANERSBORG_TORGET[0] + i * 1e-5, VANERSBORG_TORGET[1])
    session.execute(update(Report).where(Report.id == report.id).values(description=OLD_TEXT))
    _key, staff_key = create_key(session, "Felanmälan & co", kommun=vanersborg, staff=True)
    session.commit()
    number = session.scalar(select(Report.registration_number).where(Report.id == report.id))
    token = "t" * 32
    session.execute(update(Report).where(Report.id == report.id).values(submission_id=token))
    session.commit()
    return {
        "values": {
            "slug": "vanersborg",
            "fmt": "xml",
            "open311.service_definition": "place.dark.xml",
            "open311.show_request": f"{number}.xml",
            "open311.token": f"{token}.xml",
        },
        "staff_key": staff_key,
    }


def _xml_routes(app, values):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in {"static", "vendor.vendor"}:
            continue
        args = {a: values.get(f"{rule.endpoint}" if a == "name" else a) for a in rule.arguments}
        if None in args.values():
            continue
        yield rule.endpoint, rule.build(args, append_unknown=False)[1]


# The one XML answer that is an error: a registration number asked for without a staff key.
EXPECTED_ERRORS = {("open311.show_request", False)}


def test_every_xml_answer_parses_with_hostile_content(app, client, hostile):
    parsed = {}  # (endpoint, with the staff key) -> the document
    for endpoint, path in _xml_routes(app, hostile["values"]):
        for key in (None, hostile["staff_key"]):
            query = HOSTILE_QUERY | {"jurisdiction_id": "1487"} | ({"api_key": key} if key else {})
            response = client.get(path, query_string=query)
            if response.mimetype not in XML_TYPES:
                # Only a page that is not asked for as XML may answer otherwise.
                assert not path.endswith(".xml"), (path, key, response.status_code)
                continue
            document = ElementTree.fromstring(response.data)  # raises if not XML
            assert b"<script>" not in response.data and b"<i>" not in response.data
            if (endpoint, key is not None) in EXPECTED_ERRORS:
                assert response.status_code == 404 and document.tag == "errors", path
                continue
            assert response.status_code == 200, (path, key, response.data[:300])
            parsed[endpoint, key is not None] = document
    public = {
        "public_promises.feed",
        "open311.discovery",
        "open311.services",
        "open311.service_definition",
        "open311.list_requests",
        "open311.token",
    }
    staff = {"open311.list_requests", "open311.show_request"}  # the staff's own records
    assert {(e, False) for e in public} | {(e, True) for e in staff} <= parsed.keys()
    record = parsed["open311.show_request", True].find("request")
    assert record is not None and "Polis & kommun gick <b>runt</b> ]]>" in (
        record.findtext("description") or ""
    )

    feed = parsed["public_promises.feed", False]
    assert feed.findtext(f"{ATOM}title") == "Medborgarlöften i Vänersborg & <Co>: uppföljning"
    self_link = next(link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self").get(
        "href"
    )
    assert self_link == "http://localhost/k/vanersborg/loften/flode.atom"  # no query string
    contents = [e.findtext(f"{ATOM}content") for e in feed.findall(f"{ATOM}entry")]
    assert "Polis & kommun gick <b>runt</b> ]]> i kväll (50 % klart)" in contents
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles[0].startswith("Polis & kommun <i>tillsammans</i>: Ljus & <trygghet>")

    agencies = {e.findtext("agency_responsible") for e in parsed["open311.list_requests", False]}
    assert agencies == {"Vänersborg & <Co> kommun"}


def test_templates_are_autoescaped_whatever_their_extension(app):
    with app.app_context():
        for name in ("feed.atom", "list.rss", "page.html", "data.xml", None):
            assert app.jinja_env.autoescape(name), name
        assert not app.jinja_env.autoescape("mail.txt")


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/requests/1487-aaaaaaaaaaaaaaaa.xml",
        "/open311/v2/services/no.such.service.xml",
        "/open311/v2/tokens/no-such-token.xml",
        "/open311/v2/discovery.x.xml",  # no such format: answered as the ending asks
    ],
)
def test_an_error_asked_for_as_xml_answers_in_xml(client, kommuner, path):
    """The routes that take the format as the end of a name (a request id, a service code, a
    token) answer their errors in the format asked for, as the others do."""
    response = client.get(path, query_string={"jurisdiction_id": "1487"})
    assert response.status_code == 404
    assert response.mimetype in XML_TYPES
    document = ElementTree.fromstring(response.data)
    assert document.tag == "errors" and document.findtext("error/code") == "404"
    as_json = client.get(
        path.removesuffix(".xml") + ".json", query_string={"jurisdiction_id": "1487"}
    )
    assert as_json.status_code == 404 and as_json.is_json
