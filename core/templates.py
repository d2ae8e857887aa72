"""Templates: every one is autoescaped, whatever its extension, except plain text (the
`masked` filter for free text is privacy.filters').

Flask escapes only .html, .htm, .xml, .xhtml and .svg; a template for a feed (.atom, .rss)
or any other markup would otherwise write "Polis & kommun" and query strings into its output
raw. Feeds themselves are built by a library (promises.public), not by templates.
"""

from __future__ import annotations

from flask import Flask

PLAIN_TEXT = (".txt",)


def autoescape(name: str | None) -> bool:
    return not (name or "").endswith(PLAIN_TEXT)


def init_app(app: Flask) -> None:
    app.jinja_env.autoescape = autoescape
