"""Duplicates are merged: both kept, the place counted once, supporters summed; bulk actions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.models import Report
from review.models import ReportChange
from tests.helpers import VANERSBORG_TORGET
from tests.pages import error_for, parse_page

LAT, LON = VANERSBORG_TORGET


@pytest.fixture
def coordinator(client, create_user, login):
    user = create_user("coordinator", ("Vänersborg",))
    login(user)
    return user


def supporters_on(client, report):
    page = parse_page(client.get(f"/samordnare/rapport/{report.id}").data)
    return int(page.select_one("#supporters").get_text(strip=True))


def test_merge_two_reports(client, coordinator, kommuner, create_report_at, session):
    vbg = kommuner["Vänersborg"]
    first = create_report_at(vbg, LAT, LON)
    duplicate = create_report_at(vbg, LAT + 0.0001, LON)
    supporter = create_report_at(vbg, LAT, LON)
    supporter.supports_id, supporter.source = duplicate.id, "support"
    session.commit()
    assert supporters_on(client, first) == 0

    page = parse_page(client.get(f"/samordnare/rapport/{duplicate.id}").data)
    candidate = page.select_one(".candidates li")
    assert first.registration_number in candidate.get_text()
    response = client.post(
        f"/samordnare/rapport/{duplicate.id}/sammanfoga",
        data={"merge-target": candidate.select_one("input[name=merge-target]")["value"]},
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Report, duplicate.id).merged_into_id == first.id
    assert session.get(Report, first.id) is not None  # both kept
    # The duplicate and its supporter now stand behind the first report, and are listed.
    assert supporters_on(client, first) == 2
    page = parse_page(client.get(f"/samordnare/rapport/{first.id}").data)
    listed = [li.get_text(" ", strip=True) for li in page.select(".supporter-list li")]
    assert len(listed) == 2
    assert any(duplicate.registration_number in text and "dubblett" in text for text in listed)
    assert any(
        supporter.registration_number in text and "känner likadant" in text for text in listed
    )
    page = parse_page(client.get(f"/samordnare/rapport/{duplicate.id}").data)
    assert "Dubblett av" in page.select_one(".notice").get_text()
    queue = parse_page(client.get("/samordnare/vanersborg/").data)
    assert queue.select_one(f"#row-{duplicate.id}") is None

    client.post(f"/samordnare/rapport/{duplicate.id}/dela-upp")
    session.expire_all()
    assert session.get(Report, duplicate.id).merged_into_id is None
    assert [c.new for c in session.scalars(select(ReportChange).order_by(ReportChange.id))] == [
        first.id,
        None,
    ]


def test_merge_by_registration_number_and_its_limits(
    client, coordinator, kommuner, create_report_at, session
):
    vbg, arboga = kommuner["Vänersborg"], kommuner["Arboga"]
    one = create_report_at(vbg, LAT, LON)
    two = create_report_at(vbg, LAT + 0.01, LON)
    elsewhere = create_report_at(arboga, *arboga.boundary.representative_point)
    url = f"/samordnare/rapport/{one.id}/sammanfoga"

    for target in (one.registration_number, elsewhere.registration_number, "1487-1999-000000"):
        response = client.post(url, data={"merge-target": target})
        assert response.status_code == 400
        assert error_for(parse_page(response.data), "merge-target")
    assert client.post(url, data={"merge-target": two.registration_number}).status_code == 303
    # Merging into a duplicate is refused; a chain would count people twice.
    third = create_report_at(vbg, LAT, LON)
    response = client.post(
        f"/samordnare/rapport/{third.id}/sammanfoga", data={"merge-target": one.registration_number}
    )
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Report, third.id).merged_into_id is None


def test_merging_a_merge_target_keeps_one_level(
    client, coordinator, kommuner, create_report_at, session
):
    vbg = kommuner["Vänersborg"]
    a, b, c = (create_report_at(vbg, LAT, LON) for _ in range(3))
    client.post(f"/samordnare/rapport/{a.id}/sammanfoga", data={"merge-target": str(b.id)})
    client.post(f"/samordnare/rapport/{b.id}/sammanfoga", data={"merge-target": str(c.id)})
    session.expire_all()
    assert session.get(Report, a.id).merged_into_id == c.id
    assert session.get(Report, b.id).merged_into_id == c.id
    assert supporters_on(client, c) == 2


def test_bulk_status_and_hide(client, coordinator, kommuner, create_report_at, session):
    vbg, arboga = kommuner["Vänersborg"], kommuner["Arboga"]
    picked = [create_report_at(vbg, LAT, LON) for _ in range(3)]
    untouched = create_report_at(vbg, LAT, LON)
    foreign = create_report_at(arboga, *arboga.boundary.representative_point)
    ids = [str(r.id) for r in picked] + [str(foreign.id)]

    response = client.post(
        "/samordnare/vanersborg/urval",
        data={"bulk-report_ids": ids, "bulk-action": "status:atgard_planerad",
              "bulk-return_to": "/samordnare/vanersborg/?sort=oldest"},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == "/samordnare/vanersborg/?sort=oldest"
    page = parse_page(client.get(response.headers["Location"]).data)
    assert "3 förslag ändrade" in page.select_one(".flash").get_text()
    session.expire_all()
    assert {session.get(Report, r.id).status for r in picked} == {"atgard_planerad"}
    assert session.get(Report, untouched.id).status == "ny"
    assert session.get(Report, foreign.id).status == "ny"  # another kommun's: left alone

    client.post(
        "/samordnare/vanersborg/urval",
        data={"bulk-report_ids": ids[:2], "bulk-action": "hide"},
    )
    session.expire_all()
    assert [session.get(Report, r.id).hidden for r in picked] == [True, True, False]


def test_bulk_close_needs_a_reason_and_returns_only_to_the_queue(
    client, coordinator, kommuner, create_report_at, session
):
    report = create_report_at(kommuner["Vänersborg"], LAT, LON)
    response = client.post(
        "/samordnare/vanersborg/urval",
        data={"bulk-report_ids": [str(report.id)], "bulk-action": "status:avslutad",
              "bulk-return_to": "https://evil.example/"},
    )  # fmt: skip
    assert response.headers["Location"] == "/samordnare/vanersborg/"
    page = parse_page(client.get("/samordnare/vanersborg/").data)
    assert "Välj varför" in page.select_one(".flash").get_text()
    session.expire_all()
    assert session.get(Report, report.id).status == "ny"


def test_bulk_merge_into_the_oldest(client, coordinator, kommuner, create_report_at, session):
    vbg = kommuner["Vänersborg"]
    oldest, *rest = (create_report_at(vbg, LAT, LON) for _ in range(3))
    client.post(
        "/samordnare/vanersborg/urval",
        data={"bulk-report_ids": [str(r.id) for r in (oldest, *rest)], "bulk-action": "merge"},
    )
    session.expire_all()
    assert [session.get(Report, r.id).merged_into_id for r in rest] == [oldest.id, oldest.id]
    assert supporters_on(client, oldest) == 2
