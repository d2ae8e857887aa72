"""The whole loop in real Chromium, with a real SMTP server on loopback: a resident reports
with an address, a coordinator answers, the mails arrive, and one-click unsubscribe stops
the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from feedback.models import Report
from mail.outbox import send_due
from tests.browser.actions import log_in, screenshot
from tests.mail_fixtures import html_part, links, text_part

ADDRESS = "resident@example.com"


def test_resident_hears_back_by_mail_and_unsubscribes_with_one_click(
    page, live_server, mail_app, smtp_server, kommuner, session, create_user
):
    _url, inbox = smtp_server
    mail_app.config["PUBLIC_BASE_URL"] = live_server
    coordinator = create_user("coordinator", ("Vänersborg",))

    # The resident reports in English, by the landmark list, with an address and consent.
    page.goto(f"{live_server}/k/vanersborg/?lang=en")
    page.select_option("#landmark", label="Torget")
    page.check("#reason-place-dark")
    page.fill("#email", ADDRESS)
    page.check("#consent")
    page.click("#submit")
    page.locator("#receipt-code").wait_for()
    assert page.locator("#mail-note").is_visible()
    report = session.scalar(select(Report))

    [receipt] = inbox.to(ADDRESS)
    assert receipt["Subject"] == f"We have received your report {report.registration_number}"
    assert receipt["Content-Language"] == "en"
    assert receipt["Auto-Submitted"] == "auto-generated"
    assert receipt["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert report.receipt_display in text_part(receipt) and "<img" not in html_part(receipt)
    status_link = next(u for u in links(receipt) if "/status/" in u)
    page.goto(status_link)
    assert page.inner_text("h1") == "Status of your report"
    assert page.locator("#timeline li").count() == 1

    # A coordinator plans action and answers; the resident reads it at once.
    log_in(page, live_server, coordinator.email)
    page.goto(f"{live_server}/samordnare/rapport/{report.id}")
    page.select_option("#status-status", "atgard_planerad")
    page.fill("#status-public_reply", "New lights in spring. Questions: 070-123 45 67.")
    page.fill("#status-comment", "Internal: ask the street department")
    page.locator("section[aria-labelledby=status-title] button[type=submit]").click()
    page.locator("#staff-timeline li").nth(1).wait_for()
    screenshot(page, "mail-journey-coordinator")
    update = inbox.to(ADDRESS)[-1]
    assert update["Subject"] == f"News about your report {report.registration_number}"
    text = text_part(update)
    assert "Action planned" in text and "New lights in spring." in text
    assert "070-123" not in text and "street department" not in text

    # Closed ten minutes later: that mail waits for the hour, then the queue sends it.
    page.select_option("#status-status", "avslutad")
    page.select_option("#status-status_reason", "atgardad")
    page.locator("section[aria-labelledby=status-title] button[type=submit]").click()
    page.locator("#staff-timeline li").nth(2).wait_for()
    assert len(inbox.to(ADDRESS)) == 2
    send_due(mail_app, now=datetime.now(UTC) + timedelta(minutes=61))
    closed = inbox.to(ADDRESS)[-1]
    assert len(inbox.to(ADDRESS)) == 3 and "Closed" in text_part(closed)

    # The status page shows the whole timeline, the reply masked.
    page.goto(status_link)
    timeline = page.inner_text("#timeline")
    assert "New lights in spring." in timeline and "070-123" not in timeline
    screenshot(page, "mail-journey-status")

    # One click from the mail's unsubscribe link; the next reply sends nothing.
    page.goto(closed["List-Unsubscribe"].strip("<>"))
    page.get_by_role("button", name="Stop sending me emails").click()
    page.locator("#unsubscribed").wait_for()
    page.goto(f"{live_server}/samordnare/rapport/{report.id}")
    page.fill("#status-public_reply", "One more thing.")
    page.locator("section[aria-labelledby=status-title] button[type=submit]").click()
    page.locator("#staff-timeline li").nth(3).wait_for()
    send_due(mail_app, now=datetime.now(UTC) + timedelta(hours=3))
    assert len(inbox.to(ADDRESS)) == 3
    session.expire_all()
    assert session.get(Report, report.id).contact_email is None
