"""The queue's search reads only rows that masking could change: the SQL pattern that picks
them must never miss a detail privacy.masking hides, or a search could find a hidden one."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.masking import mask
from review.queue import MASKABLE_PATTERN

MASKABLE = re.compile(MASKABLE_PATTERN)

HIDDEN = [
    "Han har pnr 850709-9805 sa han",
    "19850709-9805",
    "198507099805",
    "121212+1212",
    "samordningsnr 850769-9803",
    "Ring 070-123 45 67",
    "0701234567",
    "+46 70 123 45 67",
    "+46 (0)70-123 45 67",
    "0046 70 123 45 67",
    "08-123 456 78",
    "031-12 34 56",
    "anna.svensson@exempel.se",
    "Bilen ABC 123 kör runt torget",
    "XYZ 12A",
    "abc123",
    "MLB 84P",
]
LEFT_ALONE = ["Kungsgatan 13", "Postnummer 462 30 Vänersborg", "Bussen 100 går kl 07:30"]


def test_the_pattern_finds_every_kind_of_hidden_detail():
    for text in HIDDEN:
        assert mask(text).changed, text
        assert MASKABLE.search(text), text
    # Addresses with house numbers are not read for masking: they cannot hold a detail.
    for text in LEFT_ALONE:
        assert not MASKABLE.search(text) and not mask(text).changed


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="0123456789 -+()@.abcxyzABCXYZåÖ_", max_size=24))
def test_text_the_pattern_passes_over_is_never_changed_by_masking(text):
    if not MASKABLE.search(text):
        assert mask(text).text == text
