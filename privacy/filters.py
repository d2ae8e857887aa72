"""The `masked` template filter: free text that staff lists show, personal details replaced."""

from __future__ import annotations

from flask import Flask

from privacy.masking import mask


def masked(text: str | None) -> str:
    """Free text with personal details replaced by placeholders (privacy.masking)."""
    return mask(text).text


def init_app(app: Flask) -> None:
    app.add_template_filter(masked, "masked")
