"""Templates: every one is autoescaped, whatever its extension, except plain text; and a
`masked` filter for free text that staff lists show.

Flask escapes only .html, .htm, .xml, .xhtml and .svg; a template for a feed (.atom, .rss)
or any other markup would otherwise write "Polis & kommun" and query strings into its output
raw. Feeds themselves are built by a library (promises.public), not by templates.
"""

from __future__ import annotations

from flask import Flask

from privacy.masking import mask

PLAIN_TEXT = (".txt",)


def autoescape(name: str | None) -> bool:
    return not (name or "").endswith(PLAIN_TEXT)


def masked(text: str | None) -> str:
    """Free text with personal details replaced by placeholders (privacy.masking)."""
    return mask(text).text


def init_app(app: Flask) -> None:
    app.jinja_env.autoescape = autoescape
    app.add_template_filter(masked, "masked")
