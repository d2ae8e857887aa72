"""Weeks later: "Känns det tryggare där nu?" once per report; following a promise by mail."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from core.clock import local_today
from feedback.models import Questionnaire, Report
from feedback.questionnaire import queue_due
from mail.models import OutgoingMail
from mail.outbox import send_due
from mail.retention import run as mail_retention
from promises.models import FocusArea, FollowUp, Promise, PromiseSubscription
from promises.services import evaluate
from promises.subscriptions import queue_digests
from review.lagesbild import build
from review.periods import period_for
from tests.helpers import VANERSBORG_TORGET, square_around, valid_form
from tests.mail_fixtures import links, local_path, text_part
from tests.pages import parse_page

ADDRESS = "boende@exempel.se"


@pytest.fixture
def inbox(mail_app, smtp_server):
    return smtp_server[1]


@pytest.fixture
def planned(client, kommuner, inbox, session, create_user, login):
    """A report with an address whose action was planned five weeks ago."""
    assert client.post("/k/vanersborg/", data=valid_form(email=ADDRESS, consent="y")).status_code
    report = session.scalar(select(Report))
    login(create_user("coordinator", ("Vänersborg",)))
    client.post(
        f"/samordnare/rapport/{report.id}/status", data={"status-status": "atgard_planerad"}
    )
    return report


def ask(session, weeks_later: float = 5) -> int:
    count = queue_due(session, weeks=4, now=datetime.now(UTC) + timedelta(weeks=weeks_later))
    session.commit()
    return count


def test_the_question_comes_after_n_weeks_once(planned, session, inbox, app):
    assert ask(session, weeks_later=3) == 0
    assert ask(session) == 1
    assert ask(session, weeks_later=6) == 0  # one per report
    send_due(app)
    mail = inbox.to(ADDRESS)[-1]
    assert mail["Subject"] == "Känns det tryggare där nu?"
    answers = [u for u in links(mail) if "/epost/enkat/" in u and "svar=" in u]
    assert [u.rsplit("svar=", 1)[1] for u in answers] == ["tryggare", "som_forut", "otryggare"]


def _answer_link(inbox, answer: str) -> str:
    mail = [m for m in inbox.to(ADDRESS) if m["Subject"] == "Känns det tryggare där nu?"][-1]
    return local_path(next(u for u in links(mail) if u.endswith(f"svar={answer}")))


def test_one_click_from_the_mail_then_one_press_counts_once(planned, session, inbox, app, client):
    ask(session)
    send_due(app)
    link = _answer_link(inbox, "tryggare")
    page = parse_page(client.get(link).data)
    # The link chose the answer; opening it stored nothing (mail scanners open links too).
    assert page.select_one("#answer input[value=tryggare]").has_attr("checked")
    assert session.scalar(select(Questionnaire.answered_at)) is None
    path = link.split("?")[0]
    response = client.post(path, data={"answer": "tryggare", "comment": "Ljust nu, tack!"})
    assert response.status_code == 303
    again = client.post(path, data={"answer": "otryggare"})
    assert again.status_code == 200
    assert parse_page(again.data).select_one("#questionnaire-done")
    session.expire_all()
    stored = session.scalar(select(Questionnaire))
    assert (stored.answer, stored.comment) == ("tryggare", "Ljust nu, tack!")
    assert session.scalar(select(func.count(Questionnaire.id))) == 1


def test_forged_and_expired_links_get_a_clear_page(planned, session, app, client, monkeypatch):
    ask(session)
    questionnaire = session.scalar(select(Questionnaire))
    forged = client.get("/epost/enkat/eyJxIjoxfQ.forged.signature?svar=tryggare")
    assert forged.status_code == 400
    assert parse_page(forged.data).select_one("h1").get_text(strip=True) == "Länken fungerar inte"
    signer = URLSafeTimedSerializer("another-secret", salt="tryggkartan.questionnaire")
    other_key = client.get(f"/epost/enkat/{signer.dumps({'q': questionnaire.id})}")
    assert other_key.status_code == 400
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="tryggkartan.questionnaire")
    sixty_one_days_ago = time.time() - 61 * 86400
    with monkeypatch.context() as m:
        m.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: sixty_one_days_ago))
        old = signer.dumps({"q": questionnaire.id})
    assert app.config["QUESTIONNAIRE_LINK_DAYS"] == 60
    expired = client.get(f"/epost/enkat/{old}?svar=tryggare")
    assert expired.status_code == 410
    assert parse_page(expired.data).select_one("h1").get_text(strip=True) == "Länken har gått ut"
    posted = client.post(f"/epost/enkat/{old}", data={"answer": "tryggare"})
    assert posted.status_code == 410
    session.expire_all()
    assert session.scalar(select(Questionnaire.answered_at)) is None
    wrong_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="tryggkartan.unsubscribe")
    assert client.get(f"/epost/enkat/{wrong_purpose.dumps({'q': 1})}").status_code == 400


def test_answers_count_in_the_lagesbild_and_the_promise_evaluation(
    planned, session, app, client, kommuner
):
    ask(session)
    questionnaire = session.scalar(select(Questionnaire))
    questionnaire.answer, questionnaire.answered_at = "tryggare", datetime.now(UTC)
    session.commit()
    vanersborg = kommuner["Vänersborg"]
    picture = build(session, vanersborg, period_for("tertial", local_today()))
    assert picture.feelings["tryggare"].current == 1
    assert picture.feelings["otryggare"].current == 0
    promise = Promise(
        kommun_id=vanersborg.id,
        title="Torget",
        lokalpolisomrade="Östra Fyrbodal",
        starts_on=local_today() - timedelta(days=30),
        ends_on=local_today() + timedelta(days=300),
        status="undertecknat",
    )
    promise.focus_areas.append(
        FocusArea(title="Torget", polygon=square_around(*VANERSBORG_TORGET, 0.002))
    )
    promise.focus_areas.append(
        FocusArea(title="Långt bort", polygon=square_around(58.5, 12.1, 0.002))
    )
    session.add(promise)
    session.commit()
    near, far = evaluate(session, promise, local_today())
    assert near.feelings == {"tryggare": 1} and far.feelings == {}


def test_retention_and_erasure_take_the_comment(planned, session, client):
    ask(session)
    questionnaire = session.scalar(select(Questionnaire))
    questionnaire.answer, questionnaire.comment = "som_forut", "Min granne Kalle"
    questionnaire.answered_at = datetime.now(UTC)
    session.commit()
    client.post("/status", data={"code": planned.receipt_code})
    client.post("/status/mitt-forslag", data={"confirm": "y"})
    session.expire_all()
    assert session.scalar(select(Questionnaire.comment)) is None
    assert session.scalar(select(Questionnaire.answer)) == "som_forut"  # still counts


# --- following a promise ----------------------------------------------------------------------


@pytest.fixture
def promise(session, kommuners_with_promise):
    return kommuners_with_promise


@pytest.fixture
def kommuners_with_promise(kommuner, session):
    promise = Promise(
        kommun_id=kommuner["Vänersborg"].id,
        title="Trygga Torpa",
        lokalpolisomrade="Östra Fyrbodal",
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 12, 31),
        status="undertecknat",
    )
    session.add(promise)
    session.commit()
    return promise


def test_follow_a_promise_with_double_opt_in_and_get_a_digest(client, promise, inbox, session, app):
    page = parse_page(client.get("/k/vanersborg/loften").data)
    follow = page.select_one(f"#follow-{promise.id}")["href"]
    form = client.post(follow, data={"email": "foljare@exempel.se"})
    assert form.status_code == 400  # no consent
    sent = client.post(follow, data={"email": "foljare@exempel.se", "consent": "y"})
    assert sent.status_code == 303
    # The same address again: the same answer, and no second mail.
    assert client.post(follow, data={"email": "foljare@exempel.se", "consent": "y"}).status_code
    [ask_mail] = inbox.to("foljare@exempel.se")
    assert ask_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = local_path(next(u for u in links(ask_mail) if "/epost/folj/" in u))
    assert parse_page(client.get(confirm).data).select_one("form button")
    subscription = session.scalar(select(PromiseSubscription))
    assert subscription.confirmed_at is None  # opening the link is not confirming
    assert client.post(confirm).status_code == 200
    session.expire_all()
    subscription = session.scalar(select(PromiseSubscription))
    assert subscription.confirmed_at is not None
    # Nothing to say in a period without follow-ups; then one digest per finished period.
    later = datetime.now(UTC) + timedelta(days=130)
    period_start = subscription.last_period
    done_on = local_today()
    session.add(
        FollowUp(
            promise_id=promise.id,
            period_start=_period_of(promise, done_on),
            done_on=done_on,
            text="Belysningen i gångtunneln är klar.",
        )
    )
    session.commit()
    assert queue_digests(session, now=later) == 1
    session.commit()
    assert queue_digests(session, now=later) == 0
    send_due(app)
    digest = inbox.to("foljare@exempel.se")[-1]
    assert digest["Subject"] == "Uppföljning av medborgarlöftet: Trygga Torpa"
    assert "Belysningen i gångtunneln är klar." in text_part(digest)
    assert period_start != subscription.last_period
    unsubscribe = local_path(digest["List-Unsubscribe"].strip("<>"))
    assert client.post(unsubscribe).status_code == 200
    assert session.scalar(select(func.count(PromiseSubscription.id))) == 0


def _period_of(promise, day):
    from promises.services import follow_up_period

    return follow_up_period(promise, day)


def test_unconfirmed_follows_and_old_mail_rows_are_erased(client, promise, inbox, session, app):
    client.post(
        f"/k/vanersborg/loften/{promise.id}/folj",
        data={"email": "glomsk@exempel.se", "consent": "y"},
    )
    assert session.scalar(select(func.count(OutgoingMail.id))) == 1
    with app.app_context():
        mail_retention(
            session,
            retention_days=730,
            contact_days=90,
            now=datetime.now(UTC) + timedelta(days=8),
        )
        session.commit()
    assert session.scalar(select(func.count(PromiseSubscription.id))) == 0
    with app.app_context():
        mail_retention(
            session, retention_days=730, contact_days=90, now=datetime.now(UTC) + timedelta(days=91)
        )
        session.commit()
    assert session.scalar(select(func.count(OutgoingMail.id))) == 0


def test_expired_confirmation_link(client, promise, inbox, session, app):
    client.post(
        f"/k/vanersborg/loften/{promise.id}/folj",
        data={"email": "sen@exempel.se", "consent": "y"},
    )
    confirm = local_path(next(u for u in links(inbox.to("sen@exempel.se")[0]) if "/folj/" in u))
    app.config["SUBSCRIBE_LINK_DAYS"] = -1
    response = client.post(confirm)
    assert response.status_code == 410
    assert session.scalar(select(PromiseSubscription.confirmed_at)) is None
