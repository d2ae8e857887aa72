"""A resident may add a photo: checked by content, stripped of metadata, shown to staff only."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from feedback.models import Report
from tests.helpers import phone_photo, valid_form
from tests.pages import error_for, parse_page, textarea_value


def post(client, photo: bytes, name: str = "bild.jpg", **overrides):
    data = valid_form(**overrides) | {"photo": (io.BytesIO(photo), name)}
    return client.post("/k/vanersborg/", data=data, content_type="multipart/form-data")


def stored(app, report: Report) -> Path:
    return Path(app.instance_path) / "uploads" / "reports" / report.photo


def test_a_photo_is_kept_upright_small_and_without_metadata(app, client, kommuner, session):
    original = phone_photo()
    assert b"Telefonm" in original and b"hemma hos mig" in original
    assert post(client, original).status_code == 303
    report = session.scalar(select(Report))
    kept = stored(app, report).read_bytes()
    with Image.open(io.BytesIO(kept)) as picture:
        assert picture.format == "JPEG"
        assert picture.size == (1200, 1600)  # turned upright, longest side 1600 px
        assert not dict(picture.getexif()) and "comment" not in picture.info
        assert not picture.info.get("exif") and not picture.info.get("xmp")
    assert b"Telefonm" not in kept and b"hemma hos mig" not in kept
    assert report.photo.endswith(".jpg") and "/" not in report.photo


def test_what_is_not_a_picture_is_refused_and_the_text_kept(client, kommuner, session):
    for fake, name in [
        (b"<script>alert(1)</script>", "bild.jpg"),
        (b"\xff\xd8\xff" + b"no real jpeg here" * 20, "trasig.jpg"),
        (b"%PDF-1.7 ...", "kvitto.pdf"),
    ]:
        response = post(client, fake, name, description="Text som ska stå kvar")
        assert response.status_code == 400
        page = parse_page(response.data)
        assert "JPEG eller PNG" in error_for(page, "photo")
        assert textarea_value(page, "description") == "Text som ska stå kvar"
    assert session.scalar(select(Report)) is None


def test_a_report_without_a_photo_has_none(client, kommuner, session):
    assert client.post("/k/vanersborg/", data=valid_form()).status_code == 303
    assert session.scalar(select(Report)).photo is None


def test_the_photo_is_for_staff_of_the_kommun_only(
    app, client, kommuner, session, create_user, login
):
    assert post(client, phone_photo((800, 600), orientation=1)).status_code == 303
    report = session.scalar(select(Report))
    url = f"/samordnare/rapport/{report.id}/foto"
    # The resident's own pages and download do not show it, and no public address serves it.
    status = client.get("/status/mitt-forslag").get_data(as_text=True)
    assert report.photo not in status and "/foto" not in status
    assert client.get("/status/mitt-forslag.json").get_json()["foto"] is True
    assert client.get(url).status_code in {302, 401}
    assert client.get(f"/static/../instance/uploads/reports/{report.photo}").status_code == 404

    login(create_user("coordinator", ("Vänersborg",)))
    page = parse_page(client.get(f"/samordnare/rapport/{report.id}").data)
    assert page.select_one("#report-photo img")["src"] == url
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "private, no-store"
    served.close()

    login(create_user("coordinator", ("Arboga",)))
    assert client.get(url).status_code in {403, 404}


def test_retention_deletes_the_photo_with_the_text(app, client, kommuner, session):
    from datetime import timedelta

    from privacy.retention import anonymise_old

    assert post(client, phone_photo((800, 600))).status_code == 303
    report = session.scalar(select(Report))
    path = stored(app, report)
    assert path.exists()
    with app.app_context():
        assert anonymise_old(session, timedelta(days=0)) == 1
    session.commit()
    assert report.photo is None and not path.exists()
