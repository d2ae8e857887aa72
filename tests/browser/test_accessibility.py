"""axe-core (npm) in real Chromium on every page of every audience, in every language.

Any serious or critical WCAG 2.1 A/AA violation fails the run. Pages are checked as their
audience sees them: residents in Swedish, English and Arabic, staff in Swedish and English.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import local_today
from feedback.models import Questionnaire, Report
from kommun.models import Kommun
from mail import tokens
from promises.models import Promise
from surveys.models import DialogueSession
from tests.browser.actions import log_in, screenshot
from tests.speedups import restore_or_build

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
RESIDENT_LANGUAGES = ("sv", "en", "ar")
STAFF_LANGUAGES = ("sv", "en")


@pytest.fixture
def demo(app, runner, session):
    """The demo kommuner, reports, hot spots and promises, and one report's receipt."""

    def build() -> None:
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output

    restore_or_build(session, ("demo", local_today()), build)
    report = session.scalar(select(Report).order_by(Report.id))
    # Vänersborg's promise: the staff below work in Vänersborg, and the resident pages are
    # Vänersborg's (the first promise by id is another kommun's: its pages answer 404 here).
    promise = session.scalar(
        select(Promise).join(Promise.kommun).where(Kommun.slug == "vanersborg").order_by(Promise.id)
    )
    vanersborg = (
        select(DialogueSession).join(DialogueSession.kommun).where(Kommun.slug == "vanersborg")
    )
    survey = session.scalar(vanersborg.where(DialogueSession.method == "gatuenkat"))
    walk = session.scalar(vanersborg.where(DialogueSession.method == "trygghetsvandring"))
    questionnaire = Questionnaire(report_id=report.id, trigger_status="avslutad")
    session.add(questionnaire)
    session.commit()
    with app.app_context():
        unsubscribe = tokens.sign("unsubscribe", r=report.id)
        asked = tokens.sign("questionnaire", q=questionnaire.id)
    return {
        "code": report.receipt_code,
        "report_id": report.id,
        "promise_id": promise.id,
        "focus_id": promise.focus_areas[0].id,
        "activity_id": promise.activities[0].id,
        "follow_up_id": promise.follow_ups[0].id,
        "survey": survey.id,
        "instrument": survey.version.instrument_id,
        "walk": walk.id,
        "stop": walk.stops[0].id,
        "unsubscribe": unsubscribe,
        "questionnaire": asked,
    }


@pytest.fixture
def axe_context(browser):
    """A browser context where axe's script may run beside our Content-Security-Policy."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run ./dev setup (npm ci)")
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(bypass_csp=True, **options)
        # In every page the context opens, before the page's own scripts: handing the 0.5 MB
        # script to each page afterwards took a third of the audit's time.
        context.add_init_script(path=str(AXE))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def audit(page, url: str, status: int = 200, lands_on: str | None = None) -> list[str]:
    """Open url, run axe, and describe each blocking violation. A page that answers another
    status than the one expected, or ends elsewhere than on url (or lands_on, for a page that
    redirects on purpose), is a problem too: an error page or the login page audited in its
    place would pass for it."""
    response = page.goto(url)
    page.wait_for_load_state("load")
    found = audit_current(page)
    if response is None or response.status != status:
        answered = "nothing" if response is None else response.status
        found.append(f"{url}: answered {answered}, not {status}")
    if page.url != (lands_on or url):
        found.append(f"{url}: ended on {page.url}, not {lands_on or url}")
    return found


def audit_current(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    # Only the violations are worked out in full and sent back: the passes were most of the
    # work and of the answer.
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(result => result.violations)",
        WCAG_TAGS,
    )
    found = []
    for violation in violations:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [json.dumps(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{page.url}: {violation['id']} ({violation['impact']}) at {targets}")
    return found


@pytest.mark.parametrize("lang", RESIDENT_LANGUAGES)
def test_resident_pages(axe_context, live_server, demo, lang):
    page = axe_context(locale="sv-SE").new_page()
    page.goto(f"{live_server}/?lang={lang}")  # the switcher; the choice is remembered
    problems = audit(page, f"{live_server}/")
    for entry in (
        "/k/vanersborg/",
        "/k/vanersborg/loften",
        f"/k/vanersborg/loften/{demo['promise_id']}",
        (f"/kvitto/{demo['code']}", 200, "/kvitto"),  # an old link: on without the code
        "/status",
        (f"/status/{demo['code']}", 200, "/status/mitt-forslag"),
        f"/k/vanersborg/trygghetsvandringar/{demo['walk']}",
        ("/k/finns-inte/", 404, "/k/finns-inte/"),
        f"/k/vanersborg/loften/{demo['promise_id']}/folj",
        f"/epost/avregistrera/{demo['unsubscribe']}",
        f"/epost/enkat/{demo['questionnaire']}?svar=tryggare",
        ("/epost/enkat/forged", 400, "/epost/enkat/forged"),
    ):
        path, status, landing = entry if isinstance(entry, tuple) else (entry, 200, entry)
        problems += audit(page, live_server + path, status, live_server + landing)
    # The form sent empty: the error summary and the fields' messages.
    page.goto(f"{live_server}/k/vanersborg/")
    page.click("#submit")
    page.wait_for_load_state("load")
    assert page.locator("#error-summary").is_visible()
    problems += audit_current(page)
    screenshot(page, f"axe-resident-errors-{lang}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", STAFF_LANGUAGES)
def test_staff_pages(axe_context, live_server, demo, create_user, lang):
    coordinator = create_user("coordinator")
    admin = create_user("admin")
    reporter = create_user("rapportor", ("Vänersborg", "Arboga"))  # /falt/ asks which kommun
    dialogue_team = create_user("dialog")
    page = axe_context(locale="sv-SE").new_page()
    page.goto(f"{live_server}/inloggning?lang={lang}")
    problems = audit_current(page)
    log_in(page, live_server, coordinator.email)
    for path in (
        "/personal/",
        "/samordnare/vanersborg/",
        f"/samordnare/rapport/{demo['report_id']}",
        "/samordnare/vanersborg/karta",
        "/samordnare/vanersborg/lagesbild",
        "/samordnare/vanersborg/export",
        "/samordnare/vanersborg/loften",
        f"/samordnare/loften/{demo['promise_id']}",
        f"/samordnare/loften/{demo['promise_id']}/rapport",
        f"/samordnare/loften/{demo['promise_id']}/utvardering",
        f"/samordnare/loften/{demo['promise_id']}/fokus/{demo['focus_id']}",
        f"/samordnare/loften/{demo['promise_id']}/aktiviteter/{demo['activity_id']}",
        f"/samordnare/loften/{demo['promise_id']}/uppfoljning/{demo['follow_up_id']}",
    ):
        problems += audit(page, live_server + path)
    for user, paths in (
        (admin, ("/admin/anvandare/", "/admin/anvandare/ny", "/admin/open311/", "/admin/epost/")),
        (
            dialogue_team,
            (
                "/dialog/vanersborg/",
                f"/dialog/enkater/{demo['instrument']}",
                "/dialog/vanersborg/dialoger/ny",
                f"/dialog/dialoger/{demo['survey']}",
                f"/dialog/dialoger/{demo['survey']}/inmatning",
                f"/dialog/dialoger/{demo['survey']}/kontroll",
                f"/dialog/dialoger/{demo['survey']}/avvikelser",
                f"/dialog/dialoger/{demo['survey']}/resultat",
                f"/dialog/dialoger/{demo['survey']}/import",
                "/dialog/vanersborg/resultat",
                f"/dialog/dialoger/{demo['walk']}",
                f"/dialog/dialoger/{demo['walk']}/stopp/{demo['stop']}",
                f"/dialog/dialoger/{demo['walk']}/protokoll",
            ),
        ),
        (reporter, ("/falt/", "/falt/vanersborg/")),
    ):
        page.context.clear_cookies()
        page.goto(f"{live_server}/inloggning?lang={lang}")
        log_in(page, live_server, user.email)
        for path in paths:
            problems += audit(page, live_server + path)
    assert not problems, "\n".join(problems)


def test_the_check_finds_what_it_should(axe_context, live_server, kommuner):
    """The harness itself: an unlabelled field and a missing alt text fail the audit."""
    page = axe_context().new_page()
    page.goto(f"{live_server}/")
    assert audit_current(page) == []
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<input type=text><img src=/static/favicon.svg>')"
    )
    found = " ".join(audit_current(page))
    assert "label" in found and "image-alt" in found


# A 360 px phone, and 200 % zoom of a 1280 px window (a 640 CSS px layout at twice the
# pixels): the WCAG 1.4.10 reflow and 1.4.4 resize cases.
SIZES = {
    "360px": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 1},
    "zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ("sv", "ar"))
def test_small_screens_and_zoom_need_no_sideways_scrolling(
    axe_context, live_server, demo, lang, size
):
    page = axe_context(**SIZES[size]).new_page()
    page.goto(f"{live_server}/?lang={lang}")
    wide = []
    for name, path in (
        ("start", "/"),
        ("form", "/k/vanersborg/"),
        ("receipt", f"/kvitto/{demo['code']}"),
        ("promises", "/k/vanersborg/loften"),
    ):
        response = page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert response is not None and response.status == 200, (path, response)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide.append(f"{path}: {overflow}px too wide")
        screenshot(page, f"{size}-{lang}-{name}")
    assert not wide, wide
