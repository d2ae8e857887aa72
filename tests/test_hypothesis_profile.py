"""Property tests cannot flake in CI: there they always draw the same examples."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

IN_CI = bool(os.environ.get("CI")) and not os.environ.get("HYPOTHESIS_PROFILE")


def test_the_profile_follows_ci() -> None:
    assert settings.default.derandomize is IN_CI
    if IN_CI:
        assert settings.default.database is None
        assert settings.default.deadline is None


def test_a_tests_own_settings_keep_the_profile() -> None:
    """@settings(max_examples=...) on a test changes only what it names."""
    assert settings(max_examples=7).derandomize is settings.default.derandomize


def _draw_examples() -> list[int]:
    drawn: list[int] = []

    @given(st.integers())
    def draw(n: int) -> None:
        drawn.append(n)

    draw()
    return drawn


def test_ci_draws_the_same_examples_every_run() -> None:
    if not IN_CI:
        pytest.skip("the ci profile is loaded only when CI is set")
    assert _draw_examples() == _draw_examples()
