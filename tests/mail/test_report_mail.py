"""A resident who left an address hears back: receipt, replies and status changes, unsubscribe.

Mails go to a real SMTP server on loopback (tests/mail_fixtures.py); jobs run at once
(JOBS_IMMEDIATE), and `send_due` is the sweep that sends what waited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.models import Report, ReportUpdate
from mail.models import OutgoingMail
from mail.outbox import send_due
from open311.keys import create_key
from tests.helpers import valid_form
from tests.mail_fixtures import html_part, links, local_path, text_part
from tests.pages import parse_page

ADDRESS = "boende@exempel.se"


@pytest.fixture
def inbox(mail_app, smtp_server):
    return smtp_server[1]


@pytest.fixture
def submitted(client, kommuner, inbox, session):
    """A report sent through the form with an address and consent."""

    def submit(lang: str = "sv", email: str = ADDRESS) -> Report:
        response = client.post(
            f"/k/vanersborg/?lang={lang}", data=valid_form(email=email, consent="y")
        )
        assert response.status_code == 303
        # The receipt code stays out of the address: the newest report is the one sent.
        return session.scalar(select(Report).order_by(Report.id.desc()).limit(1))

    return submit


@pytest.fixture
def coordinator(create_user, login, client):
    user = create_user("coordinator", ("Vänersborg",))
    login(user)
    return user


def set_status(client, report, status, reply="", **extra):
    data = {"status-status": status, "status-public_reply": reply} | {
        f"status-{k}": v for k, v in extra.items()
    }
    response = client.post(f"/samordnare/rapport/{report.id}/status", data=data)
    assert response.status_code == 303, response.data[:2000]


def test_receipt_by_mail_with_code_number_and_a_status_link(client, submitted, inbox):
    report = submitted()
    [message] = inbox.to(ADDRESS)
    assert message["Subject"] == f"Vi har tagit emot ditt förslag {report.registration_number}"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://tryggkartan.test/epost/avregistrera/")
    assert message["Content-Language"] == "sv"
    assert message["Message-ID"].endswith("@localhost>")
    text, html = text_part(message), html_part(message)
    assert report.receipt_display in text and report.registration_number in text
    assert report.receipt_display in html and "<img" not in html.lower()
    status_link = next(u for u in links(message) if "/status/" in u)
    page = parse_page(client.get(local_path(status_link), follow_redirects=True).data)
    assert page.select_one("h1").get_text(strip=True) == "Status för ditt förslag"
    assert [li.strong.get_text() for li in page.select("#timeline li")] == ["Mottaget"]
    receipt = parse_page(client.get(f"/kvitto/{report.receipt_code}", follow_redirects=True).data)
    assert receipt.select_one("#mail-note")


def test_no_address_no_mail(client, kommuners_for_mail, inbox, session):
    assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303
    assert inbox.messages == [] and session.scalar(select(OutgoingMail)) is None


@pytest.fixture
def kommuners_for_mail(kommuner):
    return kommuner


def test_public_reply_reaches_the_resident_masked_and_notes_stay_internal(
    client, submitted, inbox, coordinator, session
):
    report = submitted()
    set_status(
        client,
        report,
        "atgard_planerad",
        reply="Vi sätter upp belysning i vår. Ring 070-123 45 67 om du undrar.",
        comment="Intern: kolla med gatukontoret",
    )
    update = inbox.to(ADDRESS)[-1]
    assert update["Subject"] == f"Nytt om ditt förslag {report.registration_number}"
    text = text_part(update)
    assert "Åtgärd planerad" in text and "Vi sätter upp belysning i vår." in text
    assert "070-123" not in text and "[telefonnummer]" in text
    assert "gatukontoret" not in text
    page = parse_page(client.get(f"/status/{report.receipt_code}", follow_redirects=True).data)
    steps = page.select("#timeline li")
    assert [li.strong.get_text() for li in steps] == ["Mottaget", "Åtgärd planerad"]
    assert "[telefonnummer]" in steps[1].select_one(".public-reply").get_text()
    assert "gatukontoret" not in page.get_text() and "070-123" not in page.get_text()


def test_a_reply_links_the_promise_activity_it_belongs_to(
    client, submitted, inbox, coordinator, session, kommuner
):
    from datetime import date

    from promises.models import Activity, Promise

    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Trygga Torpa",
        lokalpolisomrade="Östra Fyrbodal",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        status="undertecknat",
    )
    promise.activities.append(Activity(title="Ny belysning i gångtunneln"))
    session.add(promise)
    session.commit()
    report = submitted()
    activity_id = promise.activities[0].id
    set_status(client, report, "atgard_planerad", activity=str(activity_id))
    text = text_part(inbox.to(ADDRESS)[-1])
    assert "Ny belysning i gångtunneln" in text
    link = next(u for u in links(inbox.to(ADDRESS)[-1]) if "#activity-" in u)
    assert link.endswith(f"/k/vanersborg/loften#activity-{activity_id}")
    public = parse_page(client.get(local_path(link.split("#")[0])).data)
    assert public.select_one(f"#activity-{activity_id}")
    page = parse_page(client.get(f"/status/{report.receipt_code}", follow_redirects=True).data)
    assert page.select_one(f'#timeline a[href$="#activity-{activity_id}"]')


def test_at_most_one_mail_per_report_and_hour(client, submitted, inbox, coordinator, session, app):
    report = submitted()
    set_status(client, report, "granskad")
    assert len(inbox.to(ADDRESS)) == 2  # receipt, then the first change at once
    set_status(client, report, "del_av_hot_spot")
    set_status(client, report, "atgard_planerad", reply="Belysning beställd.")
    assert len(inbox.to(ADDRESS)) == 2  # the next two wait for the hour
    assert send_due(app) == {}
    send_due(app, now=datetime.now(UTC) + timedelta(minutes=61))
    mails = inbox.to(ADDRESS)
    assert len(mails) == 3
    text = text_part(mails[-1])
    assert "Del av en plats där många känner sig otrygga" in text
    assert "Åtgärd planerad" in text and "Belysning beställd." in text
    steps = session.scalars(select(ReportUpdate).where(ReportUpdate.report_id == report.id))
    assert len({s.mail_id for s in steps}) == 2


def test_mail_in_the_residents_language(client, submitted, inbox, coordinator):
    report = submitted(lang="ar", email="ar@exempel.se")
    receipt = inbox.to("ar@exempel.se")[0]
    assert receipt["Content-Language"] == "ar"
    assert receipt["Subject"] == f"استلمنا بلاغك {report.registration_number}"
    assert 'lang="ar" dir="rtl"' in html_part(receipt)
    set_status(client, report, "avslutad", status_reason="atgardad")
    assert "Åtgärdad" not in text_part(inbox.to("ar@exempel.se")[-1])
    english = submitted(lang="en", email="en@exempel.se")
    mail = inbox.to("en@exempel.se")[0]
    assert mail["Subject"] == f"We have received your report {english.registration_number}"


def test_one_click_unsubscribe_stops_the_next_mail(client, submitted, inbox, coordinator, session):
    report = submitted()
    url = inbox.to(ADDRESS)[0]["List-Unsubscribe"].strip("<>")
    # Opening the link changes nothing (mail scanners open links too).
    page = parse_page(client.get(local_path(url)).data)
    assert page.select_one("form[method=post] button")
    session.expire_all()
    assert session.get(Report, report.id).contact_email == ADDRESS
    # RFC 8058: the mail program posts this body, with no cookie and no CSRF token.
    fresh = client.application.test_client()
    response = fresh.post(local_path(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    session.expire_all()
    stored = session.get(Report, report.id)
    assert (stored.contact_email, stored.contact_consent_at) == (None, None)
    set_status(client, report, "granskad", reply="Tack, vi tittar på det.")
    assert len(inbox.to(ADDRESS)) == 1
    assert fresh.post(local_path(url)).status_code == 200  # twice is fine
    forged = fresh.post("/epost/avregistrera/not-a-token")
    assert forged.status_code == 400
    assert "Länken fungerar inte" in parse_page(forged.data).select_one("h1").get_text()


def test_erasure_cancels_what_was_waiting(client, submitted, inbox, coordinator, session, app):
    report = submitted()
    set_status(client, report, "granskad")
    set_status(client, report, "del_av_hot_spot")  # waits for the hour
    client.post("/status", data={"code": report.receipt_code})
    assert client.post("/status/mitt-forslag", data={"confirm": "y"}).status_code == 303
    send_due(app, now=datetime.now(UTC) + timedelta(hours=2))
    assert len(inbox.to(ADDRESS)) == 2
    states = session.scalars(select(OutgoingMail.state).order_by(OutgoingMail.id)).all()
    assert states == ["sent", "sent", "cancelled"]


def test_open311_posts_with_consent_get_the_same_mails(client, kommuners_for_mail, inbox, session):
    _key, key = create_key(session, "Trygghetsappen")
    session.commit()
    lat, lon = valid_form()["lat"], valid_form()["lon"]
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "1487",
            "service_code": "place.dark",
            "lat": lat,
            "long": lon,
            "email": "app@exempel.se",
            "attribute[consent]": "ja",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 201, response.data
    [receipt] = inbox.to("app@exempel.se")
    # A client key is answered with the report's public id; the resident's mail carries the
    # registration number, as the web receipt does.
    number = session.scalars(select(Report.registration_number)).one()
    assert receipt["Subject"] == f"We have received your report {number}"


def test_a_mail_the_server_refuses_is_retried_then_failed_and_shown(
    client, submitted, inbox, app, session, create_user, login
):
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_DELAY_S=60)
    inbox.refuse = True
    report = submitted()
    mail = session.scalar(select(OutgoingMail).where(OutgoingMail.report_id == report.id))
    session.refresh(mail)
    assert (mail.state, mail.attempts) == ("queued", 1)
    assert "451" in mail.last_error
    now = datetime.now(UTC)
    assert send_due(app, now=now + timedelta(seconds=30)) == {}  # not yet: back-off
    assert send_due(app, now=now + timedelta(seconds=61)) == {"queued": 1}
    assert send_due(app, now=now + timedelta(seconds=61 + 121)) == {"failed": 1}
    session.refresh(mail)
    assert (mail.state, mail.attempts) == ("failed", 3)
    assert ADDRESS not in (mail.last_error or "")
    login(create_user("admin", ("Vänersborg",)))
    page = parse_page(client.get("/admin/epost/").data)
    row = page.select_one("#outbox tr.mail-failed")
    assert "Misslyckades" in row.get_text() and ADDRESS not in page.get_text()
    inbox.refuse = False
    assert client.post(f"/admin/epost/{mail.id}/igen").status_code == 303
    session.refresh(mail)
    assert mail.state == "sent" and len(inbox.to(ADDRESS)) == 1


def test_mejla_koden_till_mig_from_the_receipt(client, kommuners_for_mail, inbox, session):
    """No address in the form: the receipt page sends the code to one given there, once."""
    assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303
    page = parse_page(client.get("/kvitto").data)
    assert page.select_one("#receipt-mail summary").get_text(strip=True) == "Mejla koden till mig"

    refused = client.post("/kvitto", data={"receipt_email": ADDRESS})
    assert refused.status_code == 400
    page = parse_page(refused.data)
    assert "Kryssa i samtycket för att få koden med e-post." in page.select_one(
        "#error-summary"
    ).get_text(" ", strip=True)
    assert page.select_one("#receipt_email")["value"] == ADDRESS  # what was typed stays
    assert inbox.messages == []

    sent = client.post("/kvitto", data={"receipt_email": ADDRESS, "receipt_consent": "y"})
    assert sent.status_code == 303
    report = session.scalar(select(Report))
    session.refresh(report)
    [message] = inbox.to(ADDRESS)
    assert report.receipt_display in text_part(message)
    assert report.contact_consent_at is not None
    # The outbox row holds no address: it is read from the report when sent.
    assert ADDRESS not in str(session.scalar(select(OutgoingMail)).params)
    page = parse_page(client.get("/kvitto").data)
    assert page.select_one("#mail-note") and page.select_one("#receipt-mail") is None

    # A second address is not taken: the receipt page mails one address, once.
    again = client.post(
        "/kvitto", data={"receipt_email": "annan@exempel.se", "receipt_consent": "y"}
    )
    assert again.status_code == 303
    assert inbox.to("annan@exempel.se") == [] and len(inbox.messages) == 1
    session.refresh(report)
    assert report.contact_email == ADDRESS
