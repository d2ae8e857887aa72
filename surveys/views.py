"""Dialogue teams' pages, one module per page (the table of contents): importing them puts
their routes on the blueprint in surveys.blueprint."""

from __future__ import annotations

from surveys import (  # noqa: F401 (imported for their routes)
    dialogue_pages,
    entry_pages,
    import_page,
    instrument_pages,
    paper_pages,
    result_pages,
    walk_pages,
)
from surveys.blueprint import bp

__all__ = ["bp"]
