"""Plain helpers of the suite: places, the suite's instant, the staff's password, the shared
data. Tests import them from here; tests/conftest.py holds only fixtures and hooks (a module
that tests imported from conftest would be loaded twice, once by pytest as `conftest`)."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pypdf import PdfReader

from core.clock import LOCAL_ZONE

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRYGGKARTAN_SHARED_DATA", ROOT.parent / "shared" / "data"))

# Points well inside the demo kommuner (the squares of their main towns).
VANERSBORG_TORGET = (58.38065, 12.32265)


def square_around(lat: float, lon: float, half: float) -> dict[str, Any]:
    """A GeoJSON square of ±half degrees around a point."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


GOTHENBURG = (57.7089, 11.9746)


def shared_data(name: str) -> Path:
    """A file from the shared data beside the project; missing, it fails the test in CI."""
    path = SHARED_DATA / name
    if not path.exists():
        message = f"{path} is missing (fetch ../shared/data or set TRYGGKARTAN_SHARED_DATA)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run the tests that need it", pytrace=False)
        pytest.skip(message)
    return path


# The suite's instant (tests/conftest.py, "a fixed clock", says why this one).
SUITE_NOW = datetime(2026, 12, 2, 23, 30, tzinfo=LOCAL_ZONE)  # a Wednesday, 22:30 UTC
MACHINE_ZONE = ZoneInfo("Asia/Tokyo")  # 07:30 on Thursday there

STAFF_PASSWORD = "rätt häst batteri häftapparat"

# scrypt at a test's work factor: at the production one (n=2**15) a hash took a quarter of a
# second, and hashing the staff's passwords was the largest single share of the suite's CPU.
# tests/accounts/test_login.py checks the production method itself (real_password_hashing).
TEST_PASSWORD_METHOD = "scrypt:1024:8:1"


def signed_promise(session: Any, kommun: Any) -> Any:
    """A signed promise of this year in the kommun, with one place: a square around
    Vänersborg's Torget (the place residents are asked how they feel about)."""
    from promises.models import FocusArea, Promise

    promise = Promise(
        kommun_id=kommun.id,
        title="Löfte",
        lokalpolisomrade="V",
        status="undertecknat",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    area = FocusArea(title="Torget", polygon=square_around(*VANERSBORG_TORGET, 0.001))
    promise.focus_areas.append(area)
    session.add(promise)
    session.commit()
    return promise


def failed_forwarding(session: Any, kommun: Any, report: Any) -> Any:
    """The report forwarded to the kommun's fault-report service (a target sending dark
    places as MORKT), failed after eight attempts; committed."""
    from open311.models import Forwarding, ForwardTarget

    target = ForwardTarget(
        kommun=kommun,
        name="Felanmälan",
        endpoint="https://felanmalan.example/open311/v2",
        api_key="k",
        service_map={"place.dark": "MORKT"},
    )
    session.add(target)
    session.flush()
    forwarding = Forwarding(
        report_id=report.id, target_id=target.id, service_code="MORKT", state="failed", attempts=8
    )
    session.add(forwarding)
    session.commit()
    return forwarding


def valid_form(**overrides: object) -> dict[str, object]:
    """The resident's report form, filled in as it validates; overrides change fields."""
    lat, lon = VANERSBORG_TORGET
    data: dict[str, object] = {
        "kind": "otrygg",
        "lat": str(lat),
        "lon": str(lon),
        "location_method": "map",
        "reasons": ["place.dark", "people.youth_groups"],
        "times": ["kvall", "natt"],
        "day_types": ["helg"],
        "unsafe_level": "2",
        "description": "Mörkt och stökigt vid busshållplatsen på kvällarna.",
    }
    data.update(overrides)
    return data


def pdf_text(response: Any) -> str:
    """The text of a PDF response, pages joined, whitespace collapsed."""
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


# GPS IFD: a latitude/longitude a phone writes into every picture it takes.
GPS_TAG = 0x8825


def phone_photo(size: tuple[int, int] = (4000, 3000), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: big, rotated by an EXIF tag, with a position in it."""
    picture = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # "rotate 90° to show upright"
    exif[0x010F] = "Telefonmärke"  # camera make
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (58.0, 22.0, 50.0), 3: "E", 4: (12.0, 17.0, 30.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, comment=b"hemma hos mig")
    return out.getvalue()
