"""An Open311 client's first steps, shared by the Open311 tests: where to post and what."""

from __future__ import annotations

import re
from typing import Any

LAT, LON = 58.38065, 12.32265  # Vänersborg, Torget
BASE = "/open311/v2"
PUBLIC_ID = re.compile(r"1487-[a-z2-7]{16}")
REGISTRATION_NUMBER = re.compile(r"1487-\d{4}-\d{6}")


def post(client: Any, key: str, fmt: str = "json", **fields: Any) -> Any:
    """A service request posted with this API key (fields override or, None, drop one)."""
    data = {
        "api_key": key,
        "jurisdiction_id": "1487",
        "service_code": "place.dark",
        "lat": str(LAT),
        "long": str(LON),
        "description": "Mörkt vid busshållplatsen",
    } | fields
    return client.post(
        f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None}
    )
